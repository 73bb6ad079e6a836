"""News exports that give the zone of their times beside them (a zone column, a zone in the time
column's header, a region in brackets), dates written without a time, and headers in the desk's
own language: real Financial PhraseBank sentences, each row's instant and text checked."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import polars as pl
import pytest

from risk_assets.lib.ingest.news_formats import parse_news_file


@pytest.fixture
def sentences(data_dir) -> list[str]:
    """The first 14 sentences of the real Financial PhraseBank 50%-agreement file."""
    lines = (data_dir / "news" / "financial_phrasebank_50agree.txt").read_text("utf-8-sig").splitlines()
    return [line.rsplit("@", 1)[0] for line in lines[:14]]


def _csv(path, header: list[str], rows: list[list[str]], delimiter: str = ","):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _wire_times(tmp_path, sentences, rows: list[list[str]]):
    """A wire export of (id, publication time) `rows`, each with a sentence, and its reconciled read."""
    feed = _csv(tmp_path / "wire.csv", ["id", "published", "body"],
                [[doc_id, published, sentences[i % len(sentences)]] for i, (doc_id, published) in enumerate(rows)])
    parsed = parse_news_file(feed)
    parsed.reconcile()
    return feed, parsed


def _reasons(parsed) -> list[str]:
    """The quarantine's messages of a file whose times are in its `published` column, each without the
    file, line and column that open it."""
    return [message.split("column 'published': ")[1] for message in parsed.quarantine["message"]]

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


def test_iana_zones_written_like_abbreviations_keep_their_summer_time(tmp_path, sentences):
    """A zone column of `CET`: read as a fixed +01:00, so a July story at 21:30 in Frankfurt loaded
    an hour late (CET is the IANA database's zone, +02:00 in summer); `EST5EDT` and its kin were no
    zone at all, and every row was quarantined. The database's rules decide now, and a time that
    `CET`'s clocks skip is quarantined; `EST`, one offset all year, stays -05:00 in July."""
    rows = [["c0", "2024-07-02", "21:30", "CET"], ["c1", "2024-01-15", "09:00", "CET"],
            ["c2", "2024-07-02", "09:00", "MET"], ["c3", "2024-07-02", "09:00", "EET"],
            ["c4", "2024-07-02", "09:00", "WET"], ["c5", "2024-07-02", "09:00", "EST5EDT"],
            ["c6", "2024-07-02", "09:00", "CST6CDT"], ["c7", "2024-07-02", "09:00", "MST7MDT"],
            ["c8", "2024-01-15", "09:00", "PST8PDT"], ["c9", "2024-07-02", "09:00", "EST"],
            ["c10", "2024-03-31", "02:30", "CET"]]
    feed = _csv(tmp_path / "desk.csv", ["id", "Date", "Time", "Time Zone", "Story"],
                [row + [sentences[i % len(sentences)]] for i, row in enumerate(rows)])
    parsed = parse_news_file(feed)
    assert parsed.rows.select("doc_id", "published_at").rows() == [
        ("c0", datetime(2024, 7, 2, 19, 30)), ("c1", datetime(2024, 1, 15, 8, 0)),
        ("c2", datetime(2024, 7, 2, 7, 0)), ("c3", datetime(2024, 7, 2, 6, 0)), ("c4", datetime(2024, 7, 2, 8, 0)),
        ("c5", datetime(2024, 7, 2, 13, 0)), ("c6", datetime(2024, 7, 2, 14, 0)), ("c7", datetime(2024, 7, 2, 15, 0)),
        ("c8", datetime(2024, 1, 15, 17, 0)), ("c9", datetime(2024, 7, 2, 14, 0))]
    assert parsed.notes["published_at_zone_column_lines"] == list(range(2, 12))
    assert parsed.quarantine.select("line", "column_name", "rule").rows() == [(12, "published_at", "ambiguous_local_time")]
    assert "2024-03-31 02:30 is skipped in CET when the clocks go forward" in parsed.quarantine["message"][0]


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
            ["p1", "2024-05-02T09:00:00+02:00[Europe/Paris]", sentences[1]],
            ["p2", "2024-05-02[Europe/Paris]", sentences[2]]]  # a day alone keeps its date
    parsed = parse_news_file(_csv(tmp_path / "paris.csv", ["id", "published", "body"], rows))
    assert parsed.rows["published_at"].to_list() == [datetime(2024, 5, 2, 7, 0)] * 2 + [datetime(2024, 5, 2)]
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


@pytest.mark.parametrize(("header", "delimiter"), [
    (["Título", "Conteúdo", "Data", "Hora", "Fonte"], ";"),
    (["Titolo", "Testo", "Data", "Ora", "Fonte"], ";"),
    (["Título", "Conteúdo", "Data de publicação", "Hora", "Fonte"], ","),
    (["Titolo", "Testo", "Data pubblicazione", "Ora", "Fonte"], ","),
])
def test_a_portuguese_or_italian_date_and_time_pair_is_one_publication_time(tmp_path, sentences, header, delimiter):
    """A Portuguese or Italian desk writes `Data` beside `Hora` (pt) or `Ora` (it): `Data` was no
    date name, so the rows loaded with no publication time at all (both columns ignored). The pair
    is one instant, as German `Datum` and `Uhrzeit` are, under either spelling of the date's name."""
    rows = [[f"Título {i}", sentences[i], day, clock, "Valor Econômico"]
            for i, (day, clock) in enumerate([("2024-05-02", "09:15"), ("13/05/2024", "17:40")])]
    parsed = parse_news_file(_csv(tmp_path / "export.csv", header, rows, delimiter=delimiter))
    assert parsed.rows.select("published_at", "text_raw", "source").rows() == [
        (datetime(2024, 5, 2, 9, 15), sentences[0], "Valor Econômico"),
        (datetime(2024, 5, 13, 17, 40), sentences[1], "Valor Econômico")]
    assert parsed.notes["columns"]["published_at"] == header[2]
    assert parsed.notes["columns"]["published_time"] == header[3]
    assert parsed.notes["ignored_columns"] == []


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


def test_dotted_dates_alone_keep_their_day_under_a_declared_zone(tmp_path, sentences):
    """`02.05.2024` from a German export, declared day-first in Berlin: Oracle's `09.00.00` time form
    was found inside the date itself, so the day was read as a time at midnight and moved to 22:00
    on 1 May. A dotted date alone is a calendar day; with a time it is read in Berlin."""
    rows = [["g0", "02.05.2024", sentences[0]], ["g1", "02.05.24", sentences[1]], ["g2", "2024.05.02", sentences[2]],
            ["g3", "02.05.2024 09:00", sentences[3]]]
    feed = _csv(tmp_path / "de.csv", ["id", "Datum", "Inhalt"], rows, delimiter=";")
    (tmp_path / "de.csv.mapping.json").write_text(json.dumps(
        {"name": "de", "timezone": "Europe/Berlin", "date_order": "DMY"}))
    parsed = parse_news_file(feed)
    assert parsed.rows["published_at"].to_list() == [datetime(2024, 5, 2)] * 3 + [datetime(2024, 5, 2, 7, 0)]
    assert parsed.notes["published_at_date_only_lines"] == [2, 3, 4]


