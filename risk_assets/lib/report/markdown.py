"""Markdown table cells and list items' text for the Dagster UI's metadata: one line (a cell's pipes
escaped), and a `<` that would open an HTML tag (`<portfolio>`) written as `&lt;`, since the UI
drops what it takes for a tag."""

from __future__ import annotations

import re

INLINE_MARKDOWN_CHARS = 1_000
"""The Dagster UI (1.13) shows a markdown metadata entry in place when it is shorter than this,
else behind a "[Show Markdown]" link: pages cut their markdown into entries so that the summary
shows in place."""

_TAG_OPEN = re.compile(r"<(?=[A-Za-z/!?])")


def table_cell(value: object, width: int = 80) -> str:
    """`value` as one markdown table cell: `inline_text`, with its pipes escaped."""
    return inline_text(value, width).replace("|", "\\|")


def inline_text(value: object, width: int = 80) -> str:
    """`value` as one line of markdown (a list item's text): '' for None, cut to at most `width`
    characters with an ellipsis; the cut falls after the last whole word that fits, so that a figure
    is never shown in part ('p < 0.00…' would read as a smaller p than 'p < 0.001'), unless that
    word ends in the first half of the width (one long token, such as a path or a value, is cut where
    it stands)."""
    text = "" if value is None else str(value)
    if len(text) > width:
        head = text[: width - 1]
        space = head.rfind(" ") if not text[width - 1].isspace() else len(head)
        text = (head[:space].rstrip() if space >= width // 2 else head) + "…"
    return _TAG_OPEN.sub("&lt;", text.replace("\r", " ").replace("\n", " "))
