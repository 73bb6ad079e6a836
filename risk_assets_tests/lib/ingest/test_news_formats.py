"""News file parsing on the real Financial PhraseBank files and the news cases F17, F18, F19."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import re
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

from risk_assets.lib.ingest.news_formats import ROWS_SCHEMA, parse_news_file, parse_timestamp
from risk_assets.lib.ingest.parsed import FileRefused
from risk_assets.lib.schema import NEWS_COLUMNS


@pytest.fixture(scope="module")
def news_dir() -> Path:
    from risk_assets_tests.conftest import DATA

    if not DATA.is_dir():
        pytest.skip(f"sample data not found at {DATA}")
    return DATA / "news"


@pytest.fixture(scope="module")
def phrasebank_txt(news_dir):
    return parse_news_file(news_dir / "financial_phrasebank_50agree.txt")


@pytest.fixture(scope="module")
def phrasebank_csv(news_dir):
    return parse_news_file(news_dir / "financial_phrasebank_all.csv")


def _label_counts(rows: pl.DataFrame) -> dict[str, int]:
    return dict(rows.group_by("label").len().iter_rows())


def _by_written_id(rows: pl.DataFrame) -> dict[str, dict]:
    """Rows by their id as the file wrote it: raw.news keys it by its source (`<source>:<id>`)."""
    return {row["doc_id"].removeprefix(f"{row['source']}:"): row for row in rows.iter_rows(named=True)}


def _csv_dicts(path: Path) -> dict[str, dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["article_id"]: row for row in csv.DictReader(handle)}


# --- Financial PhraseBank vendor text -------------------------------------------------------------


def test_phrasebank_txt_loads_every_line_with_its_label(phrasebank_txt, news_dir):
    assert phrasebank_txt.format == "phrasebank_txt"
    assert (phrasebank_txt.data_records, phrasebank_txt.rows.height) == (4846, 4846)
    assert phrasebank_txt.quarantine.height == 0
    assert phrasebank_txt.non_data_lines == []
    assert _label_counts(phrasebank_txt.rows) == {"neutral": 2879, "positive": 1363, "negative": 604}
    assert phrasebank_txt.rows.schema == pl.Schema(ROWS_SCHEMA)
    assert list(phrasebank_txt.rows.columns) == [c.name for c in NEWS_COLUMNS] + ["_source_line"]


def test_phrasebank_txt_drops_bom_and_crlf(phrasebank_txt, news_dir):
    raw = (news_dir / "financial_phrasebank_50agree.txt").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfAccording to Gran") and b"\r\n" in raw
    first = phrasebank_txt.rows.row(0, named=True)
    assert first["text_raw"] == (
        "According to Gran , the company has no plans to move all production to Russia , "
        "although that is where the company is growing ."
    )
    assert (first["label"], first["text_field"], first["source"], first["_source_line"]) == (
        "neutral", "sentence", "financial_phrasebank", 1,
    )
    assert first["doc_id"] == f"{hashlib.sha256(raw).hexdigest()[:16]}:1"
    assert not phrasebank_txt.rows.filter(
        pl.col("text_raw").str.contains("[\r\ufeff]") | pl.col("label").str.contains("\r")
    ).height


def test_phrasebank_txt_repairs_the_vendor_mojibake(phrasebank_txt):
    row = phrasebank_txt.rows.filter(pl.col("_source_line") == 98).row(0, named=True)
    assert "L+ñnnen" in row["text_raw"]
    assert row["text_clean"].startswith("Net sales of Finnish food industry company Lännen Tehtaat 's")
    assert row["text_repaired"] is True
    assert "mojibake_unrepaired_lines" not in phrasebank_txt.notes


def test_phrasebank_txt_splits_on_the_last_at_and_quarantines_bad_lines(tmp_path):
    path = tmp_path / "vendor.txt"
    path.write_bytes(
        "\ufeffMail ir@acme.fi for the report .@positive\r\n"
        "No label on this line .\r\n"
        "\r\n"
        "Sales were flat .@Neutral\r\n"
        "Sales fell .@bearish\r\n".encode("utf-8")
    )
    parsed = parse_news_file(path)
    assert parsed.rows.select("_source_line", "text_raw", "label").rows() == [
        (1, "Mail ir@acme.fi for the report .", "positive"),
        (4, "Sales were flat .", "neutral"),
    ]
    assert parsed.quarantine.select("line", "rule", "raw_value").rows() == [
        (2, "missing_label_separator", "No label on this line ."),
        (5, "unknown_label", "bearish"),
    ]
    assert parsed.non_data_lines == [(3, "blank")]
    assert parsed.data_records == 4


# --- Financial PhraseBank CSV re-export -----------------------------------------------------------


def test_phrasebank_csv_accounts_for_all_5215_rows(phrasebank_csv):
    assert phrasebank_csv.format == "phrasebank_csv"
    assert (phrasebank_csv.data_records, phrasebank_csv.rows.height) == (5215, 5215)
    assert phrasebank_csv.quarantine.height == 0
    assert _label_counts(phrasebank_csv.rows) == {"neutral": 2879, "positive": 1363, "negative": 973}
    # One record per physical line 2..5216: nothing swallowed, nothing split.
    assert phrasebank_csv.rows["_source_line"].to_list() == list(range(2, 5217))


def test_phrasebank_csv_stray_quote_stays_on_its_line(phrasebank_csv, phrasebank_txt):
    assert phrasebank_csv.notes["stray_quote_lines"] == [2581]
    rows = {r["_source_line"]: r for r in phrasebank_csv.rows.filter(
        pl.col("_source_line").is_between(2580, 2582)).iter_rows(named=True)}
    stray = rows[2581]
    assert stray["text_raw"].endswith("KDG 's network to bi-directionality .\"")
    assert stray["text_clean"].endswith("KDG 's network to bi-directionality .")
    # The same sentence in the vendor file (its line 2580) cleans to the same text.
    vendor = phrasebank_txt.rows.filter(pl.col("_source_line") == 2580).row(0, named=True)
    assert stray["text_clean"] == vendor["text_clean"]
    assert (stray["label"], vendor["label"]) == ("neutral", "neutral")
    assert rows[2580]["text_raw"].startswith("Telecom has a foreign investment limit of 74 %")
    assert rows[2580]["label"] == "neutral"
    assert rows[2582]["text_raw"] == (
        "Teleste has some 30 offices worldwide and is listed on the Nordic Exchange in Helsinki ."
    )
    assert rows[2582]["label"] == "neutral"


def test_phrasebank_csv_quoted_fields_are_unquoted(phrasebank_csv):
    second = phrasebank_csv.rows.filter(pl.col("_source_line") == 3).row(0, named=True)
    assert second["text_raw"].startswith("Technopolis plans to develop in stages an area of no less than 100,000")
    assert not second["text_raw"].startswith('"')


def test_phrasebank_csv_flags_every_line_with_lost_bytes(phrasebank_csv, news_dir):
    lines = (news_dir / "financial_phrasebank_all.csv").read_text("utf-8").splitlines()
    damaged = [number for number, line in enumerate(lines, start=1) if "\ufffd" in line]
    assert phrasebank_csv.notes["mojibake_unrepaired_lines"] == damaged
    row = phrasebank_csv.rows.filter(pl.col("_source_line") == 99).row(0, named=True)
    assert "L+\ufffdnnen Tehtaat" in row["text_clean"]
    assert row["text_repaired"] is False


def test_phrasebank_csv_quarantines_unknown_labels(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text('Y,Notices\nneutral,"Sales were flat ."\nbullish,Sales rose .\npositive\n')
    parsed = parse_news_file(path)
    assert parsed.rows["text_raw"].to_list() == ["Sales were flat ."]
    assert parsed.quarantine.select("line", "column_name", "rule").rows() == [
        (3, "Y", "unknown_label"),
        (4, "Notices", "missing_field_separator"),
    ]


def test_phrasebank_csv_quarantines_a_field_after_the_quoted_sentence(tmp_path):
    """`neutral,"Sales rose 5 % .",2024-05-02`: read as a stray quote, the date would be glued to
    the sentence; a quote inside an unquoted sentence and a lost closing quote are still read."""
    path = tmp_path / "export.csv"
    path.write_text('Y,Notices\nneutral,"Sales rose 5 % .",2024-05-02\npositive,"He said ""up"", then left ."\n'
                    'negative,"Teleste cut jobs .\n')
    parsed = parse_news_file(path)
    parsed.reconcile()
    assert parsed.rows.select("_source_line", "text_clean").rows() == [
        (3, 'He said "up", then left .'), (4, "Teleste cut jobs .")]
    assert parsed.quarantine.select("line", "column_name", "rule").rows() == [(2, "*", "wrong_field_count")]
    assert parsed.quarantine["message"][0].endswith("line 2 has a field after the quoted sentence ('2024-05-02'): "
                                                    "the file has 2 columns, label and sentence")


# --- News feed CSV: F17, F18, F19 -----------------------------------------------------------------


def test_a_label_written_as_a_null_token_is_unlabelled_and_noted(tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text("id,title,label\n1,Profit rose,NaN\n2,Profit fell,negative\n3,Plan,\n4,Talks,NULL\n")
    parsed = parse_news_file(path)
    parsed.reconcile()
    assert parsed.rows["label"].to_list() == [None, "negative", None, None]
    assert parsed.notes["label_null_token_lines"] == [2, 5]


def test_a_feed_saved_by_excel_with_its_separator_line_is_read_with_its_line_numbers(tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text('sep=,\nid,title,body\n1,Head 1,Operating profit rose .\n2,Head 2,"Sales fell, it said ."\n')
    parsed = parse_news_file(path)
    parsed.reconcile()
    assert parsed.rows.select("_source_line", "doc_id", "text_raw").rows() == [
        (3, "1", "Operating profit rose ."), (4, "2", "Sales fell, it said .")]
    assert parsed.non_data_lines == [(1, "note")]


def test_f17_long_body_kept_intact(cases_dir):
    path = cases_dir / "F17_news_long_text.csv"
    parsed = parse_news_file(path)
    assert parsed.format == "news_feed_csv"
    # the source wrote the ids: each is keyed by its source
    assert parsed.rows["doc_id"].to_list() == ["wire_a:n-1001", "wire_a:n-1002", "wire_b:n-1003"]
    assert parsed.notes["doc_id_keyed_by_source_lines"] == [2, 3, 4]
    source = _csv_dicts(path)
    rows = _by_written_id(parsed.rows)
    long_body = source["n-1001"]["body"]
    assert len(long_body.split()) > 1000
    assert rows["n-1001"]["text_raw"] == long_body
    assert rows["n-1001"]["text_clean"] == " ".join(long_body.split())
    assert rows["n-1001"]["published_at"] == datetime(2024, 4, 18, 12, 0)
    assert [r["text_field"] for r in rows.values()] == ["body", "body", "body"]
    assert [r["source"] for r in rows.values()] == ["wire_a", "wire_a", "wire_b"]


def test_f18_no_text_rows_quarantined_with_reasons(cases_dir):
    parsed = parse_news_file(cases_dir / "F18_news_empty_text.csv")
    assert parsed.quarantine.select("line", "record_key", "rule").rows() == [
        (3, "wire_a:n-2002", "no_usable_text"),  # keyed by the source, as the loaded rows are
        (4, "wire_b:n-2003", "no_usable_text"),
        (5, "wire_b:n-2004", "no_usable_text"),
        (6, "feed_c:n-2005", "no_usable_text"),
        (7, "feed_c:n-2006", "no_usable_text"),
    ]
    reasons = [m.split("no usable text ")[1] for m in parsed.quarantine["message"]]
    assert reasons == [
        "(body: empty; headline: empty)",
        "(body: whitespace_only; headline: whitespace_only)",
        "(body: null_token; headline: null_token)",
        "(body: null_token; headline: null_token)",
        "(body: punctuation_only; headline: punctuation_only)",
    ]
    assert all(str(cases_dir / "F18_news_empty_text.csv") in m for m in parsed.quarantine["message"])


def test_f18_headline_only_row_is_scored_from_the_headline(cases_dir):
    parsed = parse_news_file(cases_dir / "F18_news_empty_text.csv")
    assert parsed.rows.select("doc_id", "text_field", "text_clean").rows() == [
        ("wire_a:n-2001", "body", "The board approved a 5% increase."),
        ("wire_a:n-2007", "headline", "Acme Lending: no comment on rumours"),
        ("wire_b:n-2008", "body", "Globex Bank named a new chief financial officer."),
    ]
    assert (parsed.data_records, parsed.rows.height, parsed.rows_quarantined) == (8, 3, 5)
    parsed.reconcile()


F19_BODIES = {
    "n-3001": "Net income rose 12%. Shares gained 4%.",
    "n-3002": 'Deal "expected to be accretive", the bank said.',
    "n-3003": "Outlook cut — again.",
    "n-3004": "Originations paused pending review.",
    "n-3005": "It’s the first upgrade since 2019.",
    "n-3006": "Management said it’s too early to call a bottom.",
}


def test_f19_cleaned_beside_raw(cases_dir):
    path = cases_dir / "F19_news_html_entities.csv"
    parsed = parse_news_file(path)
    source = _csv_dicts(path)
    rows = _by_written_id(parsed.rows)
    assert {doc_id: r["text_clean"] for doc_id, r in rows.items()} == F19_BODIES
    for doc_id, row in rows.items():
        assert (row["text_raw"], row["body"], row["headline"]) == (
            source[doc_id]["body"], source[doc_id]["body"], source[doc_id]["headline"],
        )
    assert [doc_id for doc_id, r in rows.items() if r["text_repaired"]] == ["n-3006"]
    assert rows["n-3005"]["headline"] == "S&P lifts Globex Bank; R&D spend and P&L in focus"
    assert parsed.quarantine.height == 0


# --- Feed CSV details: time zones, labels, layout, gzip, refusal ----------------------------------


def test_feed_timestamps_to_utc_and_lenient_column_names(tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text(
        "id,Date,Title,Content,Sentiment\n"
        "a1,2024-05-02T11:30:00+02:00,Acme up,Acme rose.,Positive\n"
        "a2,2024-05-02 09:30,Acme flat,Acme was flat.,\n"
        "a3,02/30/2024,Acme down,Acme fell.,negative\n"
        "a4,\"Thu, 02 May 2024 09:00:00 GMT\",Acme news,Acme said.,bullish\n"
        "a5,,Acme quiet,Acme was quiet.,neutral\n"
    )
    parsed = parse_news_file(path)
    assert parsed.rows.select("doc_id", "published_at", "label").rows() == [
        ("a1", datetime(2024, 5, 2, 9, 30), "positive"),
        ("a2", datetime(2024, 5, 2, 9, 30), None),
        ("a4", datetime(2024, 5, 2, 9, 0), None),  # 'bullish' is not credit sentiment: scored, unlabelled
        ("a5", None, "neutral"),
    ]
    assert parsed.notes["published_at_assumed_utc_lines"] == [3]
    assert parsed.notes["published_at_missing_lines"] == [6]
    assert parsed.notes["label_unrecognised"] == {"bullish": 1}
    assert parsed.quarantine.select("line", "column_name", "rule", "raw_value").rows() == [
        (4, "published_at", "unparsable_timestamp", "02/30/2024"),
    ]


def test_feed_multiline_body_is_one_record_and_a_stray_quote_swallows_nothing(tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text(
        "article_id,headline,body\n"
        'b1,Two lines,"First line\nsecond line"\n'
        'b2,Stray,"Opening quote never closed\n'
        "b3,Next,Next body\n"
        "b4,Last,Last body\n"
    )
    parsed = parse_news_file(path)
    assert parsed.rows.select("doc_id", "_source_line", "text_clean").rows() == [
        ("b1", 2, "First line second line"),
        ("b2", 4, "Opening quote never closed"),
        ("b3", 5, "Next body"),
        ("b4", 6, "Last body"),
    ]
    assert parsed.data_records == 4
    assert parsed.notes["stray_quote_lines"] == [4]


def test_feed_without_id_column_gets_file_hash_and_line(tmp_path):
    path = tmp_path / "feed.csv"
    path.write_text("headline,extra\nAcme up,x\nAcme down,y,z\n")
    parsed = parse_news_file(path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    assert parsed.rows["doc_id"].to_list() == [f"{digest}:2"]
    assert parsed.quarantine.select("line", "rule").rows() == [(3, "wrong_field_count")]
    assert parsed.notes["ignored_columns"] == ["extra"]


def test_gzip_is_read_transparently(tmp_path, cases_dir):
    plain = cases_dir / "F19_news_html_entities.csv"
    packed = tmp_path / "feed.bin"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert parse_news_file(packed).rows.equals(parse_news_file(plain).rows)


def test_unknown_format_is_refused_naming_the_file(tmp_path):
    rooms = tmp_path / "rooms.csv"
    rooms.write_text("room,capacity,floor\nAuditorium,120,1\nBoard room,14,6\n")
    with pytest.raises(FileRefused, match="rooms.csv: not a known news format"):
        parse_news_file(rooms)


def test_a_loan_tape_without_a_text_column_is_refused_as_a_loan_tape_not_an_unknown_format(cases_dir):
    """F01, a LendingClub-shaped tape with no headline or body column, was refused as 'not a known
    news format', which did not say where the file belongs."""
    with pytest.raises(FileRefused, match=r"F01_loans_2024-01.csv: line 1 is a LendingClub loan tape's header "
                                          r"\(loan_amnt, loan_status, term\), not a news feed: land it in landing/loans$"):
        parse_news_file(cases_dir / "F01_loans_2024-01.csv")


