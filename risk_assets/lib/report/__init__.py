"""Reports for people without access to the UI: self-contained HTML, plots, and table exports.

- `html`: HtmlReport (inline CSS, base64 PNG images, no external URL) and `write_model_report`
- `plots`: matplotlib (Agg, imported lazily) bar, line and binned-share charts as PNG bytes
- `portfolio`: the portfolio overview for a credit committee, computed from the lake
- `export`: `export_tables` to CSV or Parquet with DuckDB COPY
"""

from risk_assets.lib.report.export import EXPORT_TABLES, export_tables
from risk_assets.lib.report.html import HtmlReport, markdown_image, png_data_uri, write_model_report

__all__ = ["EXPORT_TABLES", "HtmlReport", "export_tables", "markdown_image", "png_data_uri", "write_model_report"]
