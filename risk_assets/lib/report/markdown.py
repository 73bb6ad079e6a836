"""Markdown table cells for the Dagster UI's metadata: one line, pipes escaped, and a `<` that would
open an HTML tag (`<portfolio>`) written as `&lt;`, since the UI drops what it takes for a tag."""

from __future__ import annotations

import re

INLINE_MARKDOWN_CHARS = 1_000
"""The Dagster UI (1.13) shows a markdown metadata entry in place when it is shorter than this,
else behind a "[Show Markdown]" link: pages cut their markdown into entries so that the summary
shows in place."""

_TAG_OPEN = re.compile(r"<(?=[A-Za-z/!?])")


def table_cell(value: object, width: int = 80) -> str:
    """`value` as one markdown table cell: '' for None, cut to `width` characters with an ellipsis."""
    text = "" if value is None else str(value)
    text = text if len(text) <= width else text[: width - 1] + "…"
    return _TAG_OPEN.sub("&lt;", text.replace("|", "\\|").replace("\r", " ").replace("\n", " "))