def test_the_refusal_of_an_unknown_format_names_e_mail_among_the_formats_read(tmp_path, data_dir):
    """A message saved without its From header is no e-mail the reader can tell; the refusal listed
    PhraseBank, CSV, JSON and RSS/Atom but not e-mail, which it reads."""
    (sentence, _) = _wartsila_news(data_dir)
    eml = tmp_path / "forwarded.eml"
    eml.write_text(f"Subject: Weekly markets\nDate: Thu, 02 May 2024 09:00:00 +0000\n\n{sentence}\n")
    with pytest.raises(FileRefused) as refused:
        parse_news_file(eml)
    assert str(refused.value).startswith(f"{eml}: not a known news format (expected Financial PhraseBank")
    assert str(refused.value).endswith("an RSS or Atom feed, an Excel workbook, or e-mail: one message saved as .eml, "
                                       "headers first, or an mbox mailbox, each message after a 'From ' line)")


def test_decode_error_names_file_line_column_and_byte_offset(tmp_path):
    path = tmp_path / "cp1252.csv"
    path.write_bytes("article_id,headline\nc1,Caf\u00e9 chain expands\n".encode("cp1252"))
    with pytest.raises(FileRefused, match=r"cp1252.csv: line 2 column 7: not UTF-8 at byte offset 26 \(byte 0xe9\): "
                                          r"news files are read as UTF-8, .*declare another encoding in news settings "
                                          r"\(README, 'News files'\) \(byte 0xe9 is 'é' in Windows-1252\)$"):
        parse_news_file(path)


def test_a_utf8_feed_with_windows_1252_bytes_on_some_lines_is_refused_as_mixed(tmp_path, phrasebank_txt):
    """A UTF-8 feed (PhraseBank sentences, one with letters beyond ASCII) into which a Windows-1252
    smart quote was pasted on two lines: refused naming the first bad byte's line and column, the
    lines with foreign bytes, a line of UTF-8 text, and a repair that does not garble the UTF-8."""
    texts = phrasebank_txt.rows["text_raw"].to_list()
    seppala = next(t for t in texts if re.search(r"[^\x00-\x7f]", t))  # 'Clothing retail chain Sepp+\u00f1l+\u00f1 ...'
    lines = [b"id,published_at,ticker,body"]
    for i, text in enumerate([*texts[:3], seppala, *texts[3:5]]):
        lines.append(f'm{i},2024-03-05T11:0{i}:00Z,NOK,"{text}"'.encode())
    lines[3] = lines[3].replace(b'NOK,"', b'NOK,"\x93Quote\x94 ', 1)  # line 4, the body's first character
    lines[6] = lines[6][:-1] + b' \x85"'  # an ellipsis at the end of line 7's body
    path = tmp_path / "mixed_feed.csv"
    path.write_bytes(b"\n".join(lines) + b"\n")
    offset = len(b"\n".join(lines[:3])) + 1 + lines[3].index(b"\x93")
    with pytest.raises(FileRefused) as refused:
        parse_news_file(path)
    assert str(refused.value) == (
        f"{path}: line 4 column {len('m2,2024-03-05T11:02:00Z,NOK,') + 2}: not UTF-8 at byte offset {offset} "
        "(byte 0x93): the file mixes encodings: lines 4, 7 hold bytes of another encoding (byte 0x93 is '\u201c' in "
        "Windows-1252), while line 5 holds UTF-8 text, which declaring another encoding would garble; repair the "
        "lines named (retype the character, or export the file again as UTF-8 from where it was written), save the "
        "file as UTF-8 and land it again")
    # repaired as the message says, it loads whole, its UTF-8 text intact
    path.write_bytes(path.read_bytes().replace(b"\x93", "\u201c".encode()).replace(b"\x94", "\u201d".encode())
                     .replace(b"\x85", "\u2026".encode()))
    parsed = parse_news_file(path)
    assert parsed.rows.height == 6 and parsed.quarantine.height == 0
    assert parsed.rows["body"].to_list()[3] == seppala
    assert parsed.rows["body"].to_list()[2].startswith("\u201cQuote\u201d ")
    assert parsed.rows["body"].to_list()[5].endswith(" \u2026")


@pytest.mark.parametrize(("text", "utc", "naive"), [
    ("May 2, 2024 9:00 PM", "2024-05-02 21:00", True),
    ("May 2, 2024 09:00 PM EST", "2024-05-03 02:00", False),
    ("Thu, 02 May 2024 09:00:00 CEST", "2024-05-02 07:00", False),
    ("Thu, 02 May 2024 09:00:00 CST", "2024-05-02 15:00", False),  # RFC 2822: US Central
    ("1711922400.75", "2024-03-31 22:00", False),  # epoch seconds with a fraction (13 characters)
    ("1711922400750.5", "2024-03-31 22:00", False),  # milliseconds with a fraction
    ("Thu, 02 May 2024 23:30:00 HKT", "2024-05-02 15:30", False),
    ("Thu May 02 2024 21:00:00 GMT+0200 (Central European Summer Time)", "2024-05-02 19:00", False),
    ("2024-05-02 9:30 CEST (pm)", "2024-05-02 19:30", False),  # the half of the day in brackets, after the zone
    ("May 2, 2024 9:30 EST (p.m.)", "2024-05-03 02:30", False),
    ("Thu, 02 May 2024 09:00:00 +0200", "2024-05-02 07:00", False),
    ("2024-05-02 15:30:00 UTC", "2024-05-02 15:30", False),
    ("1714640400", "2024-05-02 09:00", False),  # Unix epoch seconds (Finnhub)
    ("1714640400000", "2024-05-02 09:00", False),  # epoch milliseconds
    ("25/04/2024 10:00", "2024-04-25 10:00", True),  # day first: 25 is no month
    ("2024-05-02 09:00 GMT+2", "2024-05-02 07:00", False),  # east of UTC, never POSIX-inverted
    ("2024-05-02 09:00 UTC+5:30", "2024-05-02 03:30", False),
    ("Wed Oct 10 20:19:24 +0000 2018", "2018-10-10 20:19", False),  # Twitter's created_at
    ("13-04-2024 10:00", "2024-04-13 10:00", True),  # day first with hyphens: 13 is no month
    ("1714640400000000", "2024-05-02 09:00", False),  # epoch microseconds (Postgres, Python)
    ("1714640400000000000", "2024-05-02 09:00", False),  # epoch nanoseconds (Go's UnixNano, Spark)
    ("2024-05-02T09:00+02:00[Europe/Paris]", "2024-05-02 07:00", False),  # Java's ZonedDateTime
    ("2024-05-02T11:00+02:00[GMT+02:00]", "2024-05-02 09:00", False),  # ... with a fixed-offset zone id
    ("2024-05-02 09:00:00 +0000 UTC", "2024-05-02 09:00", False),  # Go's time.String()
    ("2024-05-02 11:00:00.123456789 +0200 CEST m=+0.001200", "2024-05-02 09:00", False),  # ... from time.Now()
    ("02-MAY-24 09.00.00.000000 AM +02:00", "2024-05-02 07:00", False),  # Oracle's TIMESTAMP WITH TIME ZONE
    ("02-MAY-24 09.30.00.000000 PM", "2024-05-02 21:30", True),  # ... its TIMESTAMP, no zone
    ("15-JAN-99 12.05.00 AM UTC", "1999-01-15 00:05", False),  # RR: 99 is 1999; 12 AM is midnight
    ("02-MAY-24 09.00.00,000000 AM +02:00", "2024-05-02 07:00", False),  # ... a comma as decimal character
    ("02-MAY-24 09.00.00.000000 AM Europe/Helsinki", "2024-05-02 06:00", False),  # ... a region (TZR): EEST, +03:00
    ("27-OCT-24 03.30.00.000000 AM Europe/Helsinki EET", "2024-10-27 01:30", False),  # 03:30 twice: TZD says which
    ("27-OCT-24 03.30.00.000000 AM Europe/Helsinki EEST", "2024-10-27 00:30", False),
])
def test_publication_times_keep_their_zone_and_clock(text, utc, naive):
    parsed, assumed = parse_timestamp(text)
    assert (parsed.strftime("%Y-%m-%d %H:%M"), assumed) == (utc, naive)