def test_workbook_date_cells_are_days_and_date_time_cells_times(tmp_path, sentences):
    """In a desk's workbook a cell formatted `DD.MM.YYYY` holds a day; one formatted `DD.MM.YYYY
    hh:mm` a time. Both were written out with a time of 00:00, so under a declared Helsinki zone the
    day moved to 21:00 on 1 May. The day keeps its date; the time at midnight is read in Helsinki."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["id", "Date", "Body"])
    for i, (stamp, fmt) in enumerate([(datetime(2024, 5, 2), "DD.MM.YYYY"), (datetime(2024, 5, 2), "DD.MM.YYYY hh:mm"),
                                      (datetime(2024, 5, 2, 9, 30), "DD.MM.YYYY hh:mm")]):
        sheet.append([f"x{i}", stamp, sentences[i]])
        sheet.cell(row=i + 2, column=2).number_format = fmt
    path = tmp_path / "desk.xlsx"
    book.save(path)
    (tmp_path / "desk.xlsx.mapping.json").write_text(json.dumps({"name": "fi", "timezone": "Europe/Helsinki"}))
    parsed = parse_news_file(path)
    assert parsed.rows["published_at"].to_list() == [
        datetime(2024, 5, 2), datetime(2024, 5, 1, 21, 0), datetime(2024, 5, 2, 6, 30)]
    assert parsed.notes["published_at_date_only_lines"] == [2]


def test_offsets_in_a_zone_column_are_read_only_in_forms_that_say_an_offset(tmp_path, sentences):
    """A GMT offset column: `-4`, `-4.0` and `5.5` are hours; `-240` was read as -02:40, an offset no
    zone has (minutes? hours and minutes run together?): it is quarantined, naming the value. A
    column of country codes (`FI`, `SE`) is no zone column: it is left unread and said so, and the
    times are taken as UTC as before, not quarantined."""
    rows = [["g0", "2024-05-02", "21:30", "-4", sentences[0]], ["g1", "2024-05-02", "21:30", "-4.0", sentences[1]],
            ["g2", "2024-05-02", "21:30", "5.5", sentences[2]], ["g3", "2024-05-02", "21:30", "-240", sentences[3]]]
    parsed = parse_news_file(_csv(tmp_path / "offsets.csv", ["id", "Date", "Time", "GMT Offset", "body"], rows))
    assert parsed.rows.select("doc_id", "published_at").rows() == [
        ("g0", datetime(2024, 5, 3, 1, 30)), ("g1", datetime(2024, 5, 3, 1, 30)), ("g2", datetime(2024, 5, 2, 16, 0))]
    assert parsed.quarantine.select("line", "rule", "raw_value").rows() == [(5, "unknown_time_zone", "-240")]

    rows = [[f"c{i}", "2024-05-02", "09:00", code, sentences[i]] for i, code in enumerate(["FI", "SE", "DE"])]
    countries = parse_news_file(_csv(tmp_path / "countries.csv", ["id", "Date", "Time", "TZ", "body"], rows))
    assert countries.rows["published_at"].to_list() == [datetime(2024, 5, 2, 9, 0)] * 3
    assert countries.notes["zone_column_unread"].startswith("TZ: 3 of 3 values are no time zone ('FI', 'SE', 'DE')")
    assert countries.notes["published_at_assumed_utc_lines"] == [2, 3, 4]


@pytest.mark.parametrize(("header", "expected"), [
    ("Hora (UTC-3)", datetime(2024, 7, 3, 0, 30)), ("Time (GMT-05:00)", datetime(2024, 7, 3, 2, 30)),
    ("Time (CET/CEST)", datetime(2024, 7, 2, 19, 30)), ("Zeit (MEZ)", datetime(2024, 7, 2, 20, 30))])
def test_a_zone_in_the_time_header_is_read_with_its_sign(tmp_path, sentences, header, expected):
    """Negative offsets in a time column's header (`Hora (UTC-3)`) were lost with their hyphen, the
    column dropped and the rows loaded at midnight: the header is read as written."""
    parsed = parse_news_file(_csv(tmp_path / "desk.csv", ["Date", header, "Headline"],
                                  [["2024-07-02", "21:30", sentences[0]]]))
    assert parsed.rows["published_at"].to_list() == [expected]
    assert parsed.notes["published_at_header_zone_lines"] == [2]


def test_a_header_zone_no_reader_knows_is_quarantined_unless_settings_declare_one(tmp_path, sentences):
    """`Time (XYZ)`: the column is the time column, but its zone cannot be read, so its rows are
    quarantined naming the header, never loaded at midnight or taken as UTC; with a zone declared
    in news settings the times are read in it."""
    feed = _csv(tmp_path / "desk.csv", ["Date", "Time (XYZ)", "Headline"], [["2024-07-02", "21:30", sentences[0]]])
    refused = parse_news_file(feed)
    assert refused.rows.height == 0 and refused.quarantine["rule"].to_list() == ["unknown_time_zone"]
    assert "the time column's header names the zone 'XYZ', which this reader does not know" in refused.quarantine["message"][0]
    (tmp_path / "desk.csv.mapping.json").write_text(json.dumps({"name": "d", "timezone": "Europe/Helsinki"}))
    assert parse_news_file(feed).rows["published_at"].to_list() == [datetime(2024, 7, 2, 18, 30)]


def test_language_codes_in_headers_are_no_zones_and_instrument_types_no_tickers(tmp_path, sentences):
    """`Text (PT)` beside `Text (EN)`: PT is a language here, not Pacific time; the English text is
    the body (the sentiment model reads English) and the Portuguese one is named, unread. An `Instrument` column holding
    instrument types is no ticker column; bloomberg.com's currencies and indices are no stocks."""
    bilingual = _csv(tmp_path / "bilingual.csv", ["id", "Title", "Text (EN)", "Text (PT)"],
                     [["b0", "Nokia", sentences[0], "Texto em português"]])
    parsed = parse_news_file(bilingual)
    assert parsed.notes["ignored_columns"] == ["Text (PT)"] and parsed.rows["text_field"].to_list() == ["body"]
    assert parsed.rows["text_clean"].to_list() == [sentences[0]]
    rows = [["i0", "Equity", "NOK; EURUSD:CUR; SPX:IND", sentences[0]]]
    typed = parse_news_file(_csv(tmp_path / "typed.csv", ["id", "Instrument", "Ticker", "body"], rows))
    assert typed.rows["ticker"].to_list() == ["NOK"] and "Instrument" in typed.notes["ignored_columns"]
    assert typed.notes["ticker_not_equity"] == {"CUR": 1, "IND": 1}


def test_a_german_desks_times_of_day_and_zone_names_are_read(tmp_path, sentences):
    """A German terminal writes `9:00 Uhr`, `09.30 Uhr MESZ`, `um 14 Uhr MEZ`: every row was
    quarantined as `unparsable_timestamp` ('Uhr' is no word the reader knew). Each is its instant
    now; an hour no clock shows and a zone name no reader knows stay quarantined, the message naming
    the file, the line and the columns the time was read from."""
    rows = [["d0", "2024-05-02", "9:00 Uhr", "", sentences[0]],
            ["d1", "2024-05-02", "09.30 Uhr MESZ", "", sentences[1]],
            ["d2", "2024-01-15", "um 14 Uhr MEZ", "", sentences[2]],
            ["d3", "2024-05-02", "9:15 Uhr", "MESZ", sentences[3]],
            ["d4", "2024-05-02", "0 Uhr", "MESZ", sentences[4]],  # midnight written as a time: read in its zone
            ["d5", "2024-05-02", "9 Uhr deutscher Zeit", "", sentences[5]],
            ["d6", "2024-05-02", "25 Uhr", "", sentences[6]],
            ["d7", "2024-05-02", "9:00 Uhr MET", "", sentences[7]]]
    feed = _csv(tmp_path / "de.csv", ["id", "Datum", "Uhrzeit", "Zeitzone", "Inhalt"], rows, delimiter=";")

    parsed = parse_news_file(feed)

    parsed.reconcile()
    assert parsed.rows.select("doc_id", "published_at", "text_raw").rows() == [
        ("d0", datetime(2024, 5, 2, 9, 0), sentences[0]), ("d1", datetime(2024, 5, 2, 7, 30), sentences[1]),
        ("d2", datetime(2024, 1, 15, 13, 0), sentences[2]), ("d3", datetime(2024, 5, 2, 7, 15), sentences[3]),
        ("d4", datetime(2024, 5, 1, 22, 0), sentences[4]), ("d5", datetime(2024, 5, 2, 7, 0), sentences[5])]
    assert parsed.notes["published_at_assumed_utc_lines"] == [2]
    assert parsed.notes["published_at_zone_column_lines"] == [5, 6]
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value", "message").rows() == [
        (8, "published_at", "unparsable_timestamp", "2024-05-02 25 Uhr",
         f"{feed}: line 8: column 'Datum' and 'Uhrzeit': '25 Uhr' is no time of day (hours 0-23, minutes 0-59): "
         "'2024-05-02 25 Uhr'"),
        (9, "published_at", "unparsable_timestamp", "2024-05-02 9:00 Uhr MET",
         f"{feed}: line 9: column 'Datum' and 'Uhrzeit': not an ISO-8601, RFC 2822 or known timestamp form ('MET' is "
         "no month, day, AM/PM or known time zone): '2024-05-02 9:00 Uhr MET'")]


