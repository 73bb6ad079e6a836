"""News exports that give the zone of their times beside them (a zone column, a zone in the time
column's header, a region in brackets), dates written without a time, and headers in the desk's
own language: real Financial PhraseBank sentences, each row's instant and text checked."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import pytest

from risk_assets.lib.ingest.news_formats import parse_news_file


@pytest.fixture
def sentences(data_dir) -> list[str]:
    """The first 10 sentences of the real Financial PhraseBank 50%-agreement file."""
    lines = (data_dir / "news" / "financial_phrasebank_50agree.txt").read_text("utf-8-sig").splitlines()
    return [line.rsplit("@", 1)[0] for line in lines[:10]]


def _csv(path, header: list[str], rows: list[list[str]], delimiter: str = ","):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_a_zone_column_gives_each_rows_instant(tmp_path, sentences):
    """A terminal export with Date, Time and Time Zone: 21:30 in New York on 2 May is 01:30 UTC on 3
    May, the day the daily index counts it on. Each row's zone is read (a region, an offset, a fixed
    abbreviation); an unknown zone and a time the clocks skip are quarantined, never taken as UTC."""
    rows = [
        ["a0", "2024-05-02", "21:30", "America/New_York", sentences[0]],
        ["a1", "2024-05-02", "21:30", "GMT-4", sentences[1]],
        ["a2", "2024-05-02", "23:30", "+03:00", sentences[2]],
        ["a3", "2024-01-15", "09:00", "EST", sentences[3]],
        ["a4", "2024-05-02", "09:00", "", sentences[4]],  # no zone given: taken as UTC, and said so
        ["a5", "2024-05-02", "09:00", "Mars/Olympus", sentences[5]],
        ["a6", "2024-03-10", "02:30", "America/New_York", sentences[6]],
        ["a7", "2024-05-02T09:00:00+02:00", "", "America/New_York", sentences[7]],  # its own offset decides
    ]
    feed = _csv(tmp_path / "desk.csv", ["id", "Date", "Time", "Time Zone", "Story"], rows)
    parsed = parse_news_file(feed)
    parsed.reconcile()
    assert parsed.rows.select("doc_id", "published_at").rows() == [
        ("a0", datetime(2024, 5, 3, 1, 30)), ("a1", datetime(2024, 5, 3, 1, 30)),
        ("a2", datetime(2024, 5, 2, 20, 30)), ("a3", datetime(2024, 1, 15, 14, 0)),
        ("a4", datetime(2024, 5, 2, 9, 0)), ("a7", datetime(2024, 5, 2, 7, 0))]
    assert parsed.rows["text_raw"].to_list() == [sentences[i] for i in (0, 1, 2, 3, 4, 7)]
    assert parsed.notes["published_at_zone_column_lines"] == [2, 3, 4, 5]
    assert parsed.notes["published_at_assumed_utc_lines"] == [6]
    assert parsed.quarantine.select("line", "column_name", "rule").rows() == [
        (7, "published_zone", "unknown_time_zone"), (8, "published_at", "ambiguous_local_time")]
    unknown, skipped = parsed.quarantine["message"].to_list()
    assert "line 7: zone 'Mars/Olympus' is no time zone this reader knows" in unknown
    assert "2024-03-10 02:30 is skipped in America/New_York when the clocks go forward" in skipped


def test_a_zone_in_the_time_columns_header_is_read(tmp_path, sentences):
    """`Time (ET)` was dropped as an unknown column and the row loaded at midnight 'assumed UTC':
    the header names the zone, New York's, where the date decides between EST and EDT."""
    rows = [["2024-05-02", "21:30", sentences[0]], ["2024-01-15", "09:00", sentences[1]]]
    feed = _csv(tmp_path / "desk.tsv", ["Date", "Time (ET)", "Headline"], rows, delimiter="\t")
    parsed = parse_news_file(feed)
    assert parsed.rows["published_at"].to_list() == [datetime(2024, 5, 3, 1, 30), datetime(2024, 1, 15, 14, 0)]
    assert parsed.notes["published_at_header_zone_lines"] == [2, 3]
    assert parsed.notes["columns"]["published_time"] == "Time (ET)"
    assert "published_at_assumed_utc_lines" not in parsed.notes


def test_dates_without_a_time_keep_their_day_under_a_declared_zone(tmp_path, sentences):
    """Declared Europe/Helsinki, `2024-05-02`, `20240502` and `May 2, 2024` loaded as 21:00 UTC on 1
    May, counted on the wrong day in the daily index: a date alone is a calendar day and keeps it;
    a time of day in the same file is still read in Helsinki."""
    rows = [["h0", "2024-05-02", sentences[0]], ["h1", "20240502", sentences[1]], ["h2", "May 2, 2024", sentences[2]],
            ["h3", "2024-05-02 09:00", sentences[3]]]
    feed = _csv(tmp_path / "helsinki.csv", ["id", "published", "body"], rows)
    (tmp_path / "helsinki.csv.mapping.json").write_text(json.dumps({"name": "fi", "timezone": "Europe/Helsinki"}))
    parsed = parse_news_file(feed)
    assert parsed.rows["published_at"].to_list() == [datetime(2024, 5, 2)] * 3 + [datetime(2024, 5, 2, 6, 0)]
    assert parsed.notes["published_at_date_only_lines"] == [2, 3, 4]
    assert parsed.notes["published_at_local_zone_lines"] == [5]


