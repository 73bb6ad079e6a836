"""One loan (or article) whatever invisible marks or digit grouping its id was delivered with. A
right-to-left Excel, a copy out of mail or chat, or a number format applied to the id column
changes how an id is written, not which loan it is: written another way and keyed as written, the
loan would be two loans, counted twice, its later outcome attached to only one of them."""

from __future__ import annotations

import csv
import gzip
from itertools import islice
from pathlib import Path

import pytest

from risk_assets.lib.ingest import csv_text
from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.ingest.news_formats import parse_news_file

RLM, LRM, SHY = "\u200f", "\u200e", "\u00ad"


@pytest.fixture
def sba_rows(data_dir) -> list[list[str]]:
    """The header and the first 8 loans of the real SBA national file."""
    with gzip.open(data_dir / "loans" / "sba_national.csv.gz", "rt", encoding="utf-8", newline="") as handle:
        return list(islice(csv.reader(handle), 9))


def _write(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def _keys(parsed) -> list[str]:
    return parsed.rows.sort("_source_line").get_column("loan_key").to_list()


def test_bidirectional_marks_around_an_sba_id_leave_the_loan_key_alone(sba_rows, tmp_path):
    """RLM before the id (an Arabic- or Hebrew-locale Excel), LRM after it, an isolate pair and an
    embedding around it: the same eight loan keys as the clean file; a soft hyphen inside an id
    quarantines that loan (`invisible_character`), naming the column."""
    clean = parse_loan_file(_write(tmp_path / "sba_clean.csv", sba_rows))
    marked = [row[:] for row in sba_rows]
    marks = [(RLM, ""), ("", LRM), ("\u2066", "\u2069"), ("\u202b", "\u202c"), ("\u061c", ""), ("\ufeff", "\u200b")]
    for row, (before, after) in zip(marked[1:], marks):
        row[0] = f"{before}{row[0]}{after}"
    marked[7][0] = marked[7][0][:4] + SHY + marked[7][0][4:]
    marked[8][3] = f"{RLM}{marked[8][3]}"  # the borrower's state, a text column: as written
    parsed = parse_loan_file(_write(tmp_path / "sba_marked.csv", marked))
    parsed.reconcile()
    assert _keys(parsed) == _keys(clean)[:6] + _keys(clean)[7:]
    assert parsed.quarantine.select("line", "column_name", "rule").rows() == [(8, "LoanNr_ChkDgt", "invisible_character")]
    assert parsed.rows.sort("_source_line").get_column("addr_state").to_list()[-1] == sba_rows[8][3]


@pytest.mark.parametrize(("written", "unwrapped"), [
    ("1,000,014,003", "1000014003"),
    ("1,000,014,003.00", "1000014003"),
    ("1.000.014.003", "1000014003"),          # German, Dutch, Italian, Spanish grouping
    ("1.000.014.003,00", "1000014003"),       # ... with a currency format's decimals
    ("14.003,00", "14003"),                   # one group: the decimal comma tells
    ("1 000 084 002", "1000084002"),          # a space
    ("1\u00a0000\u00a0084\u00a0002", "1000084002"),   # French: a no-break space
    ("1\u202f000\u202f084\u202f002", "1000084002"),   # ... a narrow no-break space
    ("1'000'146'010", "1000146010"),          # Swiss
    ("1\u2019000\u2019146\u2019010", "1000146010"),
    ("1077501.0", "1077501"),
    ("1.000", "1"),                           # one '.' group: a float's one, not a thousand
    ("1.000.14", "1.000.14"),                 # not grouping in threes: an id of its own
    ("1,000.014.003", "1,000.014.003"),       # two separators mixed: as written
    ("LN-1.000.014", "LN-1.000.014"),
])
def test_an_id_written_with_a_locales_digit_grouping_is_unwrapped(written, unwrapped):
    assert csv_text.unwrap_id(written) == unwrapped


def test_a_tape_whose_ids_were_grouped_by_a_european_number_format_keys_the_same_loans(sba_rows, tmp_path):
    """An SBA tape re-saved from a German, French or Swiss spreadsheet with a number format on the
    id column: the same loan keys as the clean file, each unwrapping counted."""
    clean = parse_loan_file(_write(tmp_path / "sba_clean.csv", sba_rows))
    grouped = [row[:] for row in sba_rows]
    separators = [".", "\u00a0", "'", "\u202f", ".", " ", "\u2019", "."]
    for row, sep in zip(grouped[1:], separators):
        digits = row[0]
        head = len(digits) % 3 or 3
        row[0] = sep.join([digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)])
    assert grouped[1][0] == "1.000.014.003" and grouped[2][0] == "1\u00a0000\u00a0024\u00a0006"
    parsed = parse_loan_file(_write(tmp_path / "sba_grouped.csv", grouped))
    parsed.reconcile()
    assert parsed.quarantine.height == 0
    assert _keys(parsed) == _keys(clean)
    assert parsed.notes["source_loan_id_unwrapped"] == 8


