"""A feed CSV exported without its header line: line 1 is an article (a time, a source, a
headline), and the refusal says the header seems to be missing and which line to add, not only
that the file is no known news format."""

from __future__ import annotations

import pytest

from risk_assets.lib.ingest.news_formats import parse_news_file
from risk_assets.lib.ingest.parsed import FileRefused


def test_a_feed_csv_without_its_header_is_refused_naming_a_header_to_add(tmp_path):
    path = tmp_path / "wire.csv"
    path.write_text('2024-05-02T09:00:00Z,Reuters,"Nordea lifts its full-year outlook after a strong first quarter"\n'
                    '2024-05-02T10:15:00Z,Bloomberg,"Stora Enso to close its Oulu mill, cutting 400 jobs"\n',
                    encoding="utf-8")
    with pytest.raises(FileRefused) as refused:
        parse_news_file(path)
    assert str(refused.value) == (
        f"{path}: line 1 reads as data, not a header (a publication time '2024-05-02T09:00:00Z'; a sentence "
        "'Nordea lifts its full-year outlook after a strong first qua…'): the header line seems to be missing; "
        "add one above it naming each column, such as 'published_at,column_2,headline' (name each column_<n> "
        "for what it holds: source, ticker, id, body), and land the file again (news settings' `columns` name "
        "a header's columns, not positions)")


def test_a_semicolon_export_with_epoch_times_and_no_header_is_refused_the_same_way(tmp_path):
    path = tmp_path / "desk_export.csv"
    path.write_text("17;1714640400;Kone wins a large elevator order in Saudi Arabia\n"
                    "18;1714644000;Nokia will cut 1400 jobs in Finland after weak sales\n", encoding="utf-8")
    with pytest.raises(FileRefused, match=r"line 1 reads as data, not a header \(a publication time '1714640400'; "
                                          r"a sentence 'Kone wins .*such as 'column_1;published_at;headline'"):
        parse_news_file(path)


def test_a_file_of_bare_words_stays_no_known_news_format(tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("alpha,beta\ngamma,delta\n", encoding="utf-8")
    with pytest.raises(FileRefused, match="not a known news format"):
        parse_news_file(path)