def test_a_region_in_brackets_without_an_offset_is_read(tmp_path, sentences):
    """`2024-05-02T09:00:00[Europe/Paris]` (RFC 9557, Java's and Temporal's form without the
    offset) was read as 09:00 UTC; the region says 07:00 UTC."""
    rows = [["p0", "2024-05-02T09:00:00[Europe/Paris]", sentences[0]],
            ["p1", "2024-05-02T09:00:00+02:00[Europe/Paris]", sentences[1]]]
    parsed = parse_news_file(_csv(tmp_path / "paris.csv", ["id", "published", "body"], rows))
    assert parsed.rows["published_at"].to_list() == [datetime(2024, 5, 2, 7, 0)] * 2
    assert "published_at_assumed_utc_lines" not in parsed.notes


@pytest.mark.parametrize(("header", "delimiter"), [
    (["Titre", "Texte", "Date de publication", "Source", "Sentiment", "RIC"], ";"),
    (["Título", "Contenido", "Fecha", "Fuente", "Sentimiento", "RIC"], ","),
    (["Überschrift", "Inhalt", "Datum", "Quelle", "Stimmung", "RIC"], ";"),
])
def test_headers_in_the_desks_language_read_every_field(tmp_path, sentences, header, delimiter):
    """A French, Spanish or German export read only its headline: the article text in `Texte`,
    `Contenido` or `Inhalt` was dropped (the model scored headlines), the date, the source and the
    labels lost. Every field is read now, and a Refinitiv `RIC` column gives the tickers."""
    rows = [[f"Titre {i}", sentences[i], f"2024-05-0{i + 1}T09:00:00Z", "Kauppalehti", label, ric]
            for i, (label, ric) in enumerate([("positive", "NOKIA.HE"), ("negative", "AAPL.O"), ("neutral", "VOD.L")])]
    parsed = parse_news_file(_csv(tmp_path / "export.csv", header, rows, delimiter=delimiter))
    assert parsed.rows.select("text_raw", "text_field", "source", "label", "ticker").rows() == [
        (sentences[0], "body", "Kauppalehti", "positive", "NOKIA.HE"),
        (sentences[1], "body", "Kauppalehti", "negative", "AAPL"),
        (sentences[2], "body", "Kauppalehti", "neutral", "VOD.L")]
    assert parsed.rows["published_at"].to_list() == [datetime(2024, 5, d, 9, 0) for d in (1, 2, 3)]
    assert parsed.notes["ignored_columns"] == []


def test_a_german_date_and_time_pair_is_one_publication_time(tmp_path, sentences):
    """`Datum` and `Uhrzeit` side by side, as a German terminal writes them: one instant."""
    rows = [["2024-05-02", "09:15", sentences[0]]]
    parsed = parse_news_file(_csv(tmp_path / "de.csv", ["Datum", "Uhrzeit", "Inhalt"], rows, delimiter=";"))
    assert parsed.rows.select("published_at", "text_raw").rows() == [(datetime(2024, 5, 2, 9, 15), sentences[0])]


def test_a_declared_date_order_reads_day_first_dates(tmp_path, sentences):
    """A German export writes `02.05.2024 09:00`: day and month could be swapped, so without a word
    such a row was quarantined, and news settings had no way to say the order. Declared
    `date_order: DMY`, it is 2 May; a value that cannot be day-first under the declaration
    (`05.13.2024`) is quarantined, naming it."""
    rows = [["g0", "02.05.2024 09:00", sentences[0]], ["g1", "13.05.2024 09:00", sentences[1]],
            ["g2", "05.13.2024 09:00", sentences[2]]]
    feed = _csv(tmp_path / "de_export.csv", ["id", "Datum", "Inhalt"], rows, delimiter=";")
    undeclared = parse_news_file(feed)  # only the dates whose order shows in them load
    assert undeclared.rows.select("doc_id", "published_at").rows() == [
        ("g1", datetime(2024, 5, 13, 9, 0)), ("g2", datetime(2024, 5, 13, 9, 0))]
    assert "declare the file's date order in news settings (date_order DMY or MDY)" in undeclared.quarantine["message"][0]

    (tmp_path / "de_export.csv.mapping.json").write_text(json.dumps({"name": "de", "date_order": "DMY"}))
    parsed = parse_news_file(feed)
    assert parsed.rows.select("doc_id", "published_at").rows() == [
        ("g0", datetime(2024, 5, 2, 9, 0)), ("g1", datetime(2024, 5, 13, 9, 0))]
    assert parsed.quarantine.select("line", "rule").rows() == [(4, "unparsable_timestamp")]
    assert "'05.13.2024' is no day-first date, and the news settings declare date_order DMY" in parsed.quarantine["message"][0]

    (tmp_path / "de_export.csv.mapping.json").write_text(json.dumps({"name": "de", "date_order": "YDM"}))
    with pytest.raises(Exception, match=r"invalid news settings: 'date_order' 'YDM' is none of \['DMY', 'MDY'\]"):
        parse_news_file(feed)