@pytest.mark.parametrize(("text", "says"), [
    ("31-MAR-24 03.30.00.000000 AM Europe/Helsinki", "2024-03-31 03:30 does not exist in Europe/Helsinki"),
    ("02-MAY-24 09.00.00.000000 AM Europe/Helsinki EET", "Europe/Helsinki is EEST at that time, not EET"),
    ("02-MAY-24 09.00.00.000000 AM Mars/Olympus", "'Mars/Olympus' is no time zone region"),
    ("Thu, 02 May 2024 09:00:00 IST", "time zone 'IST' is ambiguous"),
    ("May 2, 2024 9:00 AM ET", "time zone 'ET' is ambiguous"),
    ("Thu, 02 May 2024 09:00:00 BST", "time zone 'BST' is ambiguous (British Summer Time +01:00 or Bangladesh"),
    # Java's Date.toString on a server in China: CST is +08:00 there
    ("Sun Mar 31 22:00:00 CST 2024", "time zone 'CST' is ambiguous outside an RFC 2822 date"),
    ("May 2, 2024 09:00 PM CST", "time zone 'CST' is ambiguous outside an RFC 2822 date"),
    ("Thu, 02 May 2024 09:00:00 XYZT", "'XYZT' is no month, day, AM/PM or known time zone"),
    ("2024-05-02 21:30 CEST (pm)", "not an ISO-8601, RFC 2822 or known timestamp form"),  # 21:30 is no pm hour
    ("03/04/2024", "day and month could be swapped"),
    ("0001-01-01T00:00:00+01:00", "year 1 is outside 1970-2100"),
    ("9999-12-31T23:59:59-05:00", "year 9999 is outside 1970-2100"),
    ("Mon, 01 Jan 0001 00:00:00 GMT", "year 1 is outside 1970-2100"),
    ("2024050215", "read as Unix epoch time is in 2034: a compact date?"),
    # a part of the date missing would be filled in from today by the free-form reader
    ("2024", "no month or day in '2024'"),
    ("May 2024", "no day in 'May 2024'"),
    ("May 2", "no year in 'May 2'"),
    ("10:30", "no year, month or day in '10:30'"),
    ("03-04-2024 10:00", "day and month could be swapped in '03-04-2024'"),
    ("Mon, 02 May 2024 09:00:00 GMT", "2024-05-02 is a Thursday"),  # the date or the weekday is wrong
    ("Wed, 01 Jan 0001 00:00:00 GMT", "year 1 is outside 1970-2100"),  # a placeholder first, whatever its weekday
    # six digits: 240502 is 2 May 2024 as YYMMDD, 24 May 2002 as DDMMYY
    ("240502", "'240502': 6 digits are no timestamp form this reader knows (YYMMDD, DDMMYY, MMDDYY or YYYYMM?"),
    ("978307200", "9 digits are no timestamp form"),
    ("978307200000", "12 digits are no timestamp form"),  # milliseconds with a digit lost
    # Unix time 0 is what a system writes for a time it never had, in every form
    ("0000000000", "is Unix time 0 (1970-01-01 00:00 UTC)"),
    ("1970-01-01T00:00:00Z", "is Unix time 0"),
    ("1970-01-01T01:00:00+01:00", "is Unix time 0"),
    ("2031-05-02T09:00:00Z", "is in 2031, after next year"),  # the same cap as for epoch times
])
def test_a_time_whose_zone_or_date_cannot_be_known_is_refused_not_guessed(text, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        parse_timestamp(text)


def test_a_feed_row_whose_time_lacks_part_of_its_date_is_quarantined_not_dated_today(tmp_path):
    feed = tmp_path / "feed.csv"
    feed.write_text("id,headline,published_at\na1,Acme Lending beats,May 2024\na2,Acme Lending cuts,2024-05-02T09:00:00Z\n")
    parsed = parse_news_file(feed)
    parsed.reconcile()
    assert parsed.rows["doc_id"].to_list() == ["a2"]
    assert parsed.quarantine.select("line", "column_name", "rule").rows() == [(2, "published_at", "unparsable_timestamp")]
    assert "no day in 'May 2024'" in parsed.quarantine["message"][0]


def test_api_exports_camel_case_time_and_split_date_time_columns_are_read(tmp_path):
    api = tmp_path / "newsapi.csv"
    api.write_text("title,content,publishedAt\nAcme beats,Acme Lending beat estimates.,2024-05-02T09:00:00Z\n")
    assert parse_news_file(api).rows["published_at"].dt.strftime("%H:%M").to_list() == ["09:00"]
    for name in ("DateTime", "TimeStamp"):  # names that are aliases as written, not camelCase pairs
        named = tmp_path / f"{name}.csv"
        named.write_text(f"{name},Headline\n2024-05-02 09:00,Acme Lending beats\n")
        assert parse_news_file(named).notes["columns"]["published_at"] == name
    split = tmp_path / "terminal.csv"
    split.write_text("Date,Time,Headline\n2024-05-02,21:30,Acme Lending cuts guidance after the close\n")
    parsed = parse_news_file(split)
    assert parsed.rows["published_at"].dt.strftime("%Y-%m-%d %H:%M").to_list() == ["2024-05-02 21:30"]
    assert parsed.notes["columns"]["published_time"] == "Time"


# --- news exports, round 6: names, placeholders, spreadsheet errors, wrapped ids, look-alike formats ---


@pytest.mark.parametrize("name", ["published_date", "publishedDate", "datePublished", "Date Published",
                                  "Time of Arrival", "versionCreated", "publication_date"])
def test_common_publication_time_names_are_read_not_dropped(tmp_path, name):
    feed = tmp_path / "feed.csv"
    feed.write_text(f"id,headline,{name},source.name\na1,Acme Lending beats,2024-05-02T09:00:00Z,Reuters\n")
    parsed = parse_news_file(feed)
    assert parsed.rows.select("published_at", "source").rows() == [(datetime(2024, 5, 2, 9, 0), "Reuters")]
    assert parsed.notes["columns"]["published_at"] == name


def test_a_time_column_under_an_unknown_name_is_named_in_the_notes(tmp_path):
    feed = tmp_path / "feed.csv"
    feed.write_text("id,headline,Embargo Date\na1,Acme Lending beats,2024-05-02\n")
    parsed = parse_news_file(feed)
    assert parsed.rows["published_at"].to_list() == [None]
    assert parsed.notes["time_like_columns_unread"] == ["Embargo Date"]


@pytest.mark.parametrize("name", ["Date/Time", "Date Time", "Date & Time", "Date and Time", "Date / Time",
                                  "Datetime (GMT)", "Date/Time (GMT)", "Time (UTC)", "Datum/Uhrzeit", "Fecha y hora"])
def test_a_date_and_time_named_together_is_the_publication_time(news_dir, tmp_path, name):
    """Refinitiv Eikon's news export names its time 'Date/Time' ('02-May-2024 09:30:00 GMT');
    spreadsheets write 'Date Time', 'Date & Time': all are the publication time, not unread."""
    lines = (news_dir / "financial_phrasebank_50agree.txt").read_text("utf-8-sig").splitlines()[:3]
    sentences = [line.rsplit("@", 1)[0] for line in lines]
    feed = tmp_path / "eikon.csv"
    feed.write_text(f'"{name}",RIC,Headline,Story Text,Source,Story ID\n' + "".join(
        f'0{2 + i}-May-2024 {9 + i}:30:00 GMT,NOKIA.HE,"{text[:30]}","{text}",RTRS,nL5N{i}\n'
        for i, text in enumerate(sentences)), encoding="utf-8")

    parsed = parse_news_file(feed)

    parsed.reconcile()
    assert parsed.quarantine.height == 0
    assert parsed.rows["text_raw"].to_list() == sentences
    assert parsed.rows["published_at"].to_list() == [
        datetime(2024, 5, 2, 9, 30), datetime(2024, 5, 3, 10, 30), datetime(2024, 5, 4, 11, 30)]
    assert parsed.notes["columns"]["published_at"] == name
    assert "time_like_columns_unread" not in parsed.notes


def test_spreadsheet_errors_placeholders_and_source_truncation_never_reach_the_model(tmp_path):
    """An Excel error in an id, ticker or label field loses the value: quarantined. In a text field
    it is no text, like NewsAPI's '[Removed]': the headline is read instead, or the row is
    quarantined when none is left. NewsAPI's '... [+1520 chars]' is cut from text_clean and noted."""
    feed = tmp_path / "newsapi.csv"
    feed.write_text(
        "id,ticker,title,content\n"
        "a1,#N/A,Acme Lending beats,Acme Lending beat estimates.\n"
        "a2,ACME,Acme Lending cuts guidance,#VALUE!\n"
        "a3,ACME,[Removed],[Removed]\n"
        "a4,BETA,Beta Bank falls,Beta Bank shares fell after the lender... [+1520 chars]\n"
        "a5,BETA,0,2024\n")
    parsed = parse_news_file(feed)
    parsed.reconcile()
    assert parsed.rows.select("doc_id", "text_field", "text_clean").rows() == [
        ("a2", "headline", "Acme Lending cuts guidance"),
        ("a4", "body", "Beta Bank shares fell after the lender")]
    assert parsed.quarantine.select("line", "record_key", "column_name", "rule").rows() == [
        (2, "a1", "ticker", "spreadsheet_error"), (4, "a3", "body", "no_usable_text"), (6, "a5", "body", "no_usable_text")]
    assert "placeholder" in parsed.quarantine["message"][1] and "number_only" in parsed.quarantine["message"][2]
    assert parsed.notes["source_truncated_lines"] == [5]
    bank = tmp_path / "bank.csv"
    bank.write_text("Y,Notices\nneutral,#VALUE!\npositive,Acme Lending rose .\n")
    assert parse_news_file(bank).quarantine.select("line", "rule").rows() == [(2, "no_usable_text")]


def test_wrapped_article_ids_are_unwrapped_so_a_repeated_id_is_caught(tmp_path):
    feed = tmp_path / "feed.csv"
    feed.write_text('id,headline\n1.0,Acme Lending beats\n1,Beta Bank falls\n="7",Gamma Credit rises\n')
    parsed = parse_news_file(feed)
    parsed.reconcile()
    assert parsed.rows["doc_id"].to_list() == ["1", "7"]
    assert parsed.quarantine.select("line", "rule").rows() == [(3, "duplicate_doc_id")]
    assert parsed.notes["doc_id_unwrapped_lines"] == [2, 4]


def test_look_alike_files_are_read_in_their_own_format(tmp_path):
    """A feed whose texts end in @mentions is no PhraseBank text file (its header is no record),
    and a PhraseBank CSV written without its header is no feed (its first line is a record)."""
    feed = tmp_path / "tweets.csv"
    feed.write_text("id,text\n1,Great quarter thanks @neutral\n2,Loan book grew cc @positive\n")
    tweets = parse_news_file(feed)
    assert tweets.format == "news_feed_csv"
    assert tweets.rows.select("doc_id", "text_clean", "label").rows() == [
        ("1", "Great quarter thanks @neutral", None), ("2", "Loan book grew cc @positive", None)]
    bank = tmp_path / "kaggle.csv"
    bank.write_text('neutral,"Acme published the full text"\npositive,"Acme Lending rose ."\n')
    headless = parse_news_file(bank)
    headless.reconcile()
    assert headless.format == "phrasebank_csv" and headless.notes["header"].startswith("none")
    assert headless.rows.select("_source_line", "text_clean", "label").rows() == [
        (1, "Acme published the full text", "neutral"), (2, "Acme Lending rose .", "positive")]


def test_tickers_are_written_as_exchanges_write_them(tmp_path):
    """'$aapl', 'AAPL' and 'AAPL, $MSFT' used to be three tickers in the daily index."""
    feed = tmp_path / "feed.csv"
    feed.write_text('id,ticker,headline\na1,$aapl,Apple rises\na2,AAPL,Apple falls\na3,"$msft; AAPL",Tech rallies\n'
                    'a4,AAPL US Equity,Apple flat\na5,RDSa.L,Shell up\n')
    parsed = parse_news_file(feed)
    assert parsed.rows["ticker"].to_list() == ["AAPL", "AAPL", "AAPL,MSFT", "AAPL", "RDSa.L"]
    assert parsed.notes["ticker_normalised_lines"] == [2, 4, 5]


def test_newsapi_description_is_read_when_content_is_empty_and_a_feed_without_source_names_its_file(tmp_path):
    """NewsAPI gives 'content' (cut, or empty) and 'description': an empty content used to leave the
    headline alone. A feed with no source column used to load NULL sources, which the lake's key
    check refuses; the file's name stands in."""
    feed = tmp_path / "newsapi_2024-05.csv"
    feed.write_text("title,description,content,publishedAt\n"
                    "Acme beats,Acme Lending beat estimates on loan growth.,,2024-05-02T09:00:00Z\n"
                    "Beta falls,Beta Bank fell.,Beta Bank shares fell after the lender cut guidance.,2024-05-02T10:00:00Z\n")
    parsed = parse_news_file(feed)
    assert parsed.rows.select("text_field", "text_clean", "source").rows() == [
        ("body", "Acme Lending beat estimates on loan growth.", "file:newsapi_2024-05.csv"),
        ("body", "Beta Bank shares fell after the lender cut guidance.", "file:newsapi_2024-05.csv")]
    assert parsed.notes["columns"]["body_fallback"] == "description"
    assert parsed.notes["body_from_fallback_lines"] == [2]
    assert parsed.notes["source_from_file_name_lines"] == [2, 3]


def test_a_repeated_id_with_the_same_text_but_another_label_says_so(tmp_path):
    feed = tmp_path / "feed.csv"
    feed.write_text("id,headline,label\na1,Acme Lending beats estimates,negative\na1,Acme Lending beats estimates,positive\n"
                    "a1,Acme Lending beats estimates,negative\n")
    parsed = parse_news_file(feed)
    assert [m.rsplit("(", 1)[1] for m in parsed.quarantine["message"]] == [
        "same text, different label: positive here, negative kept)", "same text: a repeat)"]


def test_a_desk_export_with_german_column_names_reads_its_headline_and_date(tmp_path):
    """`pub_date;titel;text`, and `Datum`: the headline was ignored (`ignored_columns: ['titel']`),
    so an article with an empty body lost its only text."""
    path = tmp_path / "desk_news_2024-03.csv"
    path.write_text("pub_date;titel;text\n2024-03-01;Bank raises guidance;Profit rose sharply in the quarter.\n"
                    "2024-03-02;Quarterly results;\n", encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.rows.select("headline", "body").rows() == [
        ("Bank raises guidance", "Profit rose sharply in the quarter."), ("Quarterly results", None)]
    assert parsed.notes.get("ignored_columns", []) == []
    dated = tmp_path / "meldungen.csv"
    dated.write_text("Datum,Überschrift\n2024-03-05,Insolvenzen steigen\n", encoding="utf-8")
    assert parse_news_file(dated).rows.select("published_at", "headline").rows() == [
        (datetime(2024, 3, 5), "Insolvenzen steigen")]


def test_newsletters_received_by_e_mail_load_one_article_per_message(tmp_path, data_dir):
    """A desk's newsletters saved as a mailbox (mbox) or one message (`.eml`) were refused as 'not a
    known news format'. Each message is an article: its Subject the headline (an encoded word
    decoded), its text part the body (quoted-printable in ISO-8859-15 decoded; an HTML-only message
    cleaned), its Date the time in UTC, its Message-ID the id, its sender the source."""
    from email.message import EmailMessage
    from email.policy import SMTP

    lines = (data_dir / "news" / "financial_phrasebank_50agree.txt").read_text(encoding="latin-1").splitlines()
    sentences = [line.rsplit("@", 1)[0] for line in lines[20:24]]
    sentences[1] += " (EUR 5 m, 5 m€)"
    messages = []
    for i, text in enumerate(sentences):
        message = EmailMessage(policy=SMTP)
        message["From"] = "Nordic Desk <desk@news.example>"
        message["Subject"] = f"Markets {i}: {text[:30]}"
        message["Date"] = f"Thu, 0{i + 2} May 2024 09:00:00 +0200"
        message["Message-ID"] = f"<n-{i}@news.example>"
        if i == 1:
            message.set_content(text, charset="iso-8859-15", cte="quoted-printable")
        elif i == 2:
            message.set_content(f"<html><body><p>{text}</p></body></html>", subtype="html")
        else:
            message.set_content(text)
        messages.append(message.as_string())
    mbox = tmp_path / "desk_2024-05.mbox"
    mbox.write_text("".join(f"From desk@news.example Thu May  2 09:00:00 2024\n{m}\n" for m in messages))
    parsed = parse_news_file(mbox)
    parsed.reconcile()
    assert parsed.format == "news_mail" and parsed.quarantine.height == 0
    rows = parsed.rows.select("doc_id", "source", "headline", "text_clean", "published_at").rows()
    assert [r[3] for r in rows] == sentences
    assert [r[0] for r in rows] == [f"nordic desk:n-{i}@news.example" for i in range(4)]
    assert rows[0][1] == "Nordic Desk" and rows[0][2] == f"Markets 0: {sentences[0][:30]}"
    assert [r[4].isoformat() for r in rows] == [f"2024-05-0{i + 2}T07:00:00" for i in range(4)]
    one = tmp_path / "newsletter.eml"
    one.write_text(messages[3])
    (row,) = parse_news_file(one).rows.select("doc_id", "text_clean").rows()
    assert row == ("nordic desk:n-3@news.example", sentences[3])


def _wartsila_news(data_dir: Path) -> list[str]:
    """Financial PhraseBank sentences about Wärtsilä, which the vendor file spells in ASCII
    (`Wartsila`), with the name spelled as the company does."""
    lines = (data_dir / "news" / "financial_phrasebank_50agree.txt").read_text(encoding="utf-8-sig").splitlines()
    return [line.rsplit("@", 1)[0].replace("Wartsila", "Wärtsilä")
            for line in lines if line.startswith(("Wartsila won", "In the beginning of this year , Wartsila"))]


def _newsletter(sender: str, subject: str, text: str, charset: str, number: int) -> bytes:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = sender
    message["Subject"] = subject
    message["Date"] = f"Thu, 02 May 2024 0{number}:15:00 +0300"
    message["Message-ID"] = f"<m-{number}@news.example>"
    message.set_content(text, charset=charset, cte="8bit")  # the text's own bytes, as mbox keeps them
    return message.as_bytes()


def test_an_e_mail_sent_8bit_in_utf_8_reads_exactly(tmp_path, data_dir):
    """`Content-Transfer-Encoding: 8bit` with `charset="utf-8"`, as Python, Thunderbird and many
    gateways send it: the body loaded as `W�rtsil�\\u2019s order worth \\u20ac5m ...`, with no
    note, because the file was decoded to text before the message was parsed."""
    (sentence, _) = _wartsila_news(data_dir)
    text = f"Wärtsilä’s order worth €5m. {sentence} Москва"
    eml = tmp_path / "hs_2024-05-02.eml"
    eml.write_bytes(_newsletter("Helsingin Sanomat <talous@hs.example.fi>", "Wärtsilä’s order", text, "utf-8", 7))
    assert "Wärtsilä’s order worth €5m.".encode() in eml.read_bytes()
    parsed = parse_news_file(eml)
    parsed.reconcile()
    assert parsed.rows.select("doc_id", "source", "headline", "text_clean", "_source_line").rows() == [
        ("helsingin sanomat:m-7@news.example", "Helsingin Sanomat", "Wärtsilä’s order", text, 1)]
    assert parsed.quarantine.height == 0 and not [name for name in parsed.notes if name.startswith("mail_")]


def test_a_mailbox_of_8bit_messages_in_different_charsets_reads_each_in_its_own(tmp_path, data_dir):
    """One message in UTF-8 and one in Windows-1252, both 8bit and each declaring its charset: the
    mailbox was refused as 'not UTF-8 ... the file mixes encodings', and declaring one encoding
    for the file would have garbled the other message."""
    first, second = _wartsila_news(data_dir)
    texts = [f"Wärtsilä’s order worth €5m. {first}", f"Wärtsilä’s order book – {second}"]
    mbox = tmp_path / "desk_2024-05.mbox"
    mbox.write_bytes(b"".join(
        b"From MAILER-DAEMON Thu May  2 07:15:00 2024\n" + _newsletter(sender, "Wärtsilä order", text, charset, n) + b"\n"
        for n, (sender, text, charset) in enumerate([("Helsingin Sanomat <talous@hs.example.fi>", texts[0], "utf-8"),
                                                     ("Kauppalehti <uutiset@kl.example.fi>", texts[1], "windows-1252")],
                                                    start=1)))
    data = mbox.read_bytes()
    assert texts[0].encode("utf-8") in data and texts[1].encode("cp1252") in data
    second_from = data.split(b"\n").index(b"From MAILER-DAEMON Thu May  2 07:15:00 2024", 1) + 1
    parsed = parse_news_file(mbox)
    parsed.reconcile()
    assert parsed.format == "news_mail" and parsed.quarantine.height == 0
    assert parsed.rows.select("source", "text_clean", "_source_line").rows() == [
        ("Helsingin Sanomat", texts[0], 2), ("Kauppalehti", texts[1], second_from + 1)]
    assert parsed.non_data_lines == [(1, "mbox_separator"), (second_from, "mbox_separator")]
    assert not [name for name in parsed.notes if name.startswith("mail_")]


def test_a_windows_1252_mailbox_reads_its_quotes_as_characters(tmp_path, data_dir):
    """A Finnish desk's mailbox in Windows-1252, 8bit, `encoding: cp1252` in its news settings: a
    text ended in a literal `\\u2019` instead of `’`. A part that declares its charset is read in
    it; one that declares none in the declared encoding, else UTF-8, else Windows-1252 with a note
    naming the file and the message's line."""
    first, second = _wartsila_news(data_dir)
    texts = [f"{first} ’", f"“{second}” – Wärtsilä’s order worth €5m."]
    undeclared = ("From: Kauppalehti <uutiset@kl.example.fi>\nSubject: Wärtsilä’s order\n"
                  "Date: Thu, 02 May 2024 09:15:00 +0300\nMessage-ID: <m-9@news.example>\n"
                  "Content-Type: text/plain\nContent-Transfer-Encoding: 8bit\n\n" + texts[1] + "\n")
    mbox = tmp_path / "kl_2024-05.mbox"
    mbox.write_bytes(b"From MAILER-DAEMON Thu May  2 08:15:00 2024\n"
                     + _newsletter("Kauppalehti <uutiset@kl.example.fi>", "Seppälä: sales up", texts[0], "windows-1252", 8)
                     + b"\nFrom MAILER-DAEMON Thu May  2 09:15:00 2024\n" + undeclared.encode("cp1252") + b"\n")
    second_line = mbox.read_bytes().split(b"\n").index(b"From MAILER-DAEMON Thu May  2 09:15:00 2024") + 2
    unset = parse_news_file(mbox)
    settings = mbox.with_name(mbox.name + ".mapping.json")
    settings.write_text('{"name": "kl", "encoding": "cp1252"}')
    declared = parse_news_file(mbox)
    for parsed in (declared, unset):
        parsed.reconcile()
        assert parsed.rows.select("headline", "text_clean", "_source_line").rows() == [
            ("Seppälä: sales up", texts[0], 2), ("Wärtsilä’s order", texts[1], second_line)]
    assert not [name for name in declared.notes if name.startswith("mail_")]
    assert unset.notes["mail_charset_assumed_lines"] == [second_line]
    assert unset.notes["mail_charset_assumed"].startswith(f"{mbox}: message at line {second_line}: text that "
                                                          "declares no charset")


@pytest.mark.parametrize(("charset", "transfer", "written_in"), [
    ("us-ascii", "8bit", "cp1252"), ("iso-8859-1", "8bit", "cp1252"), ("iso-8859-1", "quoted-printable", "cp1252"),
    ("iso-8859-1", "8bit", "utf-8")])
def test_a_part_labelled_latin_1_or_us_ascii_reads_as_the_rss_reader_reads_the_label(
        tmp_path, data_dir, charset, transfer, written_in):
    """Outlook and Exchange label Windows-1252 mail `iso-8859-1` (or `us-ascii`): its `’` and `€`
    sit at 0x92 and 0x80, and the text kept C1 controls (`Wärtsilä\\x92s \\x805m`), or U+FFFD
    under `us-ascii`. The labels are read as the WHATWG Encoding Standard reads them, as an RSS
    feed's declaration is: Windows-1252, or UTF-8 where the bytes are valid UTF-8."""
    import quopri

    (sentence, _) = _wartsila_news(data_dir)
    text = f"Wärtsilä’s order worth €5m. {sentence}"
    body = text.encode(written_in)
    if transfer == "quoted-printable":
        body = quopri.encodestring(body)
    eml = tmp_path / "kl_2024-05-02.eml"
    eml.write_bytes(b"From: Kauppalehti <uutiset@kl.example.fi>\nSubject: Order book\n"
                    b"Date: Thu, 02 May 2024 09:15:00 +0300\nMessage-ID: <m-3@news.example>\nMIME-Version: 1.0\n"
                    + f'Content-Type: text/plain; charset="{charset}"\nContent-Transfer-Encoding: {transfer}\n\n'.encode()
                    + body + b"\n")
    parsed = parse_news_file(eml)
    parsed.reconcile()
    assert parsed.rows.select("headline", "text_raw", "text_clean", "text_repaired").rows() == [
        ("Order book", text, text, False)]
    assert not [name for name in parsed.notes if name.startswith("mail_")]


def _encoded_word(text: str, charset: str, kind: str, written_in: str) -> str:
    """`text` as one RFC 2047 encoded word labelled `charset`, its bytes in `written_in`."""
    import base64
    import binascii

    data = text.encode(written_in)
    if kind == "B":
        return f"=?{charset}?B?{base64.b64encode(data).decode()}?="
    return f"=?{charset}?Q?{binascii.b2a_qp(data, header=True).decode()}?="


@pytest.mark.parametrize(("charset", "kind", "written_in"), [
    ("iso-8859-1", "Q", "cp1252"), ("ISO-8859-1", "B", "cp1252"), ("latin1", "Q", "cp1252"),
    ("us-ascii", "Q", "cp1252"), ("iso-8859-1", "B", "utf-8")])
def test_encoded_word_headers_labelled_latin_1_read_as_the_body_reads_the_label(
        tmp_path, data_dir, charset, kind, written_in):
    """Outlook and Exchange encode a Windows-1252 subject and sender as `=?iso-8859-1?Q?...?=`
    (RFC 2047) with `’` at 0x92 and `€` at 0x80: the headline loaded as `Wärtsilä\\x92s order of
    \\x805m`, C1 control characters, while the body of the same message read right. An encoded
    word's label is read as a part's is (WHATWG Encoding Standard: ISO-8859-1 and US-ASCII are
    windows-1252; UTF-8 where the bytes are valid UTF-8)."""
    (sentence, _) = _wartsila_news(data_dir)
    headline, sender, text = "Wärtsilä’s order of €5m", "Kauppalehti – Uutiset", f"Wärtsilä’s order of €5m. {sentence}"
    eml = tmp_path / "kl_2024-05-02.eml"
    eml.write_bytes(f"From: {_encoded_word(sender, charset, kind, written_in)} <uutiset@kl.example.fi>\n"
                    f"Subject: {_encoded_word(headline, charset, kind, written_in)}\n".encode()
                    + b"Date: Thu, 02 May 2024 09:15:00 +0300\nMessage-ID: <m-4@news.example>\nMIME-Version: 1.0\n"
                    + f'Content-Type: text/plain; charset="{charset}"\nContent-Transfer-Encoding: 8bit\n\n'.encode()
                    + text.encode(written_in) + b"\n")
    if (kind, written_in) == ("Q", "cp1252"):
        assert b"?Q?W=E4rtsil=E4=92s_order_of_=805m?=" in eml.read_bytes()
    parsed = parse_news_file(eml)
    parsed.reconcile()
    assert parsed.rows.select("source", "headline", "text_raw", "text_clean", "text_repaired").rows() == [
        (sender, headline, text, text, False)]
    assert not [name for name in parsed.notes if name.startswith("mail_")]


def test_encoded_words_side_by_side_and_a_quoted_sender_read_as_written(tmp_path, data_dir):
    """Two encoded words with white space between them are one text (RFC 2047 section 6.2), and a
    sender's name holding a comma stays one name: the labels are read as the body's are, the
    rest of the header as the e-mail parser reads it."""
    (sentence, _) = _wartsila_news(data_dir)
    eml = tmp_path / "kl.eml"
    eml.write_bytes(b"From: =?iso-8859-1?Q?W=E4rtsil=E4=2C_Investor_Relations?= <ir@wartsila.example.fi>\n"
                    b"Subject: =?iso-8859-1?Q?W=E4rtsil=E4=92s_?=\n =?iso-8859-1?B?b3JkZXIgb2YggDVt?= (Helsinki)\n"
                    b"Date: Thu, 02 May 2024 09:15:00 +0300\nMessage-ID: <m-5@news.example>\n\n" + sentence.encode() + b"\n")
    parsed = parse_news_file(eml)
    parsed.reconcile()
    assert parsed.rows.select("source", "headline", "text_raw").rows() == [
        ("Wärtsilä, Investor Relations", "Wärtsilä’s order of €5m (Helsinki)", sentence)]


@pytest.mark.parametrize("kind", ["Q", "B"])
def test_a_message_labelled_latin_9_but_written_on_windows_reads_as_windows_1252_and_says_so(tmp_path, data_dir, kind):
    """A part and a subject labelled ISO-8859-15 (Latin-9) and written in Windows-1252: `’` (0x92)
    and `€` (0x80) are C1 control characters in Latin-9, which the WHATWG Encoding Standard
    decodes as itself, and the headline and body kept them with no note. Bytes 0x80-0x9F are
    never text: the message is read as Windows-1252, noted `mail_charset_overruled`; a message
    whose Latin-9 text holds none of them (its `€` at 0xA4) is read as labelled."""
    (sentence, _) = _wartsila_news(data_dir)
    headline, text = "Wärtsilä’s order of €5m", f"Wärtsilä’s order of €5m – {sentence}"
    genuine = "Wärtsilä order of €5m, Œuvre"

    def message(number: int, subject: str, body: str, written_in: str) -> bytes:
        return (b"From MAILER-DAEMON Thu May  2 09:15:00 2024\nFrom: Kauppalehti <uutiset@kl.example.fi>\n"
                + f"Subject: {_encoded_word(subject, 'iso-8859-15', kind, written_in)}\n".encode()
                + f"Date: Thu, 02 May 2024 09:1{number}:00 +0300\nMessage-ID: <m-{number}@news.example>\n".encode()
                + b'Content-Type: text/plain; charset="iso-8859-15"\nContent-Transfer-Encoding: 8bit\n\n'
                + body.encode(written_in) + b"\n\n")

    mbox = tmp_path / "kl_2024-05.mbox"
    mbox.write_bytes(message(1, headline, text, "cp1252") + message(2, genuine, f"{genuine}. {sentence}", "iso-8859-15"))
    parsed = parse_news_file(mbox)
    parsed.reconcile()
    assert parsed.rows.select("headline", "text_raw", "text_repaired", "_source_line").rows() == [
        (headline, text, False, 2), (genuine, f"{genuine}. {sentence}", False, 12)]
    assert parsed.notes["mail_charset_overruled_lines"] == [2]
    assert parsed.notes["mail_charset_overruled"] == (
        f"{mbox}: message at line 2: text labelled ISO-8859-15 held bytes 0x80-0x9F, control characters in that "
        "charset and never text: read as the encoding it was written in (Windows-1252, whose '’' is 0x92 and '€' "
        "0x80, or UTF-8 where the bytes are valid UTF-8)")


def test_8bit_header_bytes_follow_the_encoding_news_settings_declare_as_the_body_does(tmp_path, data_dir):
    """A desk's script writes its subject as raw Windows-1252 bytes (no encoded word; RFC 6532
    allows bytes outside ASCII in a header as UTF-8 only) and declares no charset; news settings
    say `encoding: latin-1`: the subject and body loaded with `\\x92` and `\\x80`, C1 controls.
    The encoding news settings declare is a label read as a part's charset is (WHATWG Encoding
    Standard: Latin-1 is windows-1252), for a header's bytes as for the body's; without it, bytes
    that are not UTF-8 are read as Windows-1252 and noted `mail_charset_assumed_lines`."""
    (sentence, _) = _wartsila_news(data_dir)
    headline, text = "Wärtsilä’s order of €5m", f"“{sentence}” – Wärtsilä’s order of €5m."
    eml = tmp_path / "kl_2024-05-02.eml"
    eml.write_bytes(b"From: Kauppalehti <uutiset@kl.example.fi>\nSubject: " + headline.encode("cp1252")
                    + b"\nDate: Thu, 02 May 2024 09:15:00 +0300\nMessage-ID: <m-6@news.example>\n"
                      b"Content-Type: text/plain\nContent-Transfer-Encoding: 8bit\n\n" + text.encode("cp1252") + b"\n")
    unset = parse_news_file(eml)
    eml.with_name(eml.name + ".mapping.json").write_text('{"name": "kl", "encoding": "latin-1"}')
    declared = parse_news_file(eml)
    for parsed in (declared, unset):
        parsed.reconcile()
        assert parsed.rows.select("headline", "text_raw", "text_repaired").rows() == [(headline, text, False)]
    assert not [name for name in declared.notes if name.startswith("mail_")]
    assert unset.notes["mail_charset_assumed_lines"] == [1]


@pytest.mark.parametrize("after_colon", ["", "\t"])
def test_an_e_mail_whose_headers_put_no_space_after_the_colon_is_read_as_mail(tmp_path, data_dir, after_colon):
    """`Subject:Weekly markets` (RFC 5322 asks for no space after the colon) and `From:\\tDesk`
    were refused as 'not a known news format'."""
    (sentence, _) = _wartsila_news(data_dir)
    eml = tmp_path / "desk.eml"
    eml.write_bytes("Received: from mx.news.example by mail.example;\n\tThu, 02 May 2024 09:00:05 +0000\n"
                    f"From:{after_colon}Nordic Desk <desk@news.example>\nSubject:{after_colon}Weekly markets\n"
                    f"Date:{after_colon}Thu, 02 May 2024 09:00:00 +0000\nMessage-ID:{after_colon}<w-1@news.example>\n"
                    f"\n{sentence}\n".encode())
    parsed = parse_news_file(eml)
    parsed.reconcile()
    assert parsed.format == "news_mail"
    assert parsed.rows.select("doc_id", "source", "headline", "text_clean", "published_at").rows() == [
        ("nordic desk:w-1@news.example", "Nordic Desk", "Weekly markets", sentence, datetime(2024, 5, 2, 9, 0))]


def test_a_mailbox_that_opens_with_blank_lines_is_read_as_mail(tmp_path, data_dir):
    """A mailbox whose first line is blank (an export that starts each message with a blank line)
    was refused as 'not a known news format': only its first line was looked at."""
    first, second = _wartsila_news(data_dir)
    mbox = tmp_path / "desk_2024-05.mbox"
    mbox.write_bytes(b"\n\n" + b"".join(
        b"From MAILER-DAEMON Thu May  2 07:15:00 2024\n" + _newsletter("Helsingin Sanomat <talous@hs.example.fi>",
                                                                        "Wärtsilä order", text, "utf-8", n) + b"\n"
        for n, text in enumerate([first, second], start=1)))
    second_from = mbox.read_bytes().split(b"\n").index(b"From MAILER-DAEMON Thu May  2 07:15:00 2024", 3) + 1
    parsed = parse_news_file(mbox)
    parsed.reconcile()
    assert parsed.format == "news_mail" and parsed.quarantine.height == 0
    assert parsed.rows.select("doc_id", "text_clean", "_source_line").rows() == [
        ("helsingin sanomat:m-1@news.example", first, 4), ("helsingin sanomat:m-2@news.example", second, second_from + 1)]
    assert parsed.non_data_lines == [(3, "mbox_separator"), (second_from, "mbox_separator")]


def test_an_unquoted_from_line_in_a_body_stays_in_its_message(tmp_path, data_dir):
    """mboxo quotes no body line: a newsletter paragraph opening `From the desk: ... 2024` after a
    blank line split its message in two (three articles from two messages, the second without
    headers). Only a `From <sender> <asctime date>` line followed by a header line opens a
    message; the body keeps the line, and an mboxrd `>From ` line is read as `From `."""
    first, second = _wartsila_news(data_dir)
    body = (f"{first}\n\nFrom the desk: rates rose 25 bp through May 2024\n"
            f"From 2024 on, the bank reports quarterly.\n>From the archive: {second}")
    mbox = tmp_path / "desk_2024-05.mbox"
    mbox.write_bytes(b"".join(
        separator + _newsletter("Helsingin Sanomat <talous@hs.example.fi>", "Rates", text, "utf-8", n) + b"\n"
        for n, (separator, text) in enumerate([(b"From alice@example.com Thu May  2 09:00:00 2024\n", body),
                                               (b"From MAILER-DAEMON Thu May  2 09:15:00 2024\n", second)], start=1)))
    second_from = mbox.read_bytes().split(b"\n").index(b"From MAILER-DAEMON Thu May  2 09:15:00 2024") + 1
    parsed = parse_news_file(mbox)
    parsed.reconcile()
    assert parsed.format == "news_mail" and parsed.quarantine.height == 0
    rows = parsed.rows.select("doc_id", "text_raw", "_source_line").rows()
    assert [(r[0], r[2]) for r in rows] == [("helsingin sanomat:m-1@news.example", 2),
                                           ("helsingin sanomat:m-2@news.example", second_from + 1)]
    assert rows[0][1] == body.replace(">From the archive", "From the archive")
    assert rows[1][1] == second
    assert parsed.non_data_lines == [(1, "mbox_separator"), (second_from, "mbox_separator")]


@pytest.mark.parametrize("separator", [
    "From alice@example.com Thu May  3 09:00:00 2024",      # RFC 4155: asctime, UTC
    "From alice@example.com Thu May 03 09:00:00 2024",      # day zero-padded
    "From 1797482394@xxx Thu May 03 09:00:00 +0000 2024",   # Gmail's export: zone before the year
    "From alice@example.com Thu May  3 09:00 CET DST 2024",  # mbox(5): no seconds, a zone name
    "From alice@example.com Thu May  3 09:00:00 2024 +0200",  # zone after the year
    "From - Thu May  3 09:00:00 2024",                      # Thunderbird
    "From alice  Thu May  3 09:00:00 2024 remote from uucp",  # two spaces; UUCP's trailing words
    "From alice@example.com Thu May  3 09:00:00 2024\r",    # CRLF
])
def test_mbox_separator_lines_in_the_forms_mail_programs_write_are_read(separator):
    """The `From ` line forms of RFC 4155 and of the mailers that vary it each open a message;
    a sentence that opens `From ` does not, nor a separator form not followed by a header."""
    from risk_assets.lib.ingest.news_formats import _mbox_separators

    lines = [separator.encode(), b"From: Desk <desk@news.example>", b"", b"body", b"",
             b"From the desk: rates rose in May 2024", b"text",
             b"", separator.encode(), b"", b"From: x"]
    assert _mbox_separators(lines) == ([0], [])


def test_a_from_line_with_no_asctime_date_is_named_not_split_at(tmp_path, data_dir):
    """A line that sits where a separator would (after a blank line, before a header line) but
    gives no asctime date stays in its message's text and is named in the notes; a mailbox whose
    every separator is of that kind is refused, since its messages cannot be told apart."""
    first, second = _wartsila_news(data_dir)
    message = _newsletter("Helsingin Sanomat <talous@hs.example.fi>", "Rates", first, "utf-8", 1)
    mbox = tmp_path / "desk.mbox"
    mbox.write_bytes(b"From MAILER-DAEMON Thu May  2 09:00:00 2024\n" + message
                     + b"\nFrom the desk, 2 May\nNote: " + second.encode() + b"\n")
    parsed = parse_news_file(mbox)
    parsed.reconcile()
    (text,) = [r[0] for r in parsed.rows.select("text_raw").rows()]
    assert text == f"{first}\n\nFrom the desk, 2 May\nNote: {second}"
    lookalike = mbox.read_bytes().split(b"\n").index(b"From the desk, 2 May") + 1
    assert parsed.notes["mbox_from_in_body_lines"] == [lookalike]
    assert parsed.notes["mbox_from_in_body"].startswith(f"{mbox}: line {lookalike}: a line opening 'From '")
    odd = tmp_path / "odd.mbox"
    odd.write_bytes(b"From desk 2024-05-02\n" + message + b"\nFrom desk 2024-05-03\n" + message)
    with pytest.raises(FileRefused, match=r"odd.mbox: lines 1, \d+: an mbox mailbox whose 'From ' lines"):
        parse_news_file(odd)
    one = tmp_path / "one.eml"
    one.write_bytes(b"From desk 2024-05-02\n" + message)
    assert parse_news_file(one).rows.select("text_raw").rows() == [(first,)]


def _semicolon_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return path


LOAN_TAPES_AMONG_NEWS = {
    "kredite_2024-05.csv": (
        ["Kreditnummer", "Kreditnehmer", "Betrag", "Zins", "Datum", "Status", "Text", "Quelle"],
        [["K-10231", "Müller Maschinenbau GmbH", "250000", "4,5", "02.05.2024", "aktiv",
          "Betriebsmittelkredit für neue Fräsmaschinen", "Kernbank"],
         ["K-10232", "Schulz Logistik KG", "1200000", "3,9", "03.05.2024", "gekündigt",
          "Investitionskredit Lagerhalle Duisburg", "Kernbank"]],
        "Kreditnummer (source_loan_id), Kreditnehmer (borrower), Betrag (loan_amount), Zins (int_rate), "
        "Status (loan_status)"),
    "prestamos_mayo.csv": (
        ["Préstamo", "Prestatario", "Importe", "Fecha", "Estado", "Contenido"],
        [["P-4471", "Ruiz Construcciones SL", "250000", "2024-05-02", "activo",
          "Línea de crédito para maquinaria industrial"]],
        "Préstamo (source_loan_id), Prestatario (borrower), Importe (loan_amount), Estado (loan_status)"),
    "PRESTAMOS_SIN_ACENTOS.csv": (
        ["PRESTAMO", "PRESTATARIO", "IMPORTE", "FECHA", "ESTADO", "CONTENIDO"],
        [["P-4472", "Ortega Hermanos SA", "90000", "2024-05-03", "moroso", "Préstamo puente para circulante"]],
        "PRESTAMO (source_loan_id), PRESTATARIO (borrower), IMPORTE (loan_amount), ESTADO (loan_status)"),
    "leningen.csv": (
        ["Leningnummer", "Kredietnemer", "Hoofdsom", "Rente", "Looptijd", "Tekst"],
        [["L-88", "De Vries Bouw BV", "400000", "5,1", "60", "Financiering bedrijfspand Utrecht"]],
        "Leningnummer (source_loan_id), Kredietnemer (borrower), Hoofdsom (loan_amount), Rente (int_rate), "
        "Looptijd (term_months)"),
    "prets.csv": (
        ["Numéro de prêt", "Emprunteur", "Montant", "Taux d'intérêt", "Durée", "Statut", "Texte"],
        [["FR-301", "Boulangerie Martin SARL", "85000", "4,2", "84", "en cours", "Prêt d'équipement pour four"]],
        "Numéro de prêt (source_loan_id), Emprunteur (borrower), Montant (loan_amount), "
        "Taux d'intérêt (int_rate), Durée (term_months), Statut (loan_status)"),
    "prestiti.csv": (
        ["Prestito", "Mutuatario", "Importo (EUR)", "Tasso", "Durata", "Stato", "Testo"],
        [["IT-77", "Rossi Tessile Srl", "300000", "3,75", "120", "in bonis", "Mutuo chirografario per impianti"]],
        "Prestito (source_loan_id), Mutuatario (borrower), Importo (EUR) (loan_amount), Tasso (int_rate), "
        "Durata (term_months), Stato (loan_status)"),
    "emprestimos.csv": (
        ["Empréstimo", "Mutuário", "Valor", "Taxa de juros", "Prazo", "Situação", "Conteúdo"],
        [["BR-12", "Silva Alimentos Ltda", "500000", "12,5", "36", "adimplente", "Capital de giro para safra"]],
        "Empréstimo (source_loan_id), Mutuário (borrower), Valor (loan_amount), Taxa de juros (int_rate), "
        "Prazo (term_months), Situação (loan_status)"),
}


@pytest.mark.parametrize("name", LOAN_TAPES_AMONG_NEWS)
def test_a_loan_tape_headed_in_a_language_the_news_reader_reads_is_refused_as_a_loan_tape(tmp_path, name):
    """A tape whose free-text column (`Text`, `Contenido`, `Testo`) is a body alias loaded as news,
    one article per loan: its header names a loan's id, borrower, amount, rate, term or status."""
    header, rows, named = LOAN_TAPES_AMONG_NEWS[name]
    tape = _semicolon_csv(tmp_path / name, header, rows)
    with pytest.raises(FileRefused) as refused:
        parse_news_file(tape)
    assert str(refused.value) == (
        f"{tape}: line 1 is a loan tape's header, not a news feed: its columns name a loan's terms: {named}, "
        f"and {header[0]!r} is a loan id; land it in landing/loans with a column mapping (see README, 'Your own "
        f"loan tape: a column mapping'); if the file is news, rename {header[0]!r} (a story's id column is `id` "
        "or `article_id`)")


def test_an_english_tape_with_a_notes_column_is_refused_as_a_loan_tape(tmp_path):
    """`notes` is no body name: the tape was refused as 'not a known news format', which did not say
    where it belongs; a servicer's `Original Loan Amount`-style names are read as well."""
    tape = tmp_path / "servicer_tape.csv"
    tape.write_text("loan_id,borrower,loan_amount,interest_rate,term,status,notes\n"
                    "SV-1001,Harbor Freight Lines LLC,250000,6.25,60,current,Equipment line renewed in April\n"
                    "SV-1002,Greenfield Dental PC,85000,7.10,84,30 dpd,Borrower asked for a payment holiday\n")
    with pytest.raises(FileRefused, match=re.escape(
            f"{tape}: line 1 is a loan tape's header, not a news feed: its columns name a loan's terms: "
            "loan_id (source_loan_id), borrower (borrower), loan_amount (loan_amount), interest_rate (int_rate), "
            "term (term_months), status (loan_status), and 'loan_id' is a loan id; land it in landing/loans")):
        parse_news_file(tape)
    excel = tmp_path / "servicer_excel.csv"  # Excel's `sep=;` line first: the header is line 2
    excel.write_text("sep=;\nLoan Number;Obligor Name;Original Loan Amount;Rate (%);Maturity Date;Comment\n"
                     "SV-2001;Harbor Freight Lines LLC;250000;6,25;2029-04-30;Renewed\n")
    with pytest.raises(FileRefused, match=re.escape(
            f"{excel}: line 2 is a loan tape's header, not a news feed: its columns name a loan's terms: "
            "Loan Number (source_loan_id), Obligor Name (borrower), Original Loan Amount (loan_amount), "
            "Rate (%) (int_rate), Maturity Date (maturity_date)")):
        parse_news_file(excel)


def test_news_exports_with_a_status_amount_or_price_column_still_load(tmp_path):
    """One or two loan words do not make a tape (a CMS's `Status`, a deal's `Amount`), nor do loan
    words beside a sign of news (a ticker) or beside a story without a loan id: these exports load
    as before."""
    cms = _semicolon_csv(tmp_path / "cms_export.csv", ["ID", "Status", "Betrag", "Datum", "Text"],
                         [["n-1", "veröffentlicht", "3", "2024-05-02", "Nokia gewinnt einen Netzauftrag in Finnland."]])
    parsed = parse_news_file(cms)
    assert parsed.rows.select("text_clean").rows() == [("Nokia gewinnt einen Netzauftrag in Finnland.",)]
    quotes = tmp_path / "market_wire.csv"
    quotes.write_text("Date,Symbol,Headline,Price,Change,Status,Amount,Rate,Term\n"
                      "2024-05-02,NOK,Nokia wins 5G network deal in Finland,3.52,+0.04,published,150000000,4.1,5y\n")
    parsed = parse_news_file(quotes)
    assert parsed.rows.select("ticker", "text_clean").rows() == [("NOK", "Nokia wins 5G network deal in Finland")]
    deals = tmp_path / "loan_market_news.json"  # deal news in loan words: a headline says it is news
    deals.write_text('[{"title": "Acme refinances its term loan", "borrower": "Acme Corp", "amount": 500000000, '
                     '"interest_rate": "SOFR+275", "status": "launched", "body": "Acme Corp launched a refinancing."}]')
    assert parse_news_file(deals).rows.select("headline").rows() == [("Acme refinances its term loan",)]


@pytest.fixture(scope="module")
def credit_stories(news_dir) -> list[str]:
    """Real PhraseBank sentences about loans and bonds: what a credit wire's story column holds."""
    lines = (news_dir / "financial_phrasebank_50agree.txt").read_text(encoding="utf-8-sig", errors="replace")
    stories = [line.rsplit("@", 1)[0].strip() for line in lines.splitlines() if "@" in line]
    return [s for s in stories if re.search(r"credit facility|bond|notes worth|loan ", s)][:4]


CREDIT_WIRES = {
    "bond_wire.csv": ["Date", "Issuer", "Amount", "Coupon", "Maturity", "Story"],
    "loan_market_feed.csv": ["Date", "Borrower", "Amount", "Rate", "Maturity", "Text"],
    "deals_summary.csv": ["Deal Date", "Borrower", "Loan Amount", "Tenor", "Summary"],
    "lpc_notes.csv": ["Source", "Borrower", "Amount", "Rate", "Content"],
    "emissions.csv": ["Date", "Emprunteur", "Montant", "Taux", "Échéance", "Texte"],
    "emisiones.csv": ["Fecha", "Emisor", "Importe", "Tasa", "Vencimiento", "Contenido"],
    "cms_rating.csv": ["ID", "Status", "Amount", "Rating", "Date", "Body"],
    "subject_wire.csv": ["Subject", "Amount", "Rate", "Status", "Body"],
}


@pytest.mark.parametrize("name", CREDIT_WIRES)
def test_a_credit_wire_without_a_loan_id_loads_as_news(tmp_path, credit_stories, name):
    """A bond or loan-market wire names an issuer or borrower, an amount, a coupon, a maturity
    beside its story, and a CMS export a status, a count and a star rating beside its body: three
    loan words, but no loan id and a story column, so no tape. They were refused as loan tapes."""
    header = CREDIT_WIRES[name]
    values = {"Date": "2024-05-02", "Deal Date": "2024-05-02", "Fecha": "2024-05-02", "ID": "c-{i}",
              "Source": "LPC", "Subject": "Deal {i}", "Status": "published", "Rating": "4"}
    path = tmp_path / name
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for i, story in enumerate(credit_stories):
            writer.writerow([story if column == header[-1] else values.get(column, "EUR 1.5bn").format(i=i)
                             for column in header])
    parsed = parse_news_file(path)
    assert parsed.rows["text_raw"].to_list() == credit_stories
    assert parsed.rows_quarantined == 0


def test_a_tape_with_a_loan_id_is_refused_though_it_has_a_title_column(tmp_path):
    """A headline name no longer makes a loan tape news: the tape's `Title` is the loan's purpose,
    and its `Loan ID` says it is a tape. It loaded as one article per loan."""
    tape = tmp_path / "title_tape.csv"
    tape.write_text("Loan ID,Title,Amount,Rate,Status,Description\n"
                    "L-1,Debt consolidation,10000,11.5,Current,\"I need to consolidate my credit cards, thank you\"\n")
    with pytest.raises(FileRefused) as refused:
        parse_news_file(tape)
    assert str(refused.value) == (
        f"{tape}: line 1 is a loan tape's header, not a news feed: its columns name a loan's terms: "
        "Loan ID (source_loan_id), Amount (loan_amount), Rate (int_rate), Status (loan_status), and 'Loan ID' is a "
        "loan id; land it in landing/loans with a column mapping (see README, 'Your own loan tape: a column "
        "mapping'); if the file is news, rename 'Loan ID' (a story's id column is `id` or `article_id`)")
    servicer = tmp_path / "servicer.csv"  # an account number is a loan id too
    servicer.write_text("Account No,Obligor,Principal Balance,Coupon,Maturity,Comments\n"
                        "A-1,ACME Oy,100000,5.1,2029-01-01,Borrower requested a payment holiday\n")
    with pytest.raises(FileRefused, match=re.escape("and 'Account No' is a loan id; land it in landing/loans")):
        parse_news_file(servicer)


def test_a_lendingclub_subset_without_term_is_refused_by_its_own_column_names(tmp_path):
    """LendingClub's own names cut to a few columns (no `term`, so no signature): `title` and `desc`
    were read as headline and body. `loan_amnt`, `int_rate`, `loan_status` are names no news gives
    a column, so they mark a tape even beside LendingClub's own `url` column."""
    subset = tmp_path / "lc_subset.csv"
    subset.write_text("id,loan_amnt,int_rate,loan_status,title,desc\n"
                      "1077501,5000,10.65%,Fully Paid,Computer,Borrower added on 12/22/11 > I need to upgrade\n")
    with pytest.raises(FileRefused) as refused:
        parse_news_file(subset)
    assert str(refused.value) == (
        f"{subset}: line 1 is a loan tape's header, not a news feed: its columns name a loan's terms: "
        "loan_amnt (loan_amount), int_rate (int_rate), loan_status (loan_status), and 'loan_amnt', 'int_rate', "
        "'loan_status' are LendingClub's or SBA's own column names; land it in landing/loans with a column mapping "
        "(see README, 'Your own loan tape: a column mapping'); if the file is news, rename 'loan_amnt', "
        "'int_rate', 'loan_status'")
    with_url = tmp_path / "lc_subset_url.csv"
    with_url.write_text("id,loan_amnt,int_rate,loan_status,url,title\n"
                        "1077501,5000,10.65%,Fully Paid,"
                        "https://lendingclub.com/browse/loanDetail.action?loan_id=1077501,Computer\n")
    with pytest.raises(FileRefused, match=re.escape("are LendingClub's or SBA's own column names")):
        parse_news_file(with_url)


def test_a_loan_id_beside_a_sign_of_news_stays_a_feed(tmp_path, credit_stories):
    """A loan id is a tape's mark only where no column says news: a deal feed with a ticker and an
    author beside its facility id loads."""
    feed = tmp_path / "facility_news.csv"
    with feed.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["Facility ID", "Ticker", "Author", "Borrower", "Amount", "Rate", "Story"])
        writer.writerow(["F-9", "OUT1V", "Desk", "Outokumpu", "EUR 900m", "E+150", credit_stories[0]])
    assert parse_news_file(feed).rows.select("ticker", "text_raw").rows() == [("OUT1V", credit_stories[0])]


def test_loan_records_saved_as_json_among_news_are_refused(tmp_path):
    """The same tape exported as a JSON array: its `description` read as each loan's body."""
    tape = tmp_path / "loans.json"
    tape.write_text('[\n  {"loan_id": "SV-1001", "borrower": {"name": "Harbor Freight Lines LLC"}, "principal": 250000,\n'
                    '   "interest_rate": 6.25, "status": "current", "description": "Equipment line renewed"}\n]\n')
    with pytest.raises(FileRefused) as refused:
        parse_news_file(tape)
    assert str(refused.value) == (
        f"{tape}: line 2 (its records' fields) is a loan tape's header, not a news feed: its columns name a loan's "
        "terms: loan_id (source_loan_id), borrower_name (borrower), principal (loan_amount), "
        "interest_rate (int_rate), status (loan_status), and 'loan_id' is a loan id; save it as CSV (loan landing "
        "reads CSV, Parquet or Excel, not JSON) and land it in landing/loans with a column mapping (see README, "
        "'Your own loan tape: a column mapping'); if the file is news, rename 'loan_id' (a story's id column is "
        "`id` or `article_id`)")


def test_a_workbook_sheet_holding_a_loan_tape_is_refused_naming_the_sheet(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Kredite"
    sheet.append(["Bestand Mai 2024"])
    sheet.append(["Kreditnummer", "Kreditnehmer", "Betrag", "Zins", "Laufzeit", "Text"])
    sheet.append(["K-10231", "Müller Maschinenbau GmbH", 250000, 4.5, 60, "Betriebsmittelkredit"])
    path = tmp_path / "kredite.xlsx"
    book.save(path)
    with pytest.raises(FileRefused, match=re.escape(
            f"{path}: sheet 'Kredite' row 2 is a loan tape's header, not a news feed: its columns name a loan's "
            "terms: Kreditnummer (source_loan_id), Kreditnehmer (borrower), Betrag (loan_amount), Zins (int_rate), "
            "Laufzeit (term_months), and 'Kreditnummer' is a loan id; land it in landing/loans")):
        parse_news_file(path)


# --- NUL padding: a copy written into space set aside for it -------------------------------------


@pytest.fixture(scope="module")
def three_sentences(news_dir) -> list[tuple[str, str]]:
    """The first three PhraseBank sentences with their labels (none holds a quote or a comma-free
    CSV problem: each is written quoted below)."""
    lines = (news_dir / "financial_phrasebank_50agree.txt").read_text(encoding="utf-8-sig").splitlines()
    return [tuple(line.rsplit("@", 1)) for line in lines[:3]]


def _news_texts(kind: str, sentences: list[tuple[str, str]]) -> str:
    """The sentences written as one news format, ending with a line end."""
    if kind == "txt":
        return "".join(f"{text}@{label}\r\n" for text, label in sentences)
    if kind == "phrasebank_csv":
        return "Y,Notices\n" + "".join(f'{label},"{text}"\n' for text, label in sentences)
    if kind == "csv":
        return "id,headline,label\n" + "".join(f'w-{i},"{text}",{label}\n' for i, (text, label) in enumerate(sentences))
    if kind == "tsv":
        return "id\theadline\tlabel\n" + "".join(f"w-{i}\t{text}\t{label}\n" for i, (text, label) in enumerate(sentences))
    if kind == "json":
        return json.dumps([{"id": f"w-{i}", "title": text, "label": label}
                           for i, (text, label) in enumerate(sentences)], indent=1) + "\n"
    if kind == "jsonl":
        return "".join(json.dumps({"id": f"w-{i}", "title": text, "label": label}) + "\n"
                       for i, (text, label) in enumerate(sentences))
    items = "".join(f"<item><guid>w-{i}</guid><title>{text}</title><category>{label}</category></item>\n"
                    for i, (text, label) in enumerate(sentences))
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Wire</title>\n{items}</channel></rss>\n'


NEWS_KINDS = ("txt", "phrasebank_csv", "csv", "tsv", "json", "jsonl", "rss")


@pytest.mark.parametrize("kind", NEWS_KINDS)
def test_nul_padding_after_the_last_record_is_not_data_and_is_noted(tmp_path, three_sentences, kind):
    """A pre-allocating transfer sets the file's size aside and writes into it; stopped, or copied
    while still written, the file ends in NUL bytes. They were read as one more record (a
    `missing_label_separator`, a `wrong_field_count`) or refused the whole JSON or RSS file. Every
    article loads as from the file without them; the NULs are a non-data line, and the notes give
    their count, byte offset and line."""
    content = _news_texts(kind, three_sentences).encode("utf-8")
    plain, padded = tmp_path / "plain" / f"wire.{kind}", tmp_path / "padded" / f"wire.{kind}"  # source: file:wire.*
    plain.parent.mkdir(), padded.parent.mkdir()
    plain.write_bytes(content)
    padded.write_bytes(content + b"\0" * 4096)
    expected, parsed = parse_news_file(plain), parse_news_file(padded)
    parsed.reconcile()
    assert parsed.quarantine.height == 0
    assert parsed.rows["text_raw"].to_list() == [text for text, _ in three_sentences]
    assert parsed.rows.drop("doc_id").equals(expected.rows.drop("doc_id"))  # a PhraseBank id names the file's sha256
    last_line = content.count(b"\n") + 1
    assert parsed.notes["nul_padding"] == (
        f"the file ends with 4,096 NUL bytes from byte offset {len(content)} (line {last_line}): a copy written "
        "into space set aside for it, or cut short, ends so; compare its last articles with the source")
    assert parsed.non_data_lines == [*expected.non_data_lines, (last_line, "nul_padding")]
    assert "nul_padding" not in expected.notes


@pytest.mark.parametrize("kind", ("txt", "csv", "tsv"))
def test_nul_padding_right_after_a_records_text_quarantines_that_record(tmp_path, three_sentences, kind):
    """Where the NULs follow the last record's text on its line, the copy may have stopped inside
    it, and a record read by line looks whole without them (here its label `negative` cut to
    `nega` would load the article unlabelled): it is quarantined, the others load."""
    assert three_sentences[2][1] == "negative"
    cut = _news_texts(kind, three_sentences).rstrip("\r\n").removesuffix("tive")
    path = tmp_path / f"cut.{kind}"
    path.write_bytes(cut.encode("utf-8") + b"\0" * 512)
    parsed = parse_news_file(path)
    parsed.reconcile()
    assert parsed.rows["text_raw"].to_list() == [text for text, _ in three_sentences[:2]]
    last_line = cut.count("\n") + 1
    assert parsed.quarantine["line"].to_list() == [last_line]
    assert "\0" in parsed.quarantine["raw_value"].item()
    assert parsed.notes["nul_padding"].startswith(
        f"the file ends with 512 NUL bytes from byte offset {len(cut.encode())} (line {last_line}), right after "
        "its last record's text (quarantined where a field read holds the NUL left there)")
    assert (last_line, "nul_padding") not in parsed.non_data_lines


@pytest.mark.parametrize("kind", ("json", "rss"))
def test_nul_padding_right_after_a_closed_document_loads_it_whole(tmp_path, three_sentences, kind):
    """`json.dump` writes no line end at the end: NULs right after the closing `]` (or `</rss>`)
    follow a document its own syntax proves whole."""
    content = _news_texts(kind, three_sentences).rstrip("\n").encode("utf-8")
    path = tmp_path / f"closed.{kind}"
    path.write_bytes(content + b"\0" * 300)
    parsed, last_line = parse_news_file(path), content.count(b"\n") + 1
    assert parsed.quarantine.height == 0
    assert parsed.rows["text_raw"].to_list() == [text for text, _ in three_sentences]
    assert parsed.notes["nul_padding"].startswith(
        f"the file ends with 300 NUL bytes from byte offset {len(content)} (line {last_line}): a copy")


def test_a_utf16_export_ending_in_nul_padding_loads(tmp_path, three_sentences):
    """Excel's "Unicode Text" is UTF-16 with a byte-order mark: a Latin letter's high byte is a NUL,
    so the padding starts after the text's last whole code unit."""
    text = _news_texts("tsv", three_sentences).replace("\n", "\r\n")
    path = tmp_path / "unicode_text.txt"
    path.write_bytes(text.encode("utf-16") + b"\0" * 1000)
    parsed = parse_news_file(path)
    assert parsed.quarantine.height == 0
    assert parsed.rows["text_raw"].to_list() == [text for text, _ in three_sentences]
    assert parsed.notes["nul_padding"].startswith(
        f"the file ends with 1,000 NUL bytes from byte offset {len(text.encode('utf-16'))} (line 5): ")


@pytest.mark.parametrize(("content", "said"), [
    (b"id,headline,label\n", "no article (a header at most) before the file's 4,096 NUL bytes from byte offset 18 (line 2)"),
    (b"\xef\xbb\xbfY,Notices\r\n", "no article (a header at most) before the file's 4,096 NUL bytes from byte offset 14 (line 2)"),
    (b"[]", "no article (a header at most) before the file's 4,096 NUL bytes from byte offset 2 (line 1)"),
    (b"", "the file holds nothing but 4,096 NUL bytes"),
    (b"\r\n", "the file holds nothing but 4,096 NUL bytes"),
])
def test_a_copy_cut_before_its_first_record_is_refused(tmp_path, content, said):
    """A header followed by NULs alone is a copy cut before its data, not a feed of no articles."""
    path = tmp_path / "cut_copy.csv"
    path.write_bytes(content + b"\0" * 4096)
    with pytest.raises(FileRefused) as refused:
        parse_news_file(path)
    assert str(refused.value).startswith(f"{path}: {said}: a copy cut short before its first")
    assert str(refused.value).endswith("Land it again once the copy is complete)")


def test_a_refused_padded_file_says_its_padding(tmp_path, three_sentences):
    """A JSON document the copy cut inside, then NULs: refused as not valid JSON, and said to end so."""
    content = _news_texts("json", three_sentences).encode("utf-8")[:200]
    path = tmp_path / "cut.json"
    path.write_bytes(content + b"\0" * 64)
    last_line = content.count(b"\n") + 1
    with pytest.raises(FileRefused, match=re.escape(
            f"; the file then ends with 64 NUL bytes from byte offset 200 (line {last_line}): a copy "
            "cut short? (a pre-allocating transfer stopped;")):
        parse_news_file(path)


def test_nuls_before_the_last_record_are_not_padding(tmp_path, three_sentences):
    """NULs with data after them are no copy's unwritten end: a line of them is quarantined as a
    record of the wrong field count, a NUL inside a sentence as `control_character`; no note."""
    lines = _news_texts("csv", three_sentences).splitlines(keepends=True)
    path = tmp_path / "holes.csv"
    path.write_bytes("".join(lines[:2]).encode() + b"\0" * 64 + b"\n" + lines[2].replace(" ,", "\0,", 1).encode()
                     + lines[3].encode())
    parsed = parse_news_file(path)
    parsed.reconcile()
    assert parsed.quarantine.select("line", "rule").rows() == [(3, "wrong_field_count"), (4, "control_character")]
    assert parsed.rows["text_raw"].to_list() == [three_sentences[0][0], three_sentences[2][0]]
    assert "nul_padding" not in parsed.notes


# --- backslash escapes: MySQL's and PostgreSQL's exports ------------------------------------------


def _mysql_escaped(value: str) -> str:
    """`value` as MySQL escapes it (`mysql --batch`, and LOAD DATA reads it back so)."""
    for char, escape in (("\\", "\\\\"), ('"', '\\"'), ("\0", "\\0"), ("\n", "\\n"), ("\t", "\\t"), ("\r", "\\r")):
        value = value.replace(char, escape)
    return value


def test_a_mysql_escaped_csv_reads_its_escapes_as_the_characters_they_stand_for(tmp_path, three_sentences):
    """A CSV read with `\\"` as a quote (Spark's and MySQL's) kept the letter of every other escape
    and dropped its backslash: a two-paragraph body loaded as `...growing .nTechnopolis`, a tab as
    `t`, MySQL's `\\0` as `0`. Where each backslash of the file stands in one of MySQL's escapes,
    `\\n`, `\\t`, `\\\\` and a backslash before a real line break are the characters they stand for;
    an escaped NUL, a byte the column held and never text, is left out and its line noted."""
    (s0, l0), (s1, l1), (s2, l2) = three_sentences
    headlines = ['Gran: "no plans to move production"', "Technopolis", "", "Elcoteq"]
    bodies = [f"{s0}\n{s1}", f"{s1}\t(C:\\wire\\2008)", f"{s2}\0", f"{s0}\n{s2}"]
    labels = [l0, l1, l2, l2]
    lines = ["id,headline,body,label"]
    for i, (headline, body, label) in enumerate(zip(headlines, bodies, labels, strict=True)):
        title = f'"{_mysql_escaped(headline)}"' if headline else "\\N"  # MySQL's NULL, unquoted
        text = body.replace("\n", "\\\n") if i == 3 else _mysql_escaped(body)  # INTO OUTFILE: a backslash, a line break
        lines.append(f'my-{i},{title},"{text}",{label}')
    path = tmp_path / "mysql_export.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert "\\n" in lines[1] and "\\t(C:\\\\wire\\\\2008)" in lines[2] and lines[3].endswith('\\0",negative')
    parsed = parse_news_file(path)
    parsed.reconcile()
    assert parsed.quarantine.height == 0
    assert parsed.rows["body"].to_list() == [bodies[0], bodies[1], s2, bodies[3]]
    assert parsed.rows["headline"].to_list() == [headline or None for headline in headlines]  # \N is NULL
    assert parsed.rows["_source_line"].to_list() == [2, 3, 4, 5]
    assert parsed.notes["backslash_escapes"].startswith("MySQL's: \\0 (a NUL), \\b, \\n, \\r, \\t, \\Z")
    assert parsed.notes["escaped_nul_removed_lines"] == [4]
    assert parsed.notes["quotes_escaped_with_backslash"] == 1


def test_a_csv_that_escapes_only_quotes_keeps_its_other_backslashes(tmp_path, three_sentences):
    """Spark writes a quote inside a field `\\"` and leaves a backslash as it is: `C:\\data\\new` is
    a path, not `C:` and a line break. A backslash before a character MySQL would have escaped
    tells the file so: only `\\"` and `\\\\` are escapes there (as in loan tapes); the csv module
    had dropped every backslash (`C:datanew`)."""
    (s0, l0), (s1, l1), _ = three_sentences
    path = tmp_path / "part-00000.csv"
    path.write_text("id,headline,body,label\n"
                    f'sp-1,"Gran: \\"no plans\\"","{s0}",{l0}\n'
                    f'sp-2,"Technopolis","{s1} (C:\\data\\new)",{l1}\n', encoding="utf-8")
    parsed = parse_news_file(path)
    assert parsed.quarantine.height == 0
    assert parsed.rows["headline"].to_list() == ['Gran: "no plans"', "Technopolis"]
    assert parsed.rows["body"].to_list() == [s0, f"{s1} (C:\\data\\new)"]
    assert parsed.notes["backslash_escapes"] == (
        "before a quote or a backslash only: line 3 has a backslash before another character, which MySQL "
        "would have escaped; such a backslash is text")


def test_a_mysql_outfile_export_reads_a_tab_and_a_line_break_after_a_backslash(tmp_path, three_sentences):
    """`SELECT ... INTO OUTFILE` by default writes tabs between fields, `\\N` for NULL and a tab or
    line break inside a value after a backslash, read as PostgreSQL's COPY text format. The tab
    split the value, and the line break the record: a fragment loaded as an article of its own."""
    (s0, l0), (s1, l1), (s2, l2) = three_sentences
    lines = ["id\theadline\tbody\tlabel",
             f"o-1\t\\N\t{s0}\\\t(Q2)\t{l0}",
             f"o-2\tTechnopolis\t{s1}\\",
             f"{s2}\t{l1}",
             f"o-3\tElcoteq\t{s2}\\0\t{l2}",
             f"o-4\tC:\\\\\\\tQ2\\\\\tFY\t{l2}",  # a backslash before a tab, a backslash, and the separator
             f"o-5\tElcoteq\\\tOyj\t{s2}\tone field too many\t{l2}"]
    path = tmp_path / "outfile.tsv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    parsed = parse_news_file(path)
    parsed.reconcile()
    assert parsed.rows.select("doc_id", "headline", "body", "_source_line").rows() == [
        ("o-1", None, f"{s0}\t(Q2)", 2), ("o-2", "Technopolis", f"{s1}\n{s2}", 3), ("o-3", "Elcoteq", s2, 5),
        ("o-4", "C:\\\tQ2\\", "FY", 6)]
    assert parsed.rows["label"].to_list() == [l0, l1, l2, l2]
    # a record of the wrong field count is shown as the file holds it
    assert parsed.quarantine.select("line", "rule", "raw_value").rows() == [(7, "wrong_field_count", lines[6])]
    assert parsed.notes["escaped_nul_removed_lines"] == [5]
    assert "a backslash before a tab or a line break, as MySQL writes them" in parsed.notes["copy_text_format"]


def test_backslashes_in_a_csv_that_does_not_escape_with_them_are_text(tmp_path, three_sentences):
    """`C:\\new` and `\\t` in an ordinary CSV, or a TSV without `\\N`, are the characters written."""
    (s0, label), *_ = three_sentences
    for name, line in (("plain.csv", f'id,headline,body,label\nn-1,"C:\\new\\tab","{s0}",{label}\n'),
                       ("plain.tsv", f"id\theadline\tbody\tlabel\nn-1\tC:\\new\\tab\t{s0}\t{label}\n")):
        path = tmp_path / name
        path.write_text(line, encoding="utf-8")
        parsed = parse_news_file(path)
        assert parsed.rows.select("headline", "body").rows() == [("C:\\new\\tab", s0)]
        assert not {"backslash_escapes", "copy_text_format"} & parsed.notes.keys()


def test_an_escaped_articles_content_id_is_that_of_the_article_written_plainly(tmp_path, three_sentences):
    """An article without a link gets an id from its text (`content:`): an article whose text holds
    no escape keeps the id it had, and one whose `\\n` is now a line break gets the id of the same
    article from a CSV that quotes its line break, so a repeat across the two is caught."""
    (s0, l0), (s1, l1), _ = three_sentences
    headline, body = 'Gran: "no plans"', f"{s0}\n{s1}"
    escaped = tmp_path / "escaped" / "wire.csv"
    plain = tmp_path / "plain" / "wire.csv"
    escaped.parent.mkdir(), plain.parent.mkdir()
    escaped.write_text(f'url,headline,body,label\n,"{_mysql_escaped(headline)}","{s1}",{l1}\n'
                       f',"{_mysql_escaped(headline)}","{_mysql_escaped(body)}",{l0}\n', encoding="utf-8")
    with plain.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(
            [["url", "headline", "body", "label"], ["", headline, s1, l1], ["", headline, body, l0]])
    ids = [parse_news_file(path).rows["doc_id"].to_list() for path in (escaped, plain)]
    assert ids[0] == ids[1] and all(doc_id.startswith("content:") for doc_id in ids[0])
    assert parse_news_file(escaped).rows["body"].to_list() == [s1, body]


def test_a_csv_of_messages_reads_subject_as_headline_and_message_as_body(tmp_path, phrasebank_txt):
    """An e-mail client's or ticket system's CSV export (Date, From, Subject, Message): the subject
    is the headline and the message the body, not a file refused for naming neither; a column
    named `Error Message` or `Status Message` is never the body."""
    texts = phrasebank_txt.rows["text_raw"].to_list()[:2]
    path = tmp_path / "inbox.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["Date", "From", "Subject", "Message", "Error Message", "Status Message"])
        writer.writerows([["2024-05-02 09:30", "desk@bank.example", "Nordic wrap", texts[0], "", "OK"],
                          ["2024-05-03 10:00", "desk@bank.example", "Morning call", texts[1], "attachment too large", "OK"]])
    parsed = parse_news_file(path)
    assert parsed.quarantine.height == 0 and {"Error Message", "Status Message"} <= set(parsed.notes["ignored_columns"])
    assert "body_fallback" not in parsed.notes["columns"]
    assert parsed.rows.select("headline", "text_raw", "text_field", "published_at").rows() == [
        ("Nordic wrap", texts[0], "body", datetime(2024, 5, 2, 9, 30)),
        ("Morning call", texts[1], "body", datetime(2024, 5, 3, 10, 0))]


_FAILED_EXPORT = ("and no article: a failed export, or a copy cut before its first record? Land it again once it "
                  "holds its articles (or remove it from landing)")


@pytest.mark.parametrize(("name", "content", "holds"), [
    ("news_header_only.csv", b"id,headline,body,published_at,source,label\n", "its header"),
    ("news_header_only.tsv", b"id\theadline\tbody\tpublished_at\r\n\r\n\r\n",
     "its header and 2 line(s) that are no record (notes, markers, footers, blank lines)"),
    ("phrasebank.csv", b"\xef\xbb\xbfY,Notices\r\n", "its header"),
    ("news_empty_list.json", b"[]", "an empty JSON list"),
    ("news_empty_page.json", b'{"status": "ok", "articles": []}', "an empty list of articles (articles)"),
    ("feed.xml", b'<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title></channel></rss>',
     "a feed without an <item> element"),
])
def test_a_news_file_without_articles_is_refused_as_a_failed_export(tmp_path, name, content, holds):
    """A header and no record, an empty list: landed as 0 rows it would pass unnoticed, as a loan
    tape with its header and no loan would."""
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(FileRefused) as refused:
        parse_news_file(path)
    assert str(refused.value) == f"{path}: the file holds {holds} {_FAILED_EXPORT}"


@pytest.mark.parametrize(("page", "stated"), [
    ({"status": "ok", "totalResults": 0, "articles": []}, "totalResults: 0"),
    ({"page": 1, "total": 0, "results": []}, "total: 0"),
])
def test_a_page_that_states_it_found_no_article_lands_empty(tmp_path, page, stated):
    """A quiet day's API page says so in its count: nothing was lost, so it lands with no row."""
    path = tmp_path / "quiet_day.json"
    path.write_text(json.dumps(page))
    parsed = parse_news_file(path)
    assert (parsed.data_records, parsed.rows.height, parsed.notes["articles_stated"]) == (0, 0, stated)


def test_a_timestamp_no_reader_reads_is_said_in_plain_words_with_its_value(tmp_path):
    """Never a library's text ('offset must be a timedelta...', 'Unknown string format')."""
    path = tmp_path / "news_timestamps.csv"
    path.write_text("id,headline,body,published_at,source,label\n"
                    "n7-10,Headline ts 10,Body ts 10,2024-05-02T09:00:00+25:00,Desk,neutral\n"
                    "n7-11,Headline ts 11,Body ts 11,2024-W18-4,Desk,neutral\n"
                    "n7-12,Headline ts 12,Body ts 12,2024-123,Desk,neutral\n")
    messages = parse_news_file(path).quarantine.sort("line")["message"].to_list()
    assert messages[0] == (f"{path}: line 2: column 'published_at': '2024-05-02T09:00:00+25:00': a UTC offset +25:00 "
                           "is outside -24:00..+24:00, so no clock on Earth reads it; the offset is mistyped (+02:00 "
                           "for +25:00?): correct it at the source")
    assert messages[-1].startswith(f"{path}: line 4: column 'published_at': '2024-123' is an ISO 8601 ordinal date "
                                   "(year and day of the year), which this reader does not read: write the calendar "
                                   "date, as ISO 8601 (2024-05-02T09:00:00+02:00), RFC 2822")
    assert not any("timedelta" in m or "Unknown string format" in m for m in messages)
