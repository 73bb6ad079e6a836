"""A feed's day/month order is read from the file's own publication times: `01/02/2011` is
1 February in a file that also writes `13/02/2011`, 2 January in one that writes `02/13/2011`, and
stays quarantined where the file writes both (`date_order_evidence`)."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

from risk_assets.lib.ingest.news_formats import parse_news_file

HEADER = ["headline", "body", "published"]


def _feed(path, rows: list[list[str]], header: list[str] = HEADER, delimiter: str = ",",
          encoding: str = "utf-8", newline: str = "\n"):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def _loaded(parsed) -> list[tuple[str, datetime]]:
    return parsed.rows.select("text_raw", "published_at").rows()


def test_a_day_first_value_elsewhere_in_the_file_settles_the_ambiguous_ones(tmp_path):
    """A desk's feed writes `13/02/2011 10:00` on line 4, so `01/02/2011 10:00` on line 3 is
    1 February, not refused as 'could be swapped'; ISO times and dates in words keep their reading,
    and a day no calendar has is still quarantined. The notes say which order was taken and why."""
    feed = _feed(tmp_path / "desk_feed.csv", [
        ["Bank posts record profit", "Müller AG reported earnings up 20%", "2011-01-31T23:30:00+09:00"],
        ["Lender cuts outlook", "Shares fell 5%, analysts said", "01/02/2011 10:00"],
        ["Fed holds rates", "Policy unchanged at the February meeting", "13/02/2011 10:00"],
        ["Credit spreads widen", "High-yield under pressure", "2011-02-30 09:00"],
        ["Insurer raises dividend", "The board proposed a higher payout", "Feb 3, 2011 08:15 GMT"],
        ["Mortgage rates rise", "Fixed rates rose for the third week", "05/03/2011 07:45"],
        ["Regulator fines broker", "The fine follows a two-year probe", "28/02/2011"]])

    parsed = parse_news_file(feed)

    parsed.reconcile()
    assert _loaded(parsed) == [
        ("Müller AG reported earnings up 20%", datetime(2011, 1, 31, 14, 30)),
        ("Shares fell 5%, analysts said", datetime(2011, 2, 1, 10, 0)),
        ("Policy unchanged at the February meeting", datetime(2011, 2, 13, 10, 0)),
        ("The board proposed a higher payout", datetime(2011, 2, 3, 8, 15)),
        ("Fixed rates rose for the third week", datetime(2011, 3, 5, 7, 45)),
        ("The fine follows a two-year probe", datetime(2011, 2, 28))]
    assert parsed.quarantine.select("line", "rule", "raw_value").rows() == [
        (5, "unparsable_timestamp", "2011-02-30 09:00")]
    assert parsed.notes["published_at_date_order"] == (
        "day first: 2 values read only so (lines 4, 8), none only month first")
    assert parsed.notes["published_at_date_order_lines"] == [3, 7]


def test_a_month_first_file_reads_its_ambiguous_dates_month_first(tmp_path):
    """A US wire writes `02/13/2011 4:05 PM EST`: its `03/04/2011 9:30 AM EST` is 4 March."""
    feed = _feed(tmp_path / "us_wire.csv", [
        ["Bank beats estimates", "Quarterly profit rose on trading", "02/13/2011 4:05 PM EST"],
        ["Card losses fall", "Charge-offs dropped for a fifth quarter", "03/04/2011 9:30 AM EST"],
        ["Lender settles suit", "The settlement ends a long dispute", "03/21/2011 11:00 AM EST"]])

    parsed = parse_news_file(feed)

    assert _loaded(parsed) == [
        ("Quarterly profit rose on trading", datetime(2011, 2, 13, 21, 5)),
        ("Charge-offs dropped for a fifth quarter", datetime(2011, 3, 4, 14, 30)),
        ("The settlement ends a long dispute", datetime(2011, 3, 21, 16, 0))]
    assert parsed.quarantine.is_empty()
    assert parsed.notes["published_at_date_order"] == (
        "month first: 2 values read only so (lines 2, 4), none only day first")
    assert parsed.notes["published_at_date_order_lines"] == [3]


def test_dotted_dates_are_day_first_by_convention(tmp_path):
    """A UTF-16 tab-separated export writes `31.01.2011` and `01.02.2011`: the second was
    quarantined while the first loaded. Dotted dates are day first in every locale that writes them;
    so are those of a file none of whose dates reads only one way (`03.04.2011`)."""
    text = "\ufeffheadline\tbody\tdate\tsource\r\n" \
           "Κέρδη τράπεζας\tΤα κέρδη αυξήθηκαν\t31.01.2011\tERT\r\n" \
           "銀行の利益\t利益が増加した\t01.02.2011\tNHK\r\n"
    feed = tmp_path / "feed_utf16.csv"
    feed.write_bytes(text.encode("utf-16-le"))

    parsed = parse_news_file(feed)

    assert _loaded(parsed) == [("Τα κέρδη αυξήθηκαν", datetime(2011, 1, 31)), ("利益が増加した", datetime(2011, 2, 1))]
    assert parsed.quarantine.is_empty()
    assert parsed.notes["published_at_date_order"] == (
        "day first: 1 value reads only so (line 2), dotted dates (line 3), day first by the convention of every "
        "locale that writes them, none only month first")

    alone = parse_news_file(_feed(tmp_path / "de_only_dotted.csv", [
        ["Zinsen steigen", "Die Bank erhöht die Zinsen", "03.04.2011 09:00"],
        ["Gewinn sinkt", "Der Gewinn ging zurück", "01.02.2011"]], delimiter=";"))
    assert _loaded(alone) == [("Die Bank erhöht die Zinsen", datetime(2011, 4, 3, 9, 0)),
                              ("Der Gewinn ging zurück", datetime(2011, 2, 1))]
    assert alone.notes["published_at_date_order"] == (
        "day first: dotted dates (lines 2, 3), day first by the convention of every locale that writes them, "
        "none only month first")


def test_a_file_that_writes_both_orders_keeps_its_ambiguous_dates_quarantined(tmp_path):
    """UK rows joined to US rows: `13/02/2011` reads only day first, `02/14/2011` only month first,
    so whether `01/03/2011` is 1 March or 3 January cannot be told; it stays quarantined, the
    message and the notes saying the file shows both orders."""
    feed = _feed(tmp_path / "joined.csv", [
        ["UK bank raises capital", "The rights issue was fully taken up", "13/02/2011 10:00"],
        ["US lender cuts jobs", "The cuts hit the mortgage unit", "02/14/2011 10:00"],
        ["Bond yields climb", "Gilts and Treasuries sold off", "01/03/2011 10:00"]])

    parsed = parse_news_file(feed)

    assert _loaded(parsed) == [("The rights issue was fully taken up", datetime(2011, 2, 13, 10, 0)),
                               ("The cuts hit the mortgage unit", datetime(2011, 2, 14, 10, 0))]
    assert parsed.quarantine.select("line", "rule", "raw_value").rows() == [
        (4, "unparsable_timestamp", "01/03/2011 10:00")]
    assert parsed.quarantine["message"][0] == (
        f"{feed}: line 4: column 'published': day and month could be swapped in '01/03/2011', and the file's other "
        "dates show both orders (1 value reads only day first (line 2), but 1 value reads only month first "
        "(line 3)); write ISO 8601, or declare the file's date order in news settings (date_order DMY or MDY): "
        "'01/03/2011 10:00'")
    assert parsed.notes["published_at_date_order"] == (
        "both orders: 1 value reads only day first (line 2), but 1 value reads only month first (line 3); the "
        "values whose day and month could be swapped are quarantined")
    assert "published_at_date_order_lines" not in parsed.notes


def test_nothing_to_tell_the_order_by_keeps_the_dates_quarantined(tmp_path):
    """A file whose slashed dates all read both ways shows no order: they stay quarantined, and a
    dotted date's convention does not reach a slashed one."""
    feed = _feed(tmp_path / "no_order.csv", [
        ["Bank posts profit", "Profit rose on fees", "01/02/2011 10:00"],
        ["Lender cuts outlook", "The outlook was cut", "03/04/2011"],
        ["Zinsen steigen", "Die Bank erhöht die Zinsen", "2011-02-05"]])

    parsed = parse_news_file(feed)

    assert _loaded(parsed) == [("Die Bank erhöht die Zinsen", datetime(2011, 2, 5))]
    assert parsed.quarantine.select("line", "rule").rows() == [(2, "unparsable_timestamp"), (3, "unparsable_timestamp")]
    assert parsed.quarantine["message"][0].endswith(
        "day and month could be swapped in '01/02/2011'; write ISO 8601, or declare the file's date order in news "
        "settings (date_order DMY or MDY): '01/02/2011 10:00'")
    assert parsed.notes["published_at_date_order"] == (
        "no order shown: 2 value(s) whose day and month could be swapped (lines 2, 3), none that reads only one "
        "way; the values whose day and month could be swapped are quarantined")

    mixed = parse_news_file(_feed(tmp_path / "mixed.csv", [
        ["Gewinn sinkt", "Der Gewinn ging zurück", "01.02.2011"],
        ["Lender cuts outlook", "The outlook was cut", "03/04/2011"]]))
    assert _loaded(mixed) == [("Der Gewinn ging zurück", datetime(2011, 2, 1))]
    assert mixed.quarantine.select("line", "raw_value").rows() == [(3, "03/04/2011")]