def test_news_ids_and_labels_with_invisible_marks_are_the_articles_and_labels_they_name(data_dir, tmp_path):
    """An article id delivered with an RLM, LRM or isolates is the same article (so a later copy
    is caught as `duplicate_doc_id`), and a PhraseBank label with a zero-width space after it is
    that label, not `unknown_label`."""
    with open(data_dir / "news" / "financial_phrasebank_50agree.txt", encoding="utf-8-sig") as handle:
        sentences = [line.rstrip("\r\n").rsplit("@", 1) for line in islice(handle, 4)]
    rows = [["id", "source", "headline", "label"]]
    marked_ids = [f"{RLM}REU-1000", f"REU-1001{LRM}", "\u2066REU-1002\u2069", "REU-1003"]
    rows += [[doc_id, "reuters", text, label] for doc_id, (text, label) in zip(marked_ids, sentences)]
    rows += [["REU-1000", "reuters", sentences[0][0], sentences[0][1]]]  # the clean id again
    parsed = parse_news_file(_write(tmp_path / "reuters.csv", rows))
    parsed.reconcile()
    assert parsed.rows.get_column("doc_id").to_list() == ["reuters:REU-1000", "reuters:REU-1001", "reuters:REU-1002",
                                                         "reuters:REU-1003"]
    assert parsed.quarantine.select("line", "rule").rows() == [(6, "duplicate_doc_id")]

    phrasebank = tmp_path / "phrasebank_pasted.txt"
    phrasebank.write_text("".join(f"{text}@{label}\u200b\n" for text, label in sentences), encoding="utf-8")
    labelled = parse_news_file(phrasebank)
    labelled.reconcile()
    assert labelled.quarantine.height == 0
    assert labelled.rows.get_column("label").to_list() == [label for _, label in sentences]


def test_a_quarantine_message_shows_the_invisible_character_that_failed_the_value(data_dir, tmp_path):
    """`1\\u200b0000` printed as it is reads '10000' in any viewer: the message writes the escape."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8", newline="") as handle:
        rows = list(islice(csv.reader(handle), 3))
    rows[1][0] = "5\u200b000"
    parsed = parse_loan_file(_write(tmp_path / "lc_pasted.csv", rows))
    (message,) = parsed.quarantine.get_column("message").to_list()
    assert message.startswith("column loan_amnt: '5\\u200b000' is not a number")


def test_a_decimal_comma_tape_reads_one_dot_group_in_an_id_as_thousands(tmp_path, sba_rows):
    """A German bank's export whose mapping declares '.' thousands and a decimal comma writes ids
    7000 and 14003 as `7.000` and `14.003`: there `.000` is no float's decimals, so 7.000 is loan
    7000, never loan 7 (another loan's key); `7000,00` is a float's 7000. A tape of the default
    dialect keeps reading `7.000` as a float's 7."""
    import json

    ids = ["7.000", "14.003", "1.000.000", "25", "7000,00", "120.000"]
    rows = [["konto", "betrag", "laufzeit", "status"]] + [[i, "5.000,00", "36", "P I F"] for i in ids]
    tape = tmp_path / "bank_de.csv"
    tape.write_text("\n".join(";".join(row) for row in rows) + "\n", encoding="utf-8")
    mapping = {"name": "bank_de", "dialect": {"delimiter": ";", "decimal": ",", "thousands": "."},
               "columns": {"konto": {"to": "source_loan_id"}, "betrag": {"to": "loan_amount", "type": "money"},
                           "laufzeit": {"to": "term_months"}, "status": {"to": "loan_status"}},
               "status_map": {"P I F": 0}}
    (tmp_path / "bank_de.csv.mapping.json").write_text(json.dumps(mapping), encoding="utf-8")
    parsed = parse_loan_file(tape)
    parsed.reconcile()
    assert parsed.rows.get_column("source_loan_id").to_list() == ["7000", "14003", "1000000", "25", "7000", "120000"]
    assert parsed.rows.get_column("loan_amount").to_list() == [5000.0] * 6
    assert csv_text.unwrap_id("7.000") == "7"  # the default dialect: a float's decimals


def test_a_french_tape_never_reads_a_comma_in_an_id_as_grouping(tmp_path):
    """With a decimal comma and a space for thousands (French, Nordic), `7,000` is seven (a float's
    decimals), `7 000` seven thousand: the comma is never grouping there."""
    import json

    ids = ["7,000", "7\u202f000", "25,0", "1\u202f077\u202f502", "7"]
    tape = tmp_path / "banque.csv"
    tape.write_text("compte;montant\n" + "".join(f"{i};5000\n" for i in ids), encoding="utf-8")
    mapping = {"name": "banque", "dialect": {"delimiter": ";", "decimal": ",", "thousands": " "},
               "columns": {"compte": {"to": "source_loan_id"}, "montant": {"to": "loan_amount", "type": "money"}}}
    (tmp_path / "banque.csv.mapping.json").write_text(json.dumps(mapping), encoding="utf-8")
    parsed = parse_loan_file(tape)
    assert parsed.rows.get_column("source_loan_id").to_list() == ["7", "7000", "25", "1077502", "7"]