@pytest.mark.parametrize(("header", "times", "instants"), [
    (["Titre", "Texte", "Date", "Heure"], ["9h30", "09 h 30 HAE", "à 17 h HNEC"],
     [datetime(2024, 5, 2, 9, 30), datetime(2024, 5, 2, 13, 30), datetime(2024, 5, 2, 16, 0)]),
    (["Título", "Conteúdo", "Data", "Hora"], ["9h30min", "às 9h30 (horário de Brasília)", "14h BRT"],
     [datetime(2024, 5, 2, 9, 30), datetime(2024, 5, 2, 12, 30), datetime(2024, 5, 2, 17, 0)]),
    (["Título", "Contenido", "Fecha", "Hora"], ["a las 9:30 h", "09:30 horas (hora peninsular)", "17.45 h"],
     [datetime(2024, 5, 2, 9, 30), datetime(2024, 5, 2, 7, 30), datetime(2024, 5, 2, 17, 45)]),
    (["Titolo", "Testo", "Data", "Ora"], ["alle 9.30", "ore 9.30 (ora italiana)", "17.45"],
     [datetime(2024, 5, 2, 9, 30), datetime(2024, 5, 2, 7, 30), datetime(2024, 5, 2, 17, 45)]),
    (["Kop", "Tekst", "Datum", "Tijd"], ["9.30 uur", "om 9.30 uur (Nederlandse tijd)", "17:45 uur CEST"],
     [datetime(2024, 5, 2, 9, 30), datetime(2024, 5, 2, 7, 30), datetime(2024, 5, 2, 15, 45)]),
    (["Headline", "Body", "Date", "Time"], ["9.30am", "9:30 a.m. New York time", "5.45 p.m. UK time"],
     [datetime(2024, 5, 2, 9, 30), datetime(2024, 5, 2, 13, 30), datetime(2024, 5, 2, 16, 45)]),
])
def test_times_of_day_as_each_desks_language_writes_them_are_read(tmp_path, sentences, header, times, instants):
    """French `9h30`, Portuguese `às 9h30 (horário de Brasília)`, Spanish `a las 9:30 h`, Italian
    `alle 9.30`, Dutch `om 9.30 uur`, British `9.30am`: a time of day as a desk writes it in its
    language, with the zone or region it names. `9.30` after a date was read as 09:00:18 (ISO
    8601's fraction of an hour); it is half past nine."""
    rows = [[f"{header[0]} {i}", sentences[i], "2024-05-02", clock] for i, clock in enumerate(times)]

    parsed = parse_news_file(_csv(tmp_path / "desk.csv", header, rows, delimiter=";"))

    parsed.reconcile()
    assert parsed.quarantine.height == 0
    assert parsed.rows.select("published_at", "text_raw").rows() == list(zip(instants, sentences[:3]))


@pytest.mark.parametrize(("clock", "why"), [
    ("10 h HE", "time zone 'HE' is ambiguous (heure de l'Est: HNE -05:00 or HAE -04:00)"),
    ("9:30 (Mitteleuropäische Zeit)", "is no month, day, AM/PM or known time zone"),
    ("hace 3 horas", "'hace' is no month, day, AM/PM or known time zone"),
    ("24h00", "'24h00' is no time of day"),
])
def test_an_ambiguous_or_unknown_time_of_day_stays_quarantined(tmp_path, sentences, clock, why):
    feed = _csv(tmp_path / "desk.csv", ["Titre", "Texte", "Date", "Heure"], [["T", sentences[0], "2024-05-02", clock]],
                delimiter=";")

    parsed = parse_news_file(feed)

    assert parsed.rows.height == 0
    [(column, rule, message)] = parsed.quarantine.select("column_name", "rule", "message").rows()
    assert (column, rule) == ("published_at", "unparsable_timestamp")
    assert message.startswith(f"{feed}: line 2: column 'Date' and 'Heure': ") and why in message


def test_a_dotted_time_is_read_after_a_date_and_a_dotted_date_stays_a_date(tmp_path, sentences):
    """`13.05.24 09.30` is half past nine; `Mon 13.05.24` is a day, its two-digit year no seconds."""
    rows = [["t0", "13.05.24 09.30", sentences[0]], ["t1", "Mon 13.05.24", sentences[1]],
            ["t2", "May 2, 2024, 9.30", sentences[2]]]

    parsed = parse_news_file(_csv(tmp_path / "desk.csv", ["id", "published", "body"], rows))

    assert parsed.rows.select("doc_id", "published_at").rows() == [
        ("t0", datetime(2024, 5, 13, 9, 30)), ("t1", datetime(2024, 5, 13)), ("t2", datetime(2024, 5, 2, 9, 30))]


def test_a_bracket_after_a_time_is_read_dropped_or_refused_by_what_it_can_say(tmp_path, sentences):
    """Wire exports write an edit or the agency after the time. After a zone (`...Z (updated)`, `GMT
    (London)` in January, when London keeps GMT) or a date alone (`2024-05-02 (updated)`) a bracket
    cannot move the instant and is dropped. An offset, an IANA region, a zone abbreviation or the half
    of the day in brackets is part of the time and read (`(+02:00)`, `(Europe/Paris)`, `(CEST)`,
    `(pm)`), and so is a financial centre's clock named in words (`(Tokyo time)`). Other words after a
    time without a zone may name its clock (`(Tokyo)`) or not (`(Reuters)`): no rule tells them apart,
    so the time is refused, never read as UTC; the file's declared timezone reads it."""
    rows = [["c0", "2024-05-02T09:30:00Z (updated)"], ["c1", "2024-01-15 09:30 GMT (London)"],
            ["c2", "2024-05-02 (updated)"], ["c3", "Thu, 02 May 2024 09:30:00 +0000 (UTC)"],
            ["c4", "2024-05-02 09:30 (+02:00)"], ["c5", "2024-05-02 09:30 (Europe/Paris)"],
            ["c6", "2024-05-02 09:30 (CEST)"], ["c7", "2024-05-02 9:30 (pm)"],
            ["c8", "2024-05-02 09:30 (Reuters)"], ["c9", "2024-05-02 09:30 (Tokyo)"],
            ["c10", "2024-05-02 09:30 (Zürich time)"], ["c11", "2024-05-02 09:30 (CEST, Reuters)"]]
    feed, parsed = _wire_times(tmp_path, sentences, rows)

    assert parsed.rows.select("doc_id", "published_at").rows() == [
        ("c0", datetime(2024, 5, 2, 9, 30)), ("c1", datetime(2024, 1, 15, 9, 30)), ("c2", datetime(2024, 5, 2)),
        ("c3", datetime(2024, 5, 2, 9, 30)), ("c4", datetime(2024, 5, 2, 7, 30)), ("c5", datetime(2024, 5, 2, 7, 30)),
        ("c6", datetime(2024, 5, 2, 7, 30)), ("c7", datetime(2024, 5, 2, 21, 30)), ("c10", datetime(2024, 5, 2, 7, 30))]
    assert parsed.quarantine.select("line", "rule").rows() == [(10, "unparsable_timestamp"), (11, "unparsable_timestamp"),
                                                               (13, "unparsable_timestamp")]
    reuters, tokyo, in_part = parsed.quarantine["message"]
    assert all("after a time without a zone may name the clock it is in ('(Tokyo)') or not ('(Reuters)')" in message
               for message in (reuters, in_part))
    assert "the bracket '(Tokyo)' after a time without a zone names the city 'Tokyo'" in tokyo

    (tmp_path / "wire.csv.mapping.json").write_text(json.dumps({"name": "wire", "timezone": "Europe/London"}))
    declared = parse_news_file(feed)
    assert declared.rows.filter(pl.col("doc_id") == "c8")["published_at"].to_list() == [datetime(2024, 5, 2, 8, 30)]
    # a bracket that names a clock in part is never overruled by the declared zone, nor is Tokyo's clock
    assert declared.quarantine.select("line").to_series().to_list() == [11, 13]


