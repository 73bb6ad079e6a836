"""Self-contained HTML reports: one file with inline CSS, tables, and plots embedded as base64 PNG.

A report opens offline in any browser and can be mailed as a single attachment: it references no
external URL (no stylesheet, font, script or image is fetched). Markdown (a model card written for
the Dagster UI) is rendered with markdown-it-py, raw HTML in it escaped; images in the markdown
must already be `data:image/png;base64,...` URIs, which is how the model cards embed their plots.
"""

from __future__ import annotations

import base64
import html
import math
import os
import tempfile
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path

CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2rem auto;
       max-width: 72rem; padding: 0 1rem; color: #1d2433; line-height: 1.45; }
h1 { border-bottom: 2px solid #4f43dd; padding-bottom: .3rem; }
h2 { margin-top: 2rem; color: #2a2f6b; }
.meta { color: #5c6370; font-size: .9rem; }
.notice { background: #fff6db; border-left: 4px solid #e0a800; padding: .5rem .8rem; margin: .8rem 0; }
.notice ul { margin: 0; padding-left: 1.2rem; }
table { border-collapse: collapse; margin: .8rem 0; font-size: .9rem; }
th, td { border: 1px solid #d5d9e0; padding: .25rem .6rem; text-align: right; }
th { background: #eef0f7; }
td.text, th.text { text-align: left; }
figure { margin: 1rem 0; }
figure img, p img { max-width: 100%; border: 1px solid #e3e6ec; }
figcaption { color: #5c6370; font-size: .85rem; }
"""


def png_data_uri(png: bytes) -> str:
    """`data:image/png;base64,...` for PNG bytes (what <img src> and markdown images accept)."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def markdown_image(png: bytes, alt: str) -> str:
    """A markdown image with the PNG embedded, for Dagster's markdown metadata and for reports."""
    return f"![{alt}]({png_data_uri(png)})"


def _cell(value: object, digits: int) -> tuple[str, bool]:
    """(text, is_numeric) for a table cell: None/NaN as an em dash, ints with commas, floats of 1,000
    or more (money, counts) with commas and no decimals, smaller floats (rates, PDs) to `digits`."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "\u2014", False
    if isinstance(value, bool):
        return str(value), False
    if isinstance(value, int):
        return f"{value:,}", True
    if isinstance(value, float):
        return (f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.{digits}f}"), True
    return str(value), False


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[object]], digits: int = 4) -> str:
    """A GitHub-style markdown table of `rows` (each as long as `columns`); None shows as an em dash."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = [_cell(value, digits)[0].replace("|", "\\|") for value in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


class HtmlReport:
    """An HTML document built section by section and written atomically to one file.

    Each section method returns the report, so calls chain:
    `HtmlReport("Portfolio overview").heading("Exposure").table(["grade", "USD"], [["A", 1200.0]])`.
    """

    def __init__(self, title: str, subtitle: str | None = None) -> None:
        self.title = title
        self.subtitle = subtitle
        self.generated_at = datetime.now(timezone.utc)
        self._parts: list[str] = []

    def heading(self, text: str, level: int = 2) -> "HtmlReport":
        self._parts.append(f"<h{level}>{html.escape(text)}</h{level}>")
        return self

    def paragraph(self, text: str) -> "HtmlReport":
        self._parts.append(f"<p>{html.escape(text)}</p>")
        return self

    def notice(self, text: str) -> "HtmlReport":
        """A highlighted note, e.g. that a table is not in the lake yet."""
        self._parts.append(f'<div class="notice">{html.escape(text)}</div>')
        return self

    def notices(self, texts: Sequence[str]) -> "HtmlReport":
        """Several notes in one highlighted box, one bullet each (one note: `notice`); none: nothing."""
        if len(texts) == 1:
            return self.notice(texts[0])
        if texts:
            items = "".join(f"<li>{html.escape(text)}</li>" for text in texts)
            self._parts.append(f'<div class="notice"><ul>{items}</ul></div>')
        return self

    def table(self, columns: Sequence[str], rows: Sequence[Sequence[object]], digits: int = 4) -> "HtmlReport":
        """A table of `rows` x `columns`; floats rounded to `digits`, None/NaN as an em dash."""
        head = "".join(f'<th class="text">{html.escape(c)}</th>' for c in columns)
        body = []
        for row in rows:
            cells = []
            for value in row:
                text, numeric = _cell(value, digits)
                css = "" if numeric else ' class="text"'
                cells.append(f"<td{css}>{html.escape(text)}</td>")
            body.append("<tr>" + "".join(cells) + "</tr>")
        self._parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")
        return self

    def image(self, png: bytes, caption: str) -> "HtmlReport":
        """A PNG embedded as base64 with a caption."""
        alt = html.escape(caption, quote=True)
        self._parts.append(
            f'<figure><img src="{png_data_uri(png)}" alt="{alt}"><figcaption>{alt}</figcaption></figure>'
        )
        return self

    def markdown(self, text: str) -> "HtmlReport":
        """Render markdown (CommonMark + tables; raw HTML escaped, only data: images survive as images)."""
        from markdown_it import MarkdownIt

        renderer = MarkdownIt("commonmark", {"html": False}).enable("table")
        self._parts.append(renderer.render(text))
        return self

    def render(self) -> str:
        """The whole document as a string."""
        subtitle = f'<p class="meta">{html.escape(self.subtitle)}</p>' if self.subtitle else ""
        stamp = self.generated_at.strftime("%Y-%m-%d %H:%M UTC")
        return (
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(self.title)}</title><style>{CSS}</style></head><body>"
            f"<h1>{html.escape(self.title)}</h1>{subtitle}"
            f'<p class="meta">Generated {stamp} by risk_assets.</p>'
            + "\n".join(self._parts)
            + "</body></html>\n"
        )

    def write(self, path: Path) -> Path:
        """Write the document to `path` atomically (see `_write_atomically`)."""
        return _write_atomically(path, self.render())


def _write_atomically(path: Path, text: str) -> Path:
    """Write `text` to `path` through a temp file in the same folder, then rename: a reader never
    sees half a report."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_model_report(
    reports_dir: Path,
    model: str,
    version: str,
    card_markdown: str,
    images: Mapping[str, bytes] | None = None,
) -> Path:
    """Write a model's card as a self-contained HTML report; returns the versioned file's path.

    Writes `reports_dir/<model>/<version>.html` and the same document as `reports_dir/<model>/latest.html`.
    `card_markdown` is the model card as shown in the Dagster UI (plots already embedded as
    `data:image/png;base64` images are kept); `images` maps a caption to extra PNG bytes appended
    as figures.

    Raises:
        ValueError: `model` or `version` is empty or holds a path separator.
    """
    for name, value in (("model", model), ("version", version)):
        if not value or "/" in value or "\\" in value or value in (".", ".."):
            raise ValueError(f"{name}={value!r} cannot name a report file")
    report = HtmlReport(f"Model card: {model}", subtitle=f"version {version}")
    report.markdown(card_markdown)
    for caption, png in (images or {}).items():
        report.image(png, caption)
    folder = reports_dir / model
    versioned = report.write(folder / f"{version}.html")
    report.write(folder / "latest.html")
    return versioned


def append_report_section(reports_dir: Path, model: str, version: str, title: str, text: str) -> list[Path]:
    """Append a closing section `title` with paragraph `text` to `<version>.html`, and to
    `latest.html` while that is still the same version's document. Returns the files changed
    ([] when the version has no report)."""
    section = f"<h2>{html.escape(title)}</h2>\n<p>{html.escape(text)}</p>\n"
    changed = []
    folder = reports_dir / model
    for path in (folder / f"{version}.html", folder / "latest.html"):
        if not path.is_file():
            continue
        text_now = path.read_text(encoding="utf-8")
        if f'<p class="meta">version {html.escape(version)}</p>' not in text_now or not text_now.endswith("</body></html>\n"):
            continue
        changed.append(_write_atomically(path, text_now.removesuffix("</body></html>\n") + section + "</body></html>\n"))
    return changed