def test_a_declared_date_order_outranks_the_files_evidence(tmp_path):
    """News settings that declare `date_order: MDY` decide: `01/02/2011` is 2 January even beside
    `13/02/2011`, which is quarantined as no month-first date; no evidence is noted."""
    feed = _feed(tmp_path / "desk.csv", [
        ["Lender cuts outlook", "Shares fell 5%, analysts said", "01/02/2011 10:00"],
        ["Fed holds rates", "Policy unchanged", "13/02/2011 10:00"]])
    (tmp_path / "desk.csv.mapping.json").write_text(json.dumps({"name": "desk", "date_order": "MDY"}))

    parsed = parse_news_file(feed)

    assert _loaded(parsed) == [("Shares fell 5%, analysts said", datetime(2011, 1, 2, 10, 0))]
    assert parsed.quarantine.select("line", "raw_value").rows() == [(3, "13/02/2011 10:00")]
    assert "published_at_date_order" not in parsed.notes


def test_json_lines_and_workbooks_weigh_their_dates_too(tmp_path):
    """The evidence is the file's, whatever its format: a JSON Lines feed and a workbook whose date
    column is text read `01/02/2011` as the file's `13/02/2011` shows, lines as the quarantine names
    them."""
    from openpyxl import Workbook

    lines = [{"id": "a1", "title": "Lender cuts outlook", "body": "Shares fell 5%", "published": "01/02/2011 10:00"},
             {"id": "a2", "title": "Fed holds rates", "body": "Policy unchanged", "published": "13/02/2011 10:00"}]
    feed = tmp_path / "feed.jsonl"
    feed.write_text("".join(json.dumps(line) + "\n" for line in lines))
    parsed = parse_news_file(feed)
    assert parsed.rows.select("doc_id", "published_at").rows() == [
        ("a1", datetime(2011, 2, 1, 10, 0)), ("a2", datetime(2011, 2, 13, 10, 0))]
    assert parsed.notes["published_at_date_order"] == (
        "day first: 1 value reads only so (line 2), none only month first")
    assert parsed.notes["published_at_date_order_lines"] == [1]

    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["Lender cuts outlook", "Shares fell 5%, analysts said", "01/02/2011 10:00"])
    sheet.append(["Fed holds rates", "Policy unchanged", "13/02/2011 10:00"])
    book.save(tmp_path / "desk.xlsx")
    workbook = parse_news_file(tmp_path / "desk.xlsx")
    assert _loaded(workbook) == [("Shares fell 5%, analysts said", datetime(2011, 2, 1, 10, 0)),
                                 ("Policy unchanged", datetime(2011, 2, 13, 10, 0))]
    assert workbook.notes["published_at_date_order_lines"] == [2]