def test_a_sign_and_a_number_in_a_bracket_after_a_time_is_refused_with_a_zone_or_without(tmp_path, sentences):
    """A schedule writes `09:30 CEST (+1)` for a time on the day after its date, and `(+1)` may as
    well be an offset in hours: after a zone the bracket was dropped, the time read on the date
    written, a day early if it was the mark. A bracket, or an item of one, that is a sign and a
    number (`(-1)`, `(+2)`, `(CEST, +1)`, `(+1 day)`) is refused, with a zone before it or not and
    under a declared timezone; an offset written in full stays an offset, read, and checked
    against the zone before it (`(+01:00)` after CEST is another clock)."""
    rows = [["n0", "2024-05-02 09:30 CEST (+02:00)"], ["n1", "2024-05-02 09:30 CEST (+0200)"],
            ["n2", "2024-05-02 09:30 CEST (UTC+2)"], ["n3", "2024-05-02 09:30 (UTC+1)"],
            ["n4", "2024-05-02 09:30 CEST (+1)"], ["n5", "2024-05-02T09:30:00Z (-1)"],
            ["n6", "2024-05-02 09:30 +02:00 (+2)"], ["n7", "2024-05-02 09:30 (CEST, +1)"],
            ["n8", "2024-05-02 09:30 CEST (+1 day)"], ["n9", "2024-05-02 09:30 (+1)"],
            ["n10", "2024-05-02 09:30 CEST (+01:00)"]]
    feed, parsed = _wire_times(tmp_path, sentences, rows)

    assert parsed.rows.select("doc_id", "published_at").rows() == [
        ("n0", datetime(2024, 5, 2, 7, 30)), ("n1", datetime(2024, 5, 2, 7, 30)), ("n2", datetime(2024, 5, 2, 7, 30)),
        ("n3", datetime(2024, 5, 2, 8, 30))]
    assert parsed.quarantine.select("line", "rule").rows() == [(line, "unparsable_timestamp") for line in range(6, 13)]
    messages = _reasons(parsed)
    assert messages[0] == (
        "the bracket '(+1)' after a time: '+1' may be an offset in hours or a schedule's day mark (the time 1 day "
        "after its date), which this reader cannot tell, so the date may be off: write the offset in full (+01:00, "
        "UTC+1) or the date the time falls on: '2024-05-02 09:30 CEST (+1)'")
    assert [message.split(", which this reader")[0] for message in messages[1:4]] == [
        "the bracket '(-1)' after a time: '-1' may be an offset in hours or a schedule's day mark (the time 1 day "
        "before its date)",
        "the bracket '(+2)' after a time: '+2' may be an offset in hours or a schedule's day mark (the time 2 days "
        "after its date)",
        "the bracket '(CEST, +1)' after a time: '+1' may be an offset in hours or a schedule's day mark (the time 1 "
        "day after its date)"]
    assert messages[4] == ("the bracket '(+1 day)' after a time: '+1 day' is a schedule's day mark (the time 1 day "
                           "after its date), so the date written is not the time's: write the date the time falls on: "
                           "'2024-05-02 09:30 CEST (+1 day)'")
    assert messages[5].startswith("the bracket '(+1)' after a time: '+1' may be an offset in hours")
    assert messages[6].startswith("'2024-05-02 09:30 CEST (+01:00)' names two clocks that disagree: CEST is UTC+02:00")

    (tmp_path / "wire.csv.mapping.json").write_text(json.dumps({"name": "wire", "timezone": "Europe/Paris"}))
    declared = parse_news_file(feed)
    assert declared.quarantine["line"].to_list() == list(range(6, 13))  # the declared zone says nothing of the day


def test_several_brackets_after_a_time_are_read_each_as_one_would_be(tmp_path, sentences):
    """Wire exports write the agency and the edit after the time, `09:30 CEST (Reuters) (updated)`:
    two brackets were refused. Each is read by the rules for one, in the order written, a zone one
    of them gives (`(CEST)`, `(Europe/Paris)`, `(Tokyo time)`) counting for the others as one
    written before them; the time is refused where one bracket would be, and a clock one names
    must agree with the time's zone."""
    rows = [["m0", "2024-05-02 09:30 CEST (Reuters) (updated)"], ["m1", "2024-05-02T09:30:00Z (updated) (Reuters)"],
            ["m2", "2024-05-02 (updated) (Reuters)"], ["m3", "2024-05-02 09:30 (CEST) (updated)"],
            ["m4", "2024-05-02 09:30 (Reuters) (CEST)"], ["m5", "2024-05-02 09:30 (Europe/Paris) (updated)"],
            ["m6", "2024-05-02 9h30 (horário de Brasília) (Reuters)"], ["m7", "2024-05-02 9:30 (pm) (Reuters) (EDT)"],
            ["m8", "Thu May 02 2024 09:30:00 GMT+0200 (Central European Summer Time) (updated)"],
            ["m9", "02/05/2024 09:30 (Reuters) (updated)"], ["m10", "2024-05-02 09:30 (London) (updated)"],
            ["m11", "2024-05-02 09:30 (Reuters) (CEST, Reuters)"], ["m12", "2024-05-02 09:30 CEST (Reuters) (UTC+5)"]]
    feed, parsed = _wire_times(tmp_path, sentences, rows)

    assert parsed.rows.select("doc_id", "published_at").rows() == [
        ("m0", datetime(2024, 5, 2, 7, 30)), ("m1", datetime(2024, 5, 2, 9, 30)), ("m2", datetime(2024, 5, 2)),
        ("m3", datetime(2024, 5, 2, 7, 30)), ("m4", datetime(2024, 5, 2, 7, 30)), ("m5", datetime(2024, 5, 2, 7, 30)),
        ("m6", datetime(2024, 5, 2, 12, 30)), ("m7", datetime(2024, 5, 3, 1, 30)), ("m8", datetime(2024, 5, 2, 7, 30))]
    assert parsed.quarantine.select("line", "rule").rows() == [(line, "unparsable_timestamp") for line in (11, 12, 13, 14)]
    messages = parsed.quarantine["message"].to_list()
    assert [message.split(": ", 3)[3].split(" after a time without a zone")[0] for message in messages[:3]] == [
        "the bracket '(Reuters)'", "the bracket '(London)'", "the bracket '(Reuters)'"]
    assert all("may name the clock it is in ('(Tokyo)') or not ('(Reuters)')" in message for message in messages[:3:2])
    assert "names the city 'London', which may be the time's clock (Europe/London)" in messages[1]
    assert messages[3].endswith("'2024-05-02 09:30 CEST (Reuters) (UTC+5)' names two clocks that disagree: CEST is "
                                "UTC+02:00 but (UTC+5) is UTC+05:00 at that time, so the instant is in doubt; write the "
                                "time with one zone or offset")

    # under a declared timezone and date order a bracket of words that names no clock is dropped
    (tmp_path / "wire.csv.mapping.json").write_text(json.dumps({"name": "wire", "timezone": "Europe/London",
                                                                "date_order": "DMY"}))
    declared = parse_news_file(feed)
    assert declared.rows.filter(pl.col("doc_id").is_in(["m9", "m10"])).select("doc_id", "published_at").rows() == [
        ("m9", datetime(2024, 5, 2, 8, 30)), ("m10", datetime(2024, 5, 2, 8, 30))]
    assert declared.quarantine["line"].to_list() == [13, 14]  # a clock named in part is never overruled
    assert "the bracket '(CEST, Reuters)' after a time without a zone" in declared.quarantine["message"][0]


