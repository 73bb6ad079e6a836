"""HTML reports open offline: inline CSS, embedded PNGs, escaped text, atomic files."""

from __future__ import annotations

import pytest

from risk_assets.lib.report.html import HtmlReport, markdown_image, markdown_table, write_model_report
from risk_assets.lib.report.plots import bar_chart

CARD = """# loan_pd_lendingclub

| metric | candidate | baseline |
|---|---|---|
| AUC | 0.6871 | 0.6750 |

<script>alert(1)</script>
"""


def test_model_report_renders_the_card_and_embeds_its_plots(risk_home):
    png = bar_chart(["A", "B"], {"AUC": [0.69, 0.68]}, "AUC", "AUC")
    card = CARD + "\n" + markdown_image(png, "ROC curve") + "\n"
    path = write_model_report(risk_home.reports, "loan_pd_lendingclub", "20240601T1000", card,
                              images={"calibration": png})
    assert path == risk_home.reports / "loan_pd_lendingclub" / "20240601T1000.html"
    text = path.read_text()
    assert (risk_home.reports / "loan_pd_lendingclub" / "latest.html").read_text() == text
    assert "<td>0.6871</td>" in text
    assert text.count("data:image/png;base64,") == 2
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "http://" not in text and "https://" not in text and "<link" not in text


@pytest.mark.parametrize("version", ["", "../escape", "a/b", ".."])
def test_model_report_refuses_a_version_that_is_not_a_file_name(risk_home, version):
    with pytest.raises(ValueError, match="cannot name a report file"):
        write_model_report(risk_home.reports, "loan_pd", version, CARD)


def test_tables_show_missing_values_as_a_dash_and_money_without_decimals(tmp_path):
    rows = [["A", 1234567.891, 0.123456, None], ["B|C", 12, float("nan"), True]]
    md = markdown_table(["grade", "exposure_usd", "pd", "note"], rows)
    assert "| A | 1,234,568 | 0.1235 | \u2014 |" in md
    assert "| B\\|C | 12 | \u2014 | True |" in md
    text = HtmlReport("t").table(["grade", "exposure_usd"], rows[:1]).write(tmp_path / "t.html").read_text()
    assert "<td>1,234,568</td>" in text
    assert [p.name for p in tmp_path.iterdir()] == ["t.html"]  # no temp file left behind
