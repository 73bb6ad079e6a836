"""News text written in Markdown (a Reddit post's `selftext`, a newsletter tool's or a CMS's
Markdown export): a reader sees the words, never the link targets, image addresses, heading
marks or emphasis stars, so the model must not read them either."""

from __future__ import annotations

import csv
import io

import pytest

from risk_assets.lib.ingest.news_formats import parse_news_file
from risk_assets.lib.text import clean_text, read_markdown


@pytest.fixture
def sentences(data_dir) -> list[str]:
    """Three sentences of the PhraseBank vendor file, labels dropped."""
    lines = (data_dir / "news" / "financial_phrasebank_50agree.txt").read_text("utf-8-sig").splitlines()
    picked = [line.rsplit("@", 1)[0] for line in lines if line.startswith(
        ("Circulation revenue has", "International sales rose", "Airbus has 100"))]
    assert len(picked) == 3
    return picked


def test_a_markdown_body_is_read_as_its_words(tmp_path, sentences):
    s0, s1, s2 = sentences
    bodies = [f"{s0} [Read the full report](https://example.com/report.pdf \"Q4 report\")",
              f"## Results\n\n* {s1}\n* {s2}\n\n![chart](https://example.com/c.png)",
              f"> {s2}\n\n**Kone** and __Wartsila__ were not *affected* by the `order`."]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(
        [["id", "published_at", "headline", "body"],
         *[[str(i), "2024-05-02T09:00:00Z", f"**Update {i}**", body] for i, body in enumerate(bodies)]])
    path = tmp_path / "newsletter_2024-05-02.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    parsed = parse_news_file(path)

    parsed.reconcile()
    assert parsed.rows["text_clean"].to_list() == [
        s0, f"Results {s1} {s2}",  # the link's words point elsewhere: trimmed as such a sentence is
        f"{s2} Kone and Wartsila were not affected by the order."]
    assert parsed.rows["body"].to_list() == bodies  # as delivered
    assert parsed.notes["markdown_read_lines"] == [2, 3, 9]  # where each record opens


def test_text_that_only_looks_like_markdown_keeps_every_character():
    kept = ["Shares rose 5 * 2 % on the day.", "Loans [in EUR m] (2023) rose.", "#1 lender in Finland",
            "EPS of 1.2x * guidance", "snake_case_name and __init__ stay", "Rates: 3 *or* 4 % [sic]"]
    for text in kept:
        assert read_markdown(text) == text, text
    assert clean_text("Net sales rose. [Full story](https://www.reuters.com/x)").text == "Net sales rose."
    assert clean_text("See <https://example.com/q4> for the **Q4** report.").text == "See for the Q4 report."