def test_a_bracket_naming_another_clock_after_a_zone_must_agree_with_it(tmp_path, sentences):
    """A zone before a bracket that names a clock was read by the zone, the bracket dropped: `09:30
    EST (CEST)` was 14:30 UTC though the bracket says 07:30. The bracket's zone, offset, region or
    named clock must be at the zone's UTC offset at that instant, or the time is refused, both clocks
    named; where they agree it reads as before, JavaScript's `GMT+0200 (Central European Summer
    Time)` and Windows' `(GMT Daylight Time)` (words, no clock) included, and an abbreviation of
    several meanings (`(IST)`) is dropped unchecked."""
    rows = [["k0", "2024-05-02 09:30 CEST (+02:00)"],
            ["k1", "Thu May 02 2024 09:30:00 GMT+0200 (Central European Summer Time)"],
            ["k2", "Thu May 02 2024 09:30:00 GMT+0100 (GMT Daylight Time)"], ["k3", "Thu, 02 May 2024 09:30:00 -0400 (EDT)"],
            ["k4", "2024-05-02 09:30 -04:00 (ET)"], ["k5", "2024-05-02 09:30 CEST (Europe/Paris)"],
            ["k6", "2024-05-02 9h30 -03:00 (horário de Brasília)"], ["k7", "2024-05-02 09:30 GMT+2 (CEST, Reuters)"],
            ["k8", "2024-05-02 09:30 +05:30 (IST)"], ["k9", "2024-01-15 09:30 GMT (London)"],
            ["k10", "2024-05-02 09:30 EST (CEST)"], ["k11", "2024-05-02 09:30 CET (+05:00)"],
            ["k12", "2024-05-02 09:30 +02:00 (UTC+5)"], ["k13", "2024-05-02 09:30 EST (Europe/Paris)"],
            ["k14", "2024-05-02 09:30 CEST (Tokyo time)"], ["k15", "2024-05-02 09:30 EST (CEST, Reuters)"],
            ["k16", "2024-05-02T09:30:00-05:00[Europe/Paris]"], ["k17", "2024-01-15 09:30 +02:00 (Europe/Paris)"]]
    feed, parsed = _wire_times(tmp_path, sentences, rows)

    assert parsed.rows.select("doc_id", "published_at").rows() == [
        ("k0", datetime(2024, 5, 2, 7, 30)), ("k1", datetime(2024, 5, 2, 7, 30)), ("k2", datetime(2024, 5, 2, 8, 30)),
        ("k3", datetime(2024, 5, 2, 13, 30)), ("k4", datetime(2024, 5, 2, 13, 30)), ("k5", datetime(2024, 5, 2, 7, 30)),
        ("k6", datetime(2024, 5, 2, 12, 30)), ("k7", datetime(2024, 5, 2, 7, 30)), ("k8", datetime(2024, 5, 2, 4, 0)),
        ("k9", datetime(2024, 1, 15, 9, 30))]
    assert parsed.quarantine.select("line", "rule").rows() == [(line, "unparsable_timestamp") for line in range(12, 20)]
    why = " at that time, so the instant is in doubt; write the time with one zone or offset"
    assert parsed.quarantine["message"].to_list() == [f"{feed}: line {line}: column 'published': {message}{why}"
                                                      for line, message in [
        (12, "'2024-05-02 09:30 EST (CEST)' names two clocks that disagree: EST is UTC-05:00 but (CEST) is UTC+02:00"),
        (13, "'2024-05-02 09:30 CET (+05:00)' names two clocks that disagree: CET is UTC+01:00 but (+05:00) is UTC+05:00"),
        (14, "'2024-05-02 09:30 +02:00 (UTC+5)' names two clocks that disagree: +02:00 is UTC+02:00 but (UTC+5) is "
             "UTC+05:00"),
        (15, "'2024-05-02 09:30 EST (Europe/Paris)' names two clocks that disagree: EST is UTC-05:00 but (Europe/Paris) "
             "is UTC+02:00"),
        (16, "'2024-05-02 09:30 CEST (Tokyo time)' names two clocks that disagree: CEST is UTC+02:00 but (Tokyo time) is "
             "UTC+09:00"),
        (17, "'2024-05-02 09:30 EST (CEST, Reuters)' names two clocks that disagree: EST is UTC-05:00 but CEST in "
             "(CEST, Reuters) is UTC+02:00"),
        (18, "'2024-05-02T09:30:00-05:00[Europe/Paris]' names two clocks that disagree: -05:00 is UTC-05:00 but "
             "[Europe/Paris] is UTC+02:00"),
        # Paris keeps +01:00 in January: the region is read at the time's own instant
        (19, "'2024-01-15 09:30 +02:00 (Europe/Paris)' names two clocks that disagree: +02:00 is UTC+02:00 but "
             "(Europe/Paris) is UTC+01:00")]]


def test_a_financial_centre_in_a_bracket_after_a_time_names_a_clock_that_must_agree(tmp_path, sentences):
    """`09:30 EST (Tokyo)` was read as EST, the city dropped, and under a declared timezone `09:30
    (Tokyo)` was read in it whatever the city. A financial centre alone in brackets names its clock
    (Tokyo Asia/Tokyo, Frankfurt Europe/Berlin, São Paulo America/Sao_Paulo): after a zone, and in
    the zone a file reads a zone-less time in (its declared timezone, a row's zone column), it
    must keep that zone's UTC offset at that instant, or the time is refused, both clocks named
    (Johannesburg keeps Helsinki's +02:00 in January, not in May). Without a zone it may be the
    clock or the story's dateline: refused, the message naming the city's zone to declare."""
    rows = [["t0", "2024-05-02 09:30 EST (Tokyo)"], ["t1", "2024-05-02 09:30 CEST (Frankfurt)"],
            ["t2", "2024-05-02 09:30 GMT (London)"], ["t3", "2024-05-02 09:30 -04:00 (New York)"],
            ["t4", "2024-05-02 09:30 (Tokyo)"], ["t5", "2024-05-02 09:30 (São Paulo)"],
            ["t6", "2024-05-02 09:30 (Hong Kong, Reuters)"], ["t7", "2024-05-02 09:30 (Zürich)"],
            ["t8", "2024-05-02 (Tokyo)"], ["t9", "2024-01-15 09:30 (Johannesburg)"],
            ["t10", "2024-05-02 09:30 (Johannesburg)"], ["t11", "2024-05-02 09:30 (HELSINKI) (updated)"]]
    feed, parsed = _wire_times(tmp_path, sentences, rows)

    assert parsed.rows.select("doc_id", "published_at").rows() == [
        ("t1", datetime(2024, 5, 2, 7, 30)), ("t3", datetime(2024, 5, 2, 13, 30)), ("t8", datetime(2024, 5, 2))]
    assert parsed.quarantine["line"].to_list() == [2, 4, 6, 7, 8, 9, 11, 12, 13]
    messages = _reasons(parsed)
    assert messages[:2] == [
        "'2024-05-02 09:30 EST (Tokyo)' names two clocks that disagree: EST is UTC-05:00 but (Tokyo) is UTC+09:00 at "
        "that time, so the instant is in doubt; write the time with one zone or offset",
        "'2024-05-02 09:30 GMT (London)' names two clocks that disagree: GMT is UTC+00:00 but (London) is UTC+01:00 at "
        "that time, so the instant is in doubt; write the time with one zone or offset"]
    assert messages[2] == (
        "the bracket '(Tokyo)' after a time without a zone names the city 'Tokyo', which may be the time's clock "
        "(Asia/Tokyo) or the story's dateline, which this reader cannot tell: declare Asia/Tokyo as the file's timezone "
        "in news settings, or write the time's zone or UTC offset before the bracket (09:30Z, 09:30+02:00): "
        "'2024-05-02 09:30 (Tokyo)'")
    assert [message.split(", which may be the time's clock ")[1].split(")")[0] for message in messages[3:]] == [
        "(America/Sao_Paulo", "(Asia/Hong_Kong", "(Europe/Zurich", "(Africa/Johannesburg", "(Africa/Johannesburg",
        "(Europe/Helsinki"]

    (tmp_path / "wire.csv.mapping.json").write_text(json.dumps({"name": "wire", "timezone": "Europe/Helsinki"}))
    declared = parse_news_file(feed)
    assert declared.rows.select("doc_id", "published_at").rows() == [
        ("t1", datetime(2024, 5, 2, 7, 30)), ("t3", datetime(2024, 5, 2, 13, 30)), ("t8", datetime(2024, 5, 2)),
        ("t9", datetime(2024, 1, 15, 7, 30)), ("t11", datetime(2024, 5, 2, 6, 30))]
    assert declared.quarantine["line"].to_list() == [2, 4, 6, 7, 8, 9, 12]
    messages = _reasons(declared)
    assert messages[2] == ("'2024-05-02 09:30 (Tokyo)' is read in the news settings' timezone Europe/Helsinki, at "
                           "UTC+03:00, but (Tokyo) is UTC+09:00 at that time, so the instant is in doubt; write the "
                           "time with one zone or offset")
    assert [message.split(" at that time")[0].split(", but ")[1] for message in messages[3:]] == [
        "(São Paulo) is UTC-03:00", "Hong Kong in (Hong Kong, Reuters) is UTC+08:00", "(Zürich) is UTC+02:00",
        "(Johannesburg) is UTC+02:00"]

    # a row's zone column reads the time, and the city must keep its clock
    desk = _csv(tmp_path / "desk.csv", ["id", "Date", "Time", "Time Zone", "Story"],
                [["z0", "2024-05-02", "09:30 (Tokyo)", "Asia/Tokyo", sentences[0]],
                 ["z1", "2024-05-02", "09:30 (Helsinki)", "Europe/London", sentences[1]]])
    (tmp_path / "desk.csv.mapping.json").write_text(json.dumps({"name": "desk", "timezone": "Asia/Tokyo"}))
    zoned = parse_news_file(desk)
    assert zoned.rows.select("doc_id", "published_at").rows() == [("z0", datetime(2024, 5, 2, 0, 30))]
    [message] = zoned.quarantine["message"]
    assert message.endswith(": '2024-05-02 09:30 (Helsinki)' is read in the row's zone 'Europe/London', at UTC+01:00, "
                            "but (Helsinki) is UTC+03:00 at that time, so the instant is in doubt; write the time with "
                            "one zone or offset")

def test_dates_written_with_the_desks_month_and_weekday_names_are_read(tmp_path, sentences):
    """A German, French, Spanish, Italian, Portuguese or Dutch desk writes its dates in words:
    `Donnerstag, 2. Mai 2024`, `jeu. 2 mai 2024 à 9h30`, `2 de mayo de 2024`, `quinta-feira, 2 de
    maio de 2024`. They were quarantined (`'Mai' is no month`); the month names are read, a day and
    month in words are never in doubt of their order, and the weekday, in words or abbreviated
    before the day, is checked against the date as an English one is (`Montag, 2. Mai 2024`: the 2nd
    was a Thursday; `mar. 2 avril 2024`: a Tuesday, as written)."""
    written = ["Donnerstag, 2. Mai 2024, 9:00 Uhr MESZ", "jeu. 2 mai 2024 à 9h30", "jueves, 2 de mayo de 2024 09:30",
               "2 maggio 2024 ore 9.30", "quinta-feira, 2 de maio de 2024", "2 mei 2024 om 9.30 uur", "3 févr. 2024",
               "2 März 2024", "mar. 2 avril 2024", "Montag, 2. Mai 2024", "1er mai 2024", "13. Mär. 2024",
               "13 de feb de 2024"]
    rows = [[f"d{i}", value, sentences[i]] for i, value in enumerate(written)]

    parsed = parse_news_file(_csv(tmp_path / "desk.csv", ["id", "published", "body"], rows))

    parsed.reconcile()
    assert parsed.rows["published_at"].to_list() == [
        datetime(2024, 5, 2, 7, 0), datetime(2024, 5, 2, 9, 30), datetime(2024, 5, 2, 9, 30),
        datetime(2024, 5, 2, 9, 30), datetime(2024, 5, 2), datetime(2024, 5, 2, 9, 30), datetime(2024, 2, 3),
        datetime(2024, 3, 2), datetime(2024, 4, 2), datetime(2024, 5, 1), datetime(2024, 3, 13), datetime(2024, 2, 13)]
    [(line, message)] = parsed.quarantine.select("line", "message").rows()
    assert line == 11 and "the weekday written does not match the date: 2024-05-02 is a Thursday" in message


def test_a_numeric_date_beside_a_word_of_a_day_first_language_is_read_day_first(tmp_path, sentences):
    """`02.05.2024 9:00 Uhr` and `Mi, 01.05.2024` were quarantined unless the file declared its
    date_order: day and month could be swapped. German, French, Spanish, Italian, Portuguese and
    Dutch write dates day first, so a value with a word of one of them (`Uhr`, `9h30`, `a las`, `om
    ... uur`, `heure`, a weekday or its abbreviation before the day) is read so, its line noted; a
    weekday that then disagrees (`Mi, 02.05.2024`: 2 May was a Thursday) and a date that cannot be
    day first are refused. English values (`Sat`, `Thu`, `am`, `hrs`, `Mar`, the two-letter `Mo`)
    hold no such word: they are read in the order the file's other values show (here `Sat
    04/05/2024` and `Thu, 02/05/2024`, whose weekdays fit day first only), and a declared date_order
    still decides."""
    written = ["02.05.2024 9:00 Uhr", "Mi, 01.05.2024", "Mittwoch, 01.05.2024", "Do, 02.05.2024 09:30",
               "02.05.2024 9h30", "jeu. 02/05/2024", "02/05/2024 a las 9:30", "02-05-2024 om 9.30 uur",
               "02/04/2024 09:30 (heure de Paris)", "Sonntag, 05.05.2024 um 9 Uhr MESZ",
               "Mi, 02.05.2024", "Do, 05.02.2024", "05.13.2024 9 Uhr", "Sat 04/05/2024", "Thu, 02/05/2024 9:00 am",
               "02/05/2024 09:30 hrs", "Mar 02/05/2024", "Mo, 06.05.2024"]
    feed = _csv(tmp_path / "desk.csv", ["id", "published", "body"],
                [[f"w{i}", value, sentences[i % len(sentences)]] for i, value in enumerate(written)])

    parsed = parse_news_file(feed)

    parsed.reconcile()
    assert parsed.rows.select("doc_id", "published_at").rows() == [
        ("w0", datetime(2024, 5, 2, 9, 0)), ("w1", datetime(2024, 5, 1)), ("w2", datetime(2024, 5, 1)),
        ("w3", datetime(2024, 5, 2, 9, 30)), ("w4", datetime(2024, 5, 2, 9, 30)), ("w5", datetime(2024, 5, 2)),
        ("w6", datetime(2024, 5, 2, 9, 30)), ("w7", datetime(2024, 5, 2, 9, 30)), ("w8", datetime(2024, 4, 2, 7, 30)),
        ("w9", datetime(2024, 5, 5, 7, 0)), ("w13", datetime(2024, 5, 4)), ("w14", datetime(2024, 5, 2, 9, 0)),
        ("w15", datetime(2024, 5, 2, 9, 30))]
    assert parsed.notes["published_at_day_first_lines"] == list(range(2, 11))  # 05.05 is no day-month question
    assert parsed.notes["published_at_date_order"] == (
        "day first: 2 values read only so (lines 15, 16), none only month first")
    assert parsed.notes["published_at_date_order_lines"] == [17]
    messages = _reasons(parsed)
    assert messages[:3] == [
        "the weekday written does not match the date: 2024-05-02 is a Thursday: 'Mi, 02.05.2024'",
        "the weekday written does not match the date: 2024-02-05 is a Monday: 'Do, 05.02.2024'",
        "'05.13.2024' is no day-first date, and 'Uhr' is of a language that writes dates day first; write ISO 8601, "
        "or declare the file's date order in news settings (date_order DMY or MDY): '05.13.2024 9 Uhr'"]
    assert "not an ISO-8601, RFC 2822 or known timestamp form: 'Mar 02/05/2024' (this reader reads ISO 8601" in messages[3]
    assert "('Mo' is no month, day, AM/PM or known time zone)" in messages[4]

    (tmp_path / "desk.csv.mapping.json").write_text(json.dumps({"name": "desk", "date_order": "MDY"}))
    declared = parse_news_file(feed)
    assert declared.rows.filter(pl.col("doc_id") == "w0")["published_at"].to_list() == [datetime(2024, 2, 5, 9, 0)]
    assert "published_at_day_first_lines" not in declared.notes

def test_a_month_given_as_a_number_and_a_name_must_be_one_month(tmp_path, sentences):
    """A German desk writes `12.05. Mai 2024`, the month as a number and a name; the name was read
    and the number ignored, so `12.04. Mai 2024` was 12 May too. Where the two are one month the
    date reads; where they disagree which is wrong cannot be told, and the row is quarantined."""
    written = ["12.05. Mai 2024", "12. Mai 2024", "Sonntag, 12.05. Mai 2024, 9:00 Uhr MESZ", "12.5. Mai 2024",
               "12.05. May 2024", "13.03. Mär. 2024", "12.04. Mai 2024", "12.04 Mai 2024", "Freitag, 12.06. Mai 2024"]
    rows = [[f"g{i}", value, sentences[i]] for i, value in enumerate(written)]

    parsed = parse_news_file(_csv(tmp_path / "desk.csv", ["id", "published", "body"], rows))

    parsed.reconcile()
    assert parsed.rows["published_at"].to_list() == [
        datetime(2024, 5, 12), datetime(2024, 5, 12), datetime(2024, 5, 12, 7, 0), datetime(2024, 5, 12),
        datetime(2024, 5, 12), datetime(2024, 3, 13)]
    assert parsed.quarantine.select("line", "rule").rows() == [(8, "unparsable_timestamp"), (9, "unparsable_timestamp"),
                                                               (10, "unparsable_timestamp")]
    assert _reasons(parsed) == [
        "'12.04. Mai' gives the month twice, and the two disagree: 04 as a number, 'Mai' (May) in words; write the "
        "date once: '12.04. Mai 2024'",
        "'12.04 Mai' gives the month twice, and the two disagree: 04 as a number, 'Mai' (May) in words; write the "
        "date once: '12.04 Mai 2024'",
        "'12.06. Mai' gives the month twice, and the two disagree: 06 as a number, 'Mai' (May) in words; write the "
        "date once: 'Freitag, 12.06. Mai 2024'"]


def test_an_hour_no_twelve_hour_clock_has_is_refused_with_am_pm(tmp_path, sentences):
    """`00:30 PM` was read as 12:30; `13:30 PM` and `0:15 am` are no 12-hour clock's times either: which
    time was meant cannot be told, so the row is quarantined, quoting the time. `12:30 PM` is half
    past noon and `12:05 AM` five past midnight."""
    written = ["2024-05-02 12:30 PM", "2024-05-02 12:05 AM", "2024-05-02 00:30 PM", "2024-05-02 13:30 PM",
               "2024-05-02 0:15 am", "May 2, 2024 9:30 p.m.", "02-MAY-24 00.30.00.000000 PM +02:00"]

    _, parsed = _wire_times(tmp_path, sentences, [(f"h{i}", value) for i, value in enumerate(written)])

    assert parsed.rows.select("doc_id", "published_at", "text_raw").rows() == [
        ("h0", datetime(2024, 5, 2, 12, 30), sentences[0]), ("h1", datetime(2024, 5, 2, 0, 5), sentences[1]),
        ("h5", datetime(2024, 5, 2, 21, 30), sentences[5])]
    assert parsed.quarantine.select("line", "rule").rows() == [(i, "unparsable_timestamp") for i in (4, 5, 6, 8)]
    assert _reasons(parsed) == [
        f"{clock!r} is no 12-hour clock time: with AM/PM the hour is 1-12 (12:30 PM is half past noon, 12:05 AM "
        f"five past midnight); write the 24-hour time: {value!r}"
        for clock, value in zip(["00:30 PM", "13:30 PM", "0:15 am", "00.30.00.000000 PM"],
                                written[2:5] + written[6:], strict=True)]


def test_a_time_that_states_its_clock_twice_is_read_only_where_both_agree(tmp_path, sentences):
    """A time that wrote its clock twice, a zone or UTC marker and an offset, or two offsets, loaded a
    wrong instant silently: 09:00 `Z+02:00` as 11:00 UTC, `Z-03:00` 06:00, `+02:00+03:00` 06:00
    (added), `UTC UTC+3` 09:00, `EST +02:00` 14:00, `CEST +05:00` 07:00, `UTC +05:00` 04:00. Every
    statement must give the same UTC offset, however written, else the time is refused with both
    clocks named, as a bracket after a zone is; where they agree the time reads once, Go's
    `+0200 CEST` included, and Go's `+0500 CEST` is refused."""
    written = ["2024-05-02T09:00:00Z+00:00", "2024-05-02 09:00 UTC +00:00", "2024-05-02 09:00 CEST +02:00",
               "2024-05-02T09:00:00+02:00+02:00", "2024-05-02 09:00 GMT+2 CEST", "2024-05-02 09:00:00 +0200 CEST",
               "2024-05-02 9:00 Uhr MESZ +0200", "20240502T090000Z",
               "2024-05-02T09:00:00Z+02:00", "2024-05-02 09:00 Z-03:00", "2024-05-02T09:00:00+02:00+03:00",
               "2024-05-02 09:00 UTC UTC+3", "2024-05-02 09:00 EST +02:00", "2024-05-02 09:00 CEST +05:00",
               "2024-05-02 09:00 UTC +05:00", "2024-05-02 09:00 EST EDT", "20240502T090000Z+0200",
               "2024-05-02 09:00:00 +0500 CEST", "May 2, 2024 9:00 PM EST -04:00"]

    _, parsed = _wire_times(tmp_path, sentences, [(f"z{i}", value) for i, value in enumerate(written)])

    assert parsed.rows.select("doc_id", "published_at").rows() == [
        ("z0", datetime(2024, 5, 2, 9)), ("z1", datetime(2024, 5, 2, 9)), ("z2", datetime(2024, 5, 2, 7)),
        ("z3", datetime(2024, 5, 2, 7)), ("z4", datetime(2024, 5, 2, 7)), ("z5", datetime(2024, 5, 2, 7)),
        ("z6", datetime(2024, 5, 2, 7)), ("z7", datetime(2024, 5, 2, 9))]
    assert parsed.quarantine.select("line", "rule").rows() == [(line, "unparsable_timestamp") for line in range(10, 21)]
    assert _reasons(parsed) == [
        f"{value!r} names two clocks that disagree: {one} is UTC{one_offset} but {other} is UTC{other_offset}, so the "
        "instant is in doubt; write the time with one zone or offset"
        for value, (one, one_offset, other, other_offset) in zip(written[8:], [
            ("Z", "+00:00", "+02:00", "+02:00"), ("Z", "+00:00", "-03:00", "-03:00"),
            ("+02:00", "+02:00", "+03:00", "+03:00"), ("UTC", "+00:00", "UTC+3", "+03:00"),
            ("EST", "-05:00", "+02:00", "+02:00"), ("CEST", "+02:00", "+05:00", "+05:00"),
            ("UTC", "+00:00", "+05:00", "+05:00"), ("EST", "-05:00", "EDT", "-04:00"),
            ("Z", "+00:00", "+0200", "+02:00"), ("+0500", "+05:00", "CEST", "+02:00"),
            ("EST", "-05:00", "-04:00", "-04:00")], strict=True)]


def test_a_date_or_time_that_does_not_exist_is_refused_naming_the_part(tmp_path, sentences):
    """A day its month lacks, a 13th month, a leap second or a 61st minute was 'not an ISO-8601, RFC
    2822 or known timestamp form', though the form is one the reader reads: in every form (ISO 8601,
    YYYYMMDD, slash and dotted dates, month names) the message names the part that does not exist."""
    written = ["2023-02-29T09:00:00Z", "2016-12-31T23:59:60Z", "20241302", "20240230", "2024-13-02",
               "2024/02/30 09:00", "02/30/2024 09:00", "31.04.2024 9:00 Uhr", "Feb 30, 2024 09:00 UTC",
               "2024-05-02 09:61", "2024-02-29T09:00:00Z"]

    _, parsed = _wire_times(tmp_path, sentences, [(f"d{i}", value) for i, value in enumerate(written)])

    assert parsed.rows.select("doc_id", "published_at").rows() == [("d10", datetime(2024, 2, 29, 9))]
    assert parsed.quarantine.select("line", "rule").rows() == [(line, "unparsable_timestamp") for line in range(2, 12)]
    at_source = "the writer built the date wrongly: correct it at the source"
    no_month = ("gives month 13, and there is no month 13 (months are 1-12); the date is mistyped or its day and "
                "month are swapped: correct it at the source")
    assert _reasons(parsed) == [
        f"'2023-02-29T09:00:00Z': 2023 has no 29 February (2023 is no leap year: February 2023 has 28 days); {at_source}",
        "'2016-12-31T23:59:60Z' is a leap second (second 60), which the lake does not store: its times, like Unix "
        "time, have seconds 0-59; write the second before (:59) or the next minute's :00",
        f"'20241302' {no_month}",
        f"'20240230': 2024 has no 30 February (February 2024 has 29 days); {at_source}",
        f"'2024-13-02' {no_month}",
        f"'2024/02/30 09:00': 2024 has no 30 February (February 2024 has 29 days); {at_source}",
        f"'02/30/2024 09:00': 2024 has no 30 February (February 2024 has 29 days); {at_source}",
        f"'31.04.2024 9:00 Uhr': 2024 has no 31 April (April 2024 has 30 days); {at_source}",
        f"'Feb 30, 2024 09:00 UTC': 2024 has no 30 February (February 2024 has 29 days); {at_source}",
        "'2024-05-02 09:61': minute 61 is no minute of an hour (00-59); correct the time at the source"]


def test_an_epoch_in_scientific_notation_is_read_only_where_it_keeps_every_digit(tmp_path, sentences):
    """`1.7146404E9`, epoch seconds as a spreadsheet or pandas writes a large number, was refused as
    if 'E' were a zone. Written with every digit (`1.714640400E9`, `1.714640400123e+12`) it is the
    epoch it spells; rounded (8 digits of 10) its second is lost, and the message says so."""
    written = ["1.714640400E9", "1.714640400123e+12", "1.7146404E9"]

    _, parsed = _wire_times(tmp_path, sentences, [(f"e{i}", value) for i, value in enumerate(written)])

    assert parsed.rows.select("doc_id", "published_at").rows() == [
        ("e0", datetime(2024, 5, 2, 9)), ("e1", datetime(2024, 5, 2, 9, 0, 0, 123000))]
    assert parsed.quarantine.select("line", "rule").rows() == [(4, "unparsable_timestamp")]
    assert _reasons(parsed) == [
        "'1.7146404E9' is a number in scientific notation (1714640400 in full), as a spreadsheet or pandas writes a "
        "large number, rounded to 8 significant digits: read as Unix epoch time it is known only to the nearest 100 "
        "seconds; export the column as whole numbers (1714640400) or as ISO 8601 times"]


def test_est_from_a_zone_column_or_a_header_on_a_summer_date_is_noted_as_an_inline_est_is(tmp_path):
    """A terminal export writes `EST` all year in its zone column or its time column's header: read
    at -05:00 as written, and on a July date noted as `2024-07-15 09:00 EST` inline is; `CET` in a
    zone column is the IANA zone, read with its summer time, and not noted."""
    doubt = ("EST on 2024-07-15: America/New_York keeps summer time then, so EDT -04:00 may have been meant; "
             "read at -05:00 as written")
    column = tmp_path / "terminal.csv"
    column.write_text("id,headline,published_at,timezone\nn1,Nordea lifts dividend,2024-07-15 09:00,EST\n"
                      "n2,Danske cuts outlook,2024-01-15 09:00,EST\nn3,Swedbank steady,2024-07-15 09:00,CET\n")
    header = tmp_path / "desk.csv"
    header.write_text("id,headline,Time (EST)\nn1,Nordea lifts dividend,2024-07-15 09:00\n"
                      "n2,Danske cuts outlook,2024-01-15 09:00\n")

    by_column, by_header = parse_news_file(column), parse_news_file(header)

    assert by_column.rows["published_at"].dt.to_string("%Y-%m-%d %H:%M").to_list() == [
        "2024-07-15 14:00", "2024-01-15 14:00", "2024-07-15 07:00"]
    assert by_column.notes["published_at_standard_in_summer_lines"] == [2]
    assert by_column.notes["published_at_standard_in_summer"] == {"EST": doubt}
    assert by_header.rows["published_at"].dt.to_string("%Y-%m-%d %H:%M").to_list() == [
        "2024-07-15 14:00", "2024-01-15 14:00"]
    assert by_header.notes["published_at_standard_in_summer_lines"] == [2]
    assert by_header.notes["published_at_standard_in_summer"] == {"EST": doubt}
