"""Landing: manifest, duplicates, lineage, quarantine, per-file isolation, reconcile."""

from __future__ import annotations

import csv
import json
import multiprocessing
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import duckdb

from risk_assets.lib.lake import connect


def test_f01_two_files_land(land_cases, risk_home):
    report = land_cases("F01_loans_2024-01.csv", "F01_loans_2024-02.csv")
    assert [f.outcome for f in report.files] == ["loaded", "loaded"] and report.rows_loaded == 24
    with connect(risk_home.lake_path, read_only=True) as con:
        assert con.execute("SELECT count(DISTINCT loan_key) FROM raw.loans").fetchone()[0] == 24
        lineage = con.execute("SELECT _source_line, _file_sha256, _run_id, _source_file FROM raw.loans "
                              "WHERE source_loan_id = '1100'").fetchone()
    assert lineage[0] == 2 and len(lineage[1]) == 64 and lineage[2] == "run-1" and lineage[3].endswith("F01_loans_2024-02.csv")


def test_each_new_file_is_announced_before_it_is_read_once_read_and_when_it_is_landed(land_cases, cases_dir):
    lines: list[str] = []
    land_cases("F03_loans_2024-03 (1).csv", "F03_loans_2024-03.csv", progress=lines.append)
    size_mb = (cases_dir / "F03_loans_2024-03.csv").stat().st_size / 1e6
    # the copy with the same bytes is a duplicate: it is not read, so it is not announced
    assert len(lines) == 3 and lines[0].startswith(f"F03_loans_2024-03.csv: reading {size_mb:.1f} MB (sha256 ")
    assert lines[1].startswith("F03_loans_2024-03.csv: read in ")
    assert lines[1].endswith("(10 rows to load, 0 to quarantine at landing); writing them to the lake")
    assert lines[2].startswith("F03_loans_2024-03.csv: loaded in ") and lines[2].endswith("(loaded 10, quarantined 0 at landing)")


def test_f03_same_bytes_twice_load_once(land_cases, risk_home, cases_dir):
    report = land_cases("F03_loans_2024-03 (1).csv", "F03_loans_2024-03.csv")
    outcomes = {f.path.rsplit("/", 1)[-1]: f for f in report.files}
    assert outcomes["F03_loans_2024-03.csv"].outcome == "loaded"
    copy = outcomes["F03_loans_2024-03 (1).csv"]
    assert copy.outcome == "duplicate" and copy.duplicate_of.endswith("F03_loans_2024-03.csv")
    # a later run with the same bytes under a third name loads nothing either
    shutil.copyfile(cases_dir / "F03_loans_2024-03.csv", risk_home.landing_loans / "march_again.csv")
    again = land_cases(run_id="run-2")
    assert [(f.outcome, f.rows_loaded) for f in again.files] == [("duplicate", 0)]
    with connect(risk_home.lake_path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.loans").fetchone()[0] == 10
        assert con.execute("SELECT count(*) FROM raw.landed_files").fetchone()[0] == 1
        events = con.execute("SELECT outcome, count(*) FROM raw.landing_events GROUP BY 1 ORDER BY 1").fetchall()
    assert events == [("duplicate", 2), ("loaded", 1)]
    assert land_cases(run_id="run-3").files == []  # nothing new: idempotent


def test_refused_file_does_not_stop_the_batch(land_cases, risk_home):
    (risk_home.landing_loans / "notes.txt").write_text("just some notes\n")
    report = land_cases("F06_lc_formatted_strings.csv", "F09_european_semicolon_cp1252.csv")
    outcomes = {f.path.rsplit("/", 1)[-1]: f for f in report.files}
    assert outcomes["notes.txt"].outcome == "refused" and "notes.txt: no known loan tape format" in outcomes["notes.txt"].message
    assert outcomes["F06_lc_formatted_strings.csv"].rows_loaded == 6
    with connect(risk_home.lake_path, read_only=True) as con:
        manifest = con.execute("SELECT path, status, rows_in_file, rows_loaded, rows_quarantined, non_data_lines "
                               "FROM raw.landed_files ORDER BY path").fetchall()
        quarantine = con.execute("SELECT line, column_name, rule, raw_value FROM quality.quarantine "
                                 "WHERE source_file LIKE '%F06%' ORDER BY line").fetchall()
    statuses = {p.rsplit("/", 1)[-1]: row for p, *row in manifest}
    assert statuses["F06_lc_formatted_strings.csv"] == ["loaded", 8, 6, 2, 0]
    assert statuses["F09_european_semicolon_cp1252.csv"] == ["loaded", 5, 4, 1, 0]
    assert statuses["notes.txt"][0] == "refused"
    assert quarantine == [(9, "issue_d", "unparsable_date", "2011-10"), (10, "issue_d", "unparsable_date", "Oct-11")]


def test_f05_manifest_reconciles_with_non_data_lines(land_cases, risk_home):
    land_cases("F05_loanstats_with_note_lines.csv")
    with connect(risk_home.lake_path, read_only=True) as con:
        row = con.execute("SELECT rows_in_file, rows_loaded, rows_quarantined, non_data_lines FROM raw.landed_files").fetchone()
        notes = json.loads(con.execute("SELECT notes FROM raw.landed_files").fetchone()[0])
    assert row == (16, 9, 0, 7)
    # what the reader noticed is kept with the file: the footer's stated totals were checked
    assert notes["emp_length_na"] == 1
    assert notes["footer_totals"]["policy code 2"] == {"line": 17, "stated": 7000.0, "loaded": 7000.0, "matches": True}


def test_manifest_notes_keep_counts_and_the_first_lines_only():
    from risk_assets.lib.ingest.landing import NOTE_LINES_SHOWN, summarise_notes

    notes = {"published_at_assumed_utc_lines": list(range(2, 1002)), "doc_id_unwrapped_lines": [5],
             "ignored_columns": [], "source_loan_id_unwrapped": 0, "delimiter": ","}
    assert summarise_notes(notes) == {
        "published_at_assumed_utc_lines": {"count": 1000, "first": list(range(2, 2 + NOTE_LINES_SHOWN))},
        "doc_id_unwrapped_lines": [5], "delimiter": ","}


def test_reconcile_mismatch_fails_the_file_and_the_run(risk_home, cases_dir):
    import pytest

    from risk_assets.lib.ingest.landing import LandingFailed, land_folder
    from risk_assets.lib.ingest.loan_formats import parse_loan_file

    shutil.copyfile(cases_dir / "F01_loans_2024-01.csv", risk_home.landing_loans / "a.csv")
    shutil.copyfile(cases_dir / "F01_loans_2024-02.csv", risk_home.landing_loans / "b.csv")

    def losing_parse(path):
        parsed = parse_loan_file(path)
        if path.name == "a.csv":
            parsed.rows = parsed.rows.head(5)  # a parser that drops rows silently
        return parsed

    with connect(risk_home.lake_path) as con:
        with pytest.raises(LandingFailed, match=r"a.csv: reconcile failed .*12 records in file, 5 loaded"):
            land_folder(con, risk_home.landing_loans, "loans", losing_parse, "run-x", asset="raw_loans")
        assert con.execute("SELECT status FROM raw.landed_files WHERE path LIKE '%a.csv'").fetchone()[0] == "failed"
        assert con.execute("SELECT count(*) FROM raw.loans").fetchone()[0] == 12  # b.csv only


def _land_one(lake: str, folder: str, run_id: str) -> int:
    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.loan_formats import parse_loan_file

    with connect(lake) as con:
        return land_folder(con, Path(folder), "loans", parse_loan_file, run_id, asset="raw_loans").rows_loaded


def test_f01_two_writers_at_once(risk_home, cases_dir):
    """Two processes land a file each into the same lake at the same moment: the second waits for
    DuckDB's write lock instead of failing with 'Could not set lock on file'."""
    folders = []
    for name in ("F01_loans_2024-01.csv", "F01_loans_2024-02.csv"):
        folder = risk_home.root / f"drop_{name[:-4]}"
        folder.mkdir()
        shutil.copyfile(cases_dir / name, folder / name)
        folders.append(str(folder))
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        loaded = list(pool.map(_land_one, [str(risk_home.lake_path)] * 2, folders, ["run-a", "run-b"]))
    assert loaded == [12, 12]
    with connect(risk_home.lake_path, read_only=True) as con:
        assert con.execute("SELECT count(DISTINCT loan_key), count(DISTINCT _run_id) FROM raw.loans").fetchone() == (24, 2)


def test_a_wrong_delivery_is_withdrawn_and_its_correction_lands_in_its_place(risk_home, monkeypatch, capsys):
    """A feed delivered with the wrong labels: its ids would make the corrected file's rows
    duplicate_doc_id forever. Withdrawn by hand, its rows and quarantine leave the lake, the
    manifest keeps it as 'withdrawn' with the reason, the same bytes are not landed again, and the
    correction loads."""
    from risk_assets.cli import main
    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.news_formats import parse_news_file

    monkeypatch.setenv("DAGSTER_HOME", str(risk_home.root / "dagster"))
    wrong = risk_home.landing_news / "wire_2024-05-02.csv"
    wrong.write_text("id,headline,label\na1,Acme Lending beats estimates,negative\na2,Beta Bank cuts guidance,positive\n"
                     "a3,,negative\n")  # no text: quarantined
    other = risk_home.landing_news / "wire_2024-05-01.csv"
    other.write_text("id,headline\nb1,Delta Finance raises capital\n")
    resent = risk_home.landing_news / "wire_2024-05-02_resent.csv"  # lands after it: a1 is a duplicate
    resent.write_text("id,headline,label\na1,Acme Lending beats estimates,positive\n")

    def land(run_id):
        with connect(risk_home.lake_path) as con:
            return land_folder(con, risk_home.landing_news, "news", parse_news_file, run_id, asset="raw_news")

    land("run-1")
    with connect(risk_home.lake_path, read_only=True) as con:
        (message,) = con.execute("SELECT message FROM quality.quarantine WHERE rule = 'duplicate_doc_id'").fetchone()
    assert message.endswith("(same text, different label: positive here, negative kept; withdraw the loaded file "
                            "if this one is right)")
    assert main(["withdraw", "wire_2024-05-03.csv", "--reason", "x"]) == 2
    assert "no loaded file is 'wire_2024-05-03.csv'; loaded files: " in capsys.readouterr().err
    assert main(["withdraw", "wire_2024-05-02.csv", "--reason", " "]) == 2
    assert "a reason is required" in capsys.readouterr().err
    assert main(["withdraw", "wire_2024-05-02.csv", "--reason", "labels swapped by the vendor"]) == 0
    out = capsys.readouterr().out
    assert "2 rows removed from raw.news, 1 quarantine entry removed" in out
    assert "--select 'key:raw_news+ and not group:models'" in out
    assert f"{resent}: 1 article(s) were quarantined as duplicates of the withdrawn ones" in out
    assert not wrong.exists() and len(list((risk_home.root / "withdrawn").glob("*_wire_2024-05-02.csv"))) == 1
    assert main(["withdraw", "wire_2024-05-02.csv", "--reason", "again"]) == 2
    assert "wire_2024-05-02.csv is withdrawn already (withdrawn by operator " in capsys.readouterr().err

    fixed = risk_home.landing_news / "wire_2024-05-02_fixed.csv"
    fixed.write_text("id,headline,label\na1,Acme Lending beats estimates,positive\na2,Beta Bank cuts guidance,negative\n")
    report = land("run-2")
    assert [(Path(f.path).name, f.outcome, f.rows_loaded) for f in report.files] == [("wire_2024-05-02_fixed.csv", "loaded", 2)]
    with connect(risk_home.lake_path, read_only=True) as con:
        rows = con.execute("SELECT doc_id, label, _source_file FROM raw.news ORDER BY doc_id").fetchall()
        manifest = con.execute("SELECT status, message FROM raw.landed_files WHERE path = ?", [str(wrong)]).fetchone()
        events = con.execute("SELECT outcome FROM raw.landing_events WHERE path = ? ORDER BY seen_at", [str(wrong)]).fetchall()
        left = con.execute("SELECT count(*) FROM quality.quarantine WHERE source_file = ?", [str(wrong)]).fetchone()[0]
    assert [(d, label, Path(f).name) for d, label, f in rows] == [
        ("a1", "positive", "wire_2024-05-02_fixed.csv"), ("a2", "negative", "wire_2024-05-02_fixed.csv"),
        ("b1", None, "wire_2024-05-01.csv")]
    assert manifest[0] == "withdrawn" and manifest[1].startswith("withdrawn by operator ")
    assert manifest[1].endswith("labels swapped by the vendor (2 rows and 1 quarantine entries removed)")
    assert events == [("loaded",), ("withdrawn",)] and left == 0


def test_subfolders_land_copies_in_progress_wait_and_an_unreadable_file_costs_only_itself(
        land_cases, risk_home, cases_dir, monkeypatch):
    """What the landing sensor watches is what lands: a month's subfolder is read, a `.part` copy
    waits for its rename, a file that cannot be read is refused by name and the batch goes on, and
    a file that changes while it is read (a copy still running) loads nothing."""
    from risk_assets.lib.ingest import landing

    (risk_home.landing_loans / "2024-01").mkdir()
    shutil.copyfile(cases_dir / "F01_loans_2024-01.csv", risk_home.landing_loans / "2024-01" / "tape.csv")
    shutil.copyfile(cases_dir / "F01_loans_2024-02.csv", risk_home.landing_loans / "feb.csv.part")
    shutil.copyfile(cases_dir / "F03_loans_2024-03.csv", risk_home.landing_loans / "locked.csv")
    from risk_assets_tests.conftest import unreadable

    monkeypatch.setattr(landing, "file_sha256", unreadable(landing.file_sha256, "locked.csv"))
    report = land_cases()
    outcomes = {f.path.split("landing/loans/")[1]: (f.outcome, f.rows_loaded) for f in report.files}
    assert outcomes == {"2024-01/tape.csv": ("loaded", 12), "locked.csv": ("refused", 0)}
    (locked,) = [f for f in report.files if f.outcome == "refused"]
    assert "locked.csv: cannot be read (Permission denied)" in locked.message

    monkeypatch.undo()
    (risk_home.landing_loans / "locked.csv").unlink()
    growing = risk_home.landing_loans / "feb.csv"
    (risk_home.landing_loans / "feb.csv.part").rename(growing)
    from risk_assets.lib.ingest.loan_formats import parse_loan_file

    def parse_while_the_copy_runs(path):
        parsed = parse_loan_file(path)
        with path.open("a") as handle:  # the writer appends its next block meanwhile
            handle.write("\n")
        return parsed

    with connect(risk_home.lake_path) as con:
        changing = landing.land_folder(con, risk_home.landing_loans, "loans", parse_while_the_copy_runs, "run-2",
                                       asset="raw_loans")
    assert [(f.outcome, f.rows_loaded) for f in changing.files] == [("changing", 0)]
    assert "changed while it was read (still being copied?)" in changing.files[0].message

    def refuse_while_the_copy_runs(path):  # half a file, refused as truncated: still, it is being copied
        with path.open("a") as handle:
            handle.write("\n")
        raise landing.FileRefused(f"{path}: a truncated download?")

    with connect(risk_home.lake_path) as con:
        half = landing.land_folder(con, risk_home.landing_loans, "loans", refuse_while_the_copy_runs, "run-2b",
                                   asset="raw_loans")
        assert con.execute("SELECT count(*) FROM raw.landed_files WHERE status = 'refused'").fetchone()[0] == 0
    assert [f.outcome for f in half.files] == ["changing"]
    assert [(f.outcome, f.rows_loaded) for f in land_cases(run_id="run-3").files] == [("loaded", 12)]
    with connect(risk_home.lake_path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.loans").fetchone()[0] == 24
        assert con.execute("SELECT outcome FROM raw.landing_events WHERE run_id = 'run-2'").fetchall() == [("changing",)]


def test_a_withdrawal_takes_every_copy_out_of_landing_and_never_a_corrected_file(land_cases, risk_home, cases_dir):
    """A re-download and a copy renamed after landing hold the withdrawn bytes: both leave landing,
    or the next run would load them again. A corrected file saved over the landed name is not the
    withdrawn content: it stays and loads."""
    from risk_assets.lib.ingest.landing import file_sha256, withdraw_file

    land_cases("F01_loans_2024-01.csv", "F01_loans_2024-02.csv")
    january, february = risk_home.landing_loans / "F01_loans_2024-01.csv", risk_home.landing_loans / "F01_loans_2024-02.csv"
    shutil.copyfile(january, risk_home.landing_loans / "F01_loans_2024-01 (1).csv")  # a re-download
    january.rename(risk_home.landing_loans / "january_final.csv")  # renamed after it landed
    old = file_sha256(february)
    shutil.copyfile(cases_dir / "F03_loans_2024-03.csv", february)  # corrected bytes saved over the name
    withdrawn = risk_home.root / "withdrawn"
    with connect(risk_home.lake_path) as con:
        jan = withdraw_file(con, "F01_loans_2024-01.csv", "wrong month", "operator test", withdrawn,
                            landing_dir=risk_home.landing)
        feb = withdraw_file(con, old, "wrong month", "operator test", withdrawn, landing_dir=risk_home.landing)
    assert jan.moved_to is None and sorted(Path(p).name for p, _ in jan.copies_moved) == [
        "F01_loans_2024-01 (1).csv", "january_final.csv"]
    assert (feb.moved_to, feb.copies_moved, feb.replaced) == (None, (), str(february))
    assert sorted(p.name for p in risk_home.landing_loans.iterdir()) == ["F01_loans_2024-02.csv"]
    assert file_sha256(february) != old and len(list(withdrawn.iterdir())) == 2
    again = land_cases(run_id="run-2")
    assert [(Path(f.path).name, f.outcome, f.rows_loaded) for f in again.files] == [("F01_loans_2024-02.csv", "loaded", 10)]


def test_two_lendingclub_downloads_joined_keep_each_ones_policy_marker_and_footers(land_cases, risk_home, cases_dir):
    """F05 twice, joined with `cat`: the second download's note line and header start a section of
    its own, so its loans before its own marker are on policy (the first marker does not reach
    them) and each footer is checked against its own download's loans; every footer matches and the
    footer check passes."""
    from risk_assets.lib.quality.footers import footer_mismatches

    text = (cases_dir / "F05_loanstats_with_note_lines.csv").read_bytes()
    (risk_home.landing_loans / "LoanStats_joined.csv").write_bytes(text + text)
    report = land_cases()
    (landed,) = report.files
    assert (landed.outcome, landed.rows_loaded, landed.rows_quarantined) == ("loaded", 18, 0)
    with connect(risk_home.lake_path, read_only=True) as con:
        flags = con.execute("SELECT _source_line, off_policy FROM raw.loans ORDER BY _source_line").fetchall()
        notes = json.loads(con.execute("SELECT notes FROM raw.landed_files").fetchone()[0])
        outcome = footer_mismatches(con)
    lines = text.decode().count("\n")
    first = [(line, line > 10) for line in (3, 4, 5, 6, 7, 8, 11, 12, 13)]
    assert flags == first + [(line + lines, off) for line, off in first]
    assert [(f["line"], f["stated"], f["matches"]) for f in notes["footer_totals"].values()] == [
        (16, 27900.0, True), (17, 7000.0, True), (16 + lines, 27900.0, True), (17 + lines, 7000.0, True)]
    assert (outcome.success, outcome.rows_checked) == (True, 1)


def test_a_download_that_lost_a_data_line_fails_its_footer_total_with_a_warning(land_cases, risk_home, cases_dir):
    """F05 with its loan on line 4 deleted (a hand edit): the file still reconciles line by line, but
    its policy code 1 footer states 27,900 and the loans loaded sum to less. The warning names the
    file, the footer's line and both sums."""
    from risk_assets.lib.quality.footers import footer_mismatches

    lines = (cases_dir / "F05_loanstats_with_note_lines.csv").read_text().splitlines(keepends=True)
    lost = float(next(csv.reader([lines[3]]))[2])  # loan_amnt of the deleted loan
    (risk_home.landing_loans / "LoanStats_edited.csv").write_text("".join(lines[:3] + lines[4:]))
    land_cases()
    with connect(risk_home.lake_path, read_only=True) as con:
        outcome = footer_mismatches(con)
    assert (outcome.success, outcome.severity) == (False, "WARN")
    (rule,) = outcome.failed_rules
    assert rule["detail"] == (f"LoanStats_edited.csv line 15: the footer of policy code 1 states 27,900.00, the loans "
                              f"loaded from that part of the file sum to {27900 - lost:,.2f} ({-lost:+,.2f}); 0 row(s) "
                              "of the file are quarantined: a data line was lost before the file landed, or the footer "
                              "is wrong")


def test_a_copy_cut_mid_line_lands_with_a_note_naming_its_unterminated_last_line(risk_home, data_dir, tmp_path):
    """A download cut two bytes short parses: `...,5000` lands as `...,50`. Nothing in the values
    tells, but the file ends without a line end, which the manifest's notes say; a whole file, a
    gzip copy and a JSON feed get no such note."""
    from risk_assets.lib.ingest.landing import land_folder, unterminated_last_line
    from risk_assets.lib.ingest.loan_formats import parse_loan_file

    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))[:16]
    header = [c for c in rows[0] if c != "loan_amnt"] + ["loan_amnt"]  # the amount last, as in a servicer's layout
    lines = [",".join(header)] + [",".join(f'"{row[c]}"' if "," in row[c] else row[c] for c in header) for row in rows]
    whole = "\n".join(lines) + "\n"
    cut = whole[:-3]  # the last amount's last two digits and the line end never arrived
    assert rows[-1]["loan_amnt"].endswith("00") and cut.endswith("," + rows[-1]["loan_amnt"][:-2])
    (risk_home.landing_loans / "servicer_tape.csv").write_text(cut, encoding="utf-8")
    with connect(risk_home.lake_path) as con:
        report = land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, "run-1", asset="raw_loans")
        (notes,) = con.execute("SELECT notes FROM raw.landed_files").fetchone()
        (amount,) = con.execute("SELECT loan_amount FROM raw.loans WHERE _source_line = 17").fetchone()
    (outcome,) = report.files
    assert (outcome.outcome, outcome.rows_loaded) == ("loaded", 16) and amount == float(rows[-1]["loan_amnt"][:-2])
    note = json.loads(notes)["last_line_unterminated"]
    assert note.startswith(f"the file ends without a line end, after '{cut.rsplit(chr(10), 1)[-1][-60:]}'")
    for name, content in (("whole.csv", whole.encode()), ("crlf.csv", whole.replace("\n", "\r\n").encode()),
                          ("dos.csv", whole.encode() + b"\x1a"), ("feed.json", b'[{"title": "Profit rose"}]'),
                          ("utf16.csv", whole.encode("utf-16"))):
        (tmp_path / name).write_bytes(content)
        assert unterminated_last_line(tmp_path / name) is None, name
    (tmp_path / "cut16.csv").write_bytes(cut.encode("utf-16"))
    assert unterminated_last_line(tmp_path / "cut16.csv") == cut.rsplit("\n", 1)[-1][-60:]


def test_a_utf16_copy_cut_inside_a_character_lands_its_records_and_names_the_cut_last_line(risk_home, data_dir, tmp_path):
    """Excel's 'Unicode text' (UTF-16 with its BOM, tab-separated, CR LF) cut 3 bytes short: an odd
    byte count, the half of its last CR left. That is a cut copy, not another encoding: its records
    land, and the note names the last line, as for a UTF-8 copy cut mid-line; so does a UTF-8 copy
    cut inside its last character, and a big-endian one cut inside its last LF."""
    from risk_assets.lib.ingest.landing import land_folder, unterminated_last_line
    from risk_assets.lib.ingest.loan_formats import parse_loan_file

    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))[:20]
    header = list(rows[0])  # the loan status last
    lines = ["\t".join(header)] + ["\t".join(row[c] for c in header) for row in rows]
    whole = "\r\n".join(lines) + "\r\n"
    (risk_home.landing_loans / "lc_unicode.txt").write_bytes(whole.encode("utf-16")[:-3])
    (risk_home.landing_loans / "lc_utf8.csv").write_bytes((whole[:-2] + "é").replace("\t", ",").encode()[:-1])
    with connect(risk_home.lake_path) as con:
        report = land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, "run-1", asset="raw_loans")
        landed = con.execute("SELECT regexp_extract(path, '[^/]+$'), status, rows_loaded, unterminated_line, "
                             "json_extract_string(notes, '$.last_line_unterminated') FROM raw.landed_files "
                             "ORDER BY 1").fetchall()
        last = con.execute("SELECT DISTINCT loan_status, loan_amount FROM raw.loans WHERE _source_line = 21").fetchall()
    assert [o.outcome for o in report.files] == ["loaded", "loaded"]
    end = lines[-1].replace("\t", ",")
    assert [row[:4] for row in landed] == [("lc_unicode.txt", "loaded", 20, 21), ("lc_utf8.csv", "loaded", 20, 21)]
    assert landed[0][4].startswith(f"the file ends without a line end, after {lines[-1][-60:]!r}, in the record "
                                   "or line that starts on line 21")
    assert landed[1][4].startswith(f"the file ends without a line end, after {(end + chr(0xfffd))[-60:]!r}")
    assert last == [(rows[-1]["loan_status"], float(rows[-1]["loan_amnt"]))]
    (tmp_path / "be.txt").write_bytes(whole.encode("utf-16-be").join([b"\xfe\xff", b""])[:-1])
    assert unterminated_last_line(tmp_path / "be.txt") == lines[-1][-60:]


def test_a_copy_cut_in_its_last_value_is_named_with_its_line_by_the_loan_lookup_the_run_summary_and_verify(
        risk_home, data_dir, capsys):
    """The real loans with annual_inc last, the copy cut in the last loan's income (`...,99000`
    landing as `...,99`): its values parse, so only the missing line end tells. The note names the
    line (17, the file's last), `risk-assets loan servicer_tape.csv:17` says the line is the file's last
    and has no line end (it said `quarantined nothing`), and the run summary's lake outcomes and
    verify name the file and the line; a whole file beside it is named by none of them."""
    from risk_assets import verify
    from risk_assets.cli import _lake_outcomes
    from risk_assets.lib.ingest.landing import land_folder, unterminated_files
    from risk_assets.lib.ingest.loan_formats import parse_loan_file
    from risk_assets.lib.report.loan_trace import trace_loan

    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))[:16]
    header = [c for c in rows[0] if c != "annual_inc"] + ["annual_inc"]
    lines = [",".join(header)] + [",".join(f'"{row[c]}"' if "," in row[c] else row[c] for c in header) for row in rows]
    whole = "\n".join(lines) + "\n"
    income = rows[-1]["annual_inc"]
    assert income.endswith("000")
    (risk_home.landing_loans / "servicer_tape.csv").write_text(whole[:-4], encoding="utf-8")
    (risk_home.landing_loans / "whole_tape.csv").write_text(whole.replace("\n", "\r\n", 1), encoding="utf-8")
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, "run-1", asset="raw_loans")
        (cut_income,) = con.execute("SELECT annual_income FROM raw.loans WHERE _source_line = 17 AND "
                                    "_source_file LIKE '%servicer_tape.csv'").fetchone()
        found = unterminated_files(con)
        assert unterminated_files(con, "run-2") == []
        trace = trace_loan(con, "servicer_tape.csv:17").lines
        whole_trace = trace_loan(con, "whole_tape.csv:17").lines
        kept = dict(con.execute("SELECT regexp_extract(path, '[^/]+$'), unterminated_line FROM raw.landed_files").fetchall())
    assert kept == {"servicer_tape.csv": 17, "whole_tape.csv": None}  # the manifest keeps the line as a number
    assert cut_income == float(income[:-3])
    ((path, line, note, domain),) = found
    assert (Path(path).name, line, domain) == ("servicer_tape.csv", 17, "loans")
    assert note == (f"the file ends without a line end, after {whole[:-4].rsplit(chr(10), 1)[-1][-60:]!r}, in the "
                    "record or line that starts on line 17, the file's last: a copy or download cut short ends so, "
                    "and its last record may hold a cut value; compare it with the source")
    assert f"  cut?         line 17 is the file's last record and has no line end: {note}" in trace
    assert "  quarantined  nothing" in trace and not any("cut?" in said for said in whole_trace)
    assert _lake_outcomes(risk_home.lake_path, "run-1")[4] == found
    assert verify.main(["--own-data"]) in (0, 1)
    printed = capsys.readouterr().out
    assert f"note cut short? servicer_tape.csv: {note} (" in printed and "loan servicer_tape.csv:17)" in printed
    assert "whole_tape.csv" not in printed


def test_a_news_file_cut_short_is_pointed_at_its_article_and_the_loan_lookup_says_it_is_news(risk_home, capsys):
    """A news file ending without a line end (`cut_a.csv`, its last article cut in its body): its
    `CUT?` line and verify's note pointed at `risk-assets loan cut_a.csv:4`, which answered "the
    lake has no raw.loans yet"; they now give the query of raw.news that finds the article, and the
    loan lookup says the file is news."""
    from risk_assets import verify
    from risk_assets.lib.ingest.landing import land_folder, record_lookup, unterminated_files
    from risk_assets.lib.ingest.news_formats import parse_news_file
    from risk_assets.lib.report.loan_trace import trace_loan

    (risk_home.landing_news / "cut_a.csv").write_text(
        "id,headline,body,published_at,label\n"
        "c1,Story one,Body one text.,2024-07-16T09:00:00Z,positive\n"
        "c2,Story two,Body two text.,2024-07-16T09:00:00Z,negative\n"
        "c3,Story three,Body three te", encoding="utf-8")
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_news, "news", parse_news_file, "run-1", asset="raw_news")
        ((path, line, _, domain),) = unterminated_files(con)
        trace = trace_loan(con, "cut_a.csv:4")
        loaded = con.execute("SELECT _source_line, headline FROM raw.news WHERE _source_file LIKE '%/cut_a.csv' "
                             "ORDER BY 1").fetchall()
        set_aside = con.execute("SELECT line, rule FROM quality.quarantine WHERE source_file LIKE '%/cut_a.csv'"
                                ).fetchall()
    assert (Path(path).name, line, domain) == ("cut_a.csv", 4, "news")
    assert loaded == [(2, "Story one"), (3, "Story two")]
    assert set_aside == [(4, "wrong_field_count")]  # the cut article: the quarantine command lists it
    lookup = ("its article: SELECT doc_id, headline, body, text_field FROM raw.news WHERE _source_file LIKE "
              "'%/cut_a.csv' AND _source_line = 4 (in the lake, lake.duckdb); if it was set aside: "
              "risk-assets quarantine cut_a.csv")
    assert record_lookup("news", "cut_a.csv", 4, "risk-assets") == lookup
    assert record_lookup("loans", "tape 1.csv", 4, "risk-assets") == "risk-assets loan 'tape 1.csv:4'"
    assert (trace.found, trace.lines) == (False, [
        f"cut_a.csv is a news file (landed into raw.news), not a loan tape: `loan` traces loans. Line 4: {lookup}"])
    assert verify.main(["--own-data"]) in (0, 1)
    printed = capsys.readouterr().out
    assert "note cut short? cut_a.csv: " in printed and "SELECT doc_id, headline, body, text_field FROM raw.news" in printed
    assert "loan cut_a.csv:4" not in printed


def test_a_lake_landed_before_the_manifest_kept_the_unterminated_line_takes_it_from_the_note_once(
        risk_home, data_dir):
    """A lake whose manifest has no unterminated_line column, its note naming the line in words
    only: opened read-only, the file is still listed as cut short, without a line; the first open
    for writing fills the column from the note (17, the last line the note names, though the cut
    text quoted before it names another) and records that it did, and the loan lookup then says
    line 17 has no line end."""
    from risk_assets.lib.ingest.landing import land_folder, unterminated_files
    from risk_assets.lib.ingest.loan_formats import parse_loan_file
    from risk_assets.lib.report.loan_trace import trace_loan

    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))[:16]
    header = list(rows[0])
    lines = [",".join(header)] + [",".join(f'"{row[c]}"' if "," in row[c] else row[c] for c in header) for row in rows]
    (risk_home.landing_loans / "servicer_tape.csv").write_text("\n".join(lines)[:-2], encoding="utf-8")
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, "run-1", asset="raw_loans")
        (notes,) = con.execute("SELECT notes FROM raw.landed_files").fetchone()
        note = json.loads(notes)["last_line_unterminated"]
        old_note = note.replace("after '", "after 'starts on line 3, the file's last: ", 1)  # a cut text that misleads
        con.execute("UPDATE raw.landed_files SET notes = ?", [json.dumps({"last_line_unterminated": old_note})])
        con.execute("ALTER TABLE raw.landed_files DROP COLUMN unterminated_line")  # as an earlier version left it
        con.execute("DELETE FROM raw.lake_migrations WHERE name = 'landed_files_unterminated_line_from_notes'")
    assert "starts on line 17, the file's last: " in note
    with connect(risk_home.lake_path, read_only=True) as con:
        ((path, line, said, _),) = unterminated_files(con)
        assert (Path(path).name, line, said) == ("servicer_tape.csv", None, old_note)
        assert not any("cut?" in text for text in trace_loan(con, "servicer_tape.csv:17").lines)
    with connect(risk_home.lake_path) as con:
        ((path, line, said, _),) = unterminated_files(con)
        migrated = con.execute("SELECT rows_changed FROM raw.lake_migrations "
                               "WHERE name = 'landed_files_unterminated_line_from_notes'").fetchall()
        trace = trace_loan(con, "servicer_tape.csv:17").lines
    assert (line, said, migrated) == (17, old_note, [(1,)])
    assert f"  cut?         line 17 is the file's last record and has no line end: {old_note}" in trace


def test_a_last_record_that_closes_its_quoted_field_gets_no_unterminated_note(data_dir, tmp_path):
    """The PhraseBank CSV re-export ends without a line end, after a quoted sentence whose quote
    closes: a cut there would leave the quote open, so the file is whole and gets no note. The same
    file cut inside its last sentence, or after a closed quote with an unquoted value to follow,
    still gets it, and a last line longer than the first read (200 bytes) is read whole."""
    from risk_assets.lib.ingest.landing import unterminated_last_line

    sample = data_dir / "news" / "financial_phrasebank_all.csv"
    raw = sample.read_bytes()
    assert raw.endswith(b'government corruption."') and unterminated_last_line(sample) is None
    (tmp_path / "cut.csv").write_bytes(raw[:-12])
    assert unterminated_last_line(tmp_path / "cut.csv") == raw[:-12].rsplit(b"\n", 1)[-1].decode()[-60:]
    long_last = 'negative,"' + "Net sales fell, and so did margins; " * 12 + 'the outlook is weak."'
    (tmp_path / "long.csv").write_text("Y,Notices\n" + long_last, encoding="utf-8")
    assert len(long_last) > 400 and unterminated_last_line(tmp_path / "long.csv") is None
    (tmp_path / "long_cut.csv").write_text("Y,Notices\n" + long_last[:-1], encoding="utf-8")
    assert unterminated_last_line(tmp_path / "long_cut.csv") == long_last[:-1][-60:]
    (tmp_path / "amount_after_quote.csv").write_text('id,name,amount\n7,"Acme, Inc.",50', encoding="utf-8")
    assert unterminated_last_line(tmp_path / "amount_after_quote.csv") == '7,"Acme, Inc.",50'


def test_linked_folders_and_files_land_and_a_broken_link_is_refused_with_its_target(risk_home, data_dir, tmp_path):
    """A vendor's share linked into landing is a delivery like any other: its tape lands, as does a
    link to one file. A link whose target is gone (a share not mounted) is refused, naming the
    target, instead of being passed over; a link back up the tree is read once, not forever."""
    import os
    from itertools import islice

    from risk_assets.lib.ingest.landing import land_folder, landable_files
    from risk_assets.lib.ingest.loan_formats import parse_loan_file

    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        lines = [line.rstrip("\r\n") for line in islice(handle, 91)]
    share = tmp_path / "vendor_share"
    share.mkdir()
    (share / "vendor_2024-05.csv").write_text("\n".join([lines[0], *lines[1:31]]) + "\n", encoding="utf-8")
    (tmp_path / "elsewhere.csv").write_text("\n".join([lines[0], *lines[31:56]]) + "\n", encoding="utf-8")
    (risk_home.landing_loans / "plain.csv").write_text("\n".join([lines[0], *lines[56:66]]) + "\n", encoding="utf-8")
    os.symlink(share, risk_home.landing_loans / "vendor_share")
    os.symlink(tmp_path / "elsewhere.csv", risk_home.landing_loans / "linked.csv")
    os.symlink(tmp_path / "gone.csv", risk_home.landing_loans / "dangling.csv")
    os.symlink(tmp_path / "unmounted_share", risk_home.landing_loans / "dangling_share")
    os.symlink(risk_home.landing_loans, share / "back_to_landing")
    os.symlink(tmp_path / "hop", risk_home.landing_loans / "chained.csv")  # chained.csv -> hop -> gone_too.csv
    os.symlink(tmp_path / "gone_too.csv", tmp_path / "hop")
    os.symlink(tmp_path / "loop_b", risk_home.landing_loans / "loop.csv")  # loop.csv -> loop_b -> loop.csv
    os.symlink(risk_home.landing_loans / "loop.csv", tmp_path / "loop_b")

    names = [p.relative_to(risk_home.landing_loans).as_posix() for p in landable_files(risk_home.landing_loans)]
    assert sorted(names) == ["chained.csv", "dangling.csv", "dangling_share", "linked.csv", "loop.csv", "plain.csv",
                             "vendor_share/vendor_2024-05.csv"]
    with connect(risk_home.lake_path) as con:
        report = land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, "run-1", asset="raw_loans")
        loaded = dict(con.execute("SELECT regexp_extract(path, '[^/]+$'), rows_loaded FROM raw.landed_files "
                                  "WHERE status = 'loaded'").fetchall())
    assert loaded == {"vendor_2024-05.csv": 30, "linked.csv": 25, "plain.csv": 10}
    refused = {Path(o.path).name: o.message for o in report.files if o.outcome == "refused"}
    assert refused["dangling.csv"] == (
        f"{risk_home.landing_loans / 'dangling.csv'}: a link to {tmp_path / 'gone.csv'}, which does not exist (a share "
        "not mounted, a file moved or deleted): fix or remove the link; it is tried again on the next run")
    assert f"a link to {tmp_path / 'unmounted_share'}, which does not exist" in refused["dangling_share"]
    assert f"a link to {tmp_path / 'gone_too.csv'}, which does not exist" in refused["chained.csv"]  # the missing end
    assert f"loop.csv: a loop of links that never reaches a file ({tmp_path / 'loop_b'} leads back" in refused["loop.csv"]


def test_a_database_client_paste_missing_rows_fails_its_row_count_with_a_warning(risk_home, data_dir):
    """psql output of 30 real LendingClub loans, pasted with its last 5 rows lost but its `(30 rows)`
    count kept: the file reconciles line by line, and the footer check says 30 were stated and 25
    are in the file; the whole output matches its count."""
    from itertools import islice

    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.loan_formats import parse_loan_file
    from risk_assets.lib.quality.footers import footer_mismatches

    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8", newline="") as handle:
        rows = list(islice(csv.reader(handle), 31))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    aligned = [" | ".join(cell.ljust(w) for cell, w in zip(row, widths)) for row in rows]
    rule = "-+-".join("-" * w for w in widths)
    (risk_home.landing_loans / "psql_whole.txt").write_text("\n".join([aligned[0], rule, *aligned[1:], "(30 rows)", ""]))
    (risk_home.landing_loans / "psql_paste.txt").write_text("\n".join([aligned[0], rule, *aligned[1:26], "(30 rows)", ""]))
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, "run-1", asset="raw_loans")
        loaded = dict(con.execute("SELECT regexp_extract(path, '[^/]+$'), rows_loaded FROM raw.landed_files").fetchall())
        outcome = footer_mismatches(con)
    assert loaded == {"psql_whole.txt": 30, "psql_paste.txt": 25}
    (rule_found,) = outcome.failed_rules
    assert rule_found["detail"] == ("psql_paste.txt line 28: the export's row count states 30 rows, the file holds 25 "
                                    "(-5): rows were lost, or added, before the file landed (a paste or transfer cut short, a copy "
                                    "of part of the output)")


def test_a_data_jobs_output_folder_lands_its_parts_and_not_its_markers(risk_home, data_dir):
    """Spark writes its CSV parts beside `_SUCCESS`, `_started_<id>` and `_committed_<id>` markers and
    a `_temporary/` scratch folder. The markers, refused as no tape, came back on every run (and two
    empty ones shared one manifest row, so one was never named); they are not landed now, nor the
    scratch files, while a tape a person named with a leading `_` still is."""
    from itertools import islice

    from risk_assets.lib.ingest.landing import land_folder, landable_files
    from risk_assets.lib.ingest.loan_formats import parse_loan_file

    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        lines = [line.rstrip("\r\n") for line in islice(handle, 31)]
    job = risk_home.landing_loans / "lc_2011_spark"
    (job / "_temporary" / "0").mkdir(parents=True)
    (job / "_delta_log").mkdir()  # a Delta table's transaction log: JSON commits, no rows
    (job / "_delta_log" / "00000000000000000000.json").write_text('{"commitInfo": {"operation": "WRITE"}}\n')
    (job / "part-00000.csv").write_text("\n".join([lines[0], *lines[1:16]]) + "\n", encoding="utf-8")
    (job / "part-00001.csv").write_text("\n".join([lines[0], *lines[16:31]]) + "\n", encoding="utf-8")
    (job / "_temporary" / "0" / "part-00002.csv").write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")
    for marker in ("_SUCCESS", "_started_5230219145", "_committed_5230219145"):
        (job / marker).write_text("" if marker != "_committed_5230219145" else '{"added": ["part-00000.csv"]}')
    (risk_home.landing_loans / "_final_tape.csv").write_text("\n".join(lines[:6]) + "\n", encoding="utf-8")
    names = sorted(p.relative_to(risk_home.landing_loans).as_posix() for p in landable_files(risk_home.landing_loans))
    assert names == ["_final_tape.csv", "lc_2011_spark/part-00000.csv", "lc_2011_spark/part-00001.csv"]
    with connect(risk_home.lake_path) as con:
        report = land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, "run-1", asset="raw_loans")
    assert [(Path(o.path).name, o.outcome, o.rows_loaded) for o in report.files] == [
        ("_final_tape.csv", "loaded", 5), ("part-00000.csv", "loaded", 15), ("part-00001.csv", "loaded", 15)]


def test_checksums_delivered_beside_a_tape_are_checked_and_control_files_are_not_landed(land_cases, risk_home, cases_dir):
    """A transfer job delivers `tape.csv` with `tape.csv.md5` (md5sum's line), a `.done` trigger and
    a `.ctl` control card; WinSCP uploads as `tape.csv.filepart` until complete. The control files
    were refused on every run and the checksum never used: a tape whose bytes match its checksum
    lands with the note `checksum_verified`, one that does not (a transfer that cut or changed it) is
    refused by name and tried again, and the control and in-progress files are never landed."""
    import hashlib

    landing = risk_home.landing_loans
    jan, feb = cases_dir / "F01_loans_2024-01.csv", cases_dir / "F01_loans_2024-02.csv"
    shutil.copyfile(jan, landing / "F01_loans_2024-01.csv")
    (landing / "F01_loans_2024-01.csv.md5").write_text(  # as macOS and BSD md5 write it
        f"MD5 (F01_loans_2024-01.csv) = {hashlib.md5(jan.read_bytes()).hexdigest()}\n")
    (landing / "F01_loans_2024-01.csv.done").write_text("")
    (landing / "F01_loans_2024-01.ctl").write_text("RECORD_COUNT=12\n")
    cut = feb.read_bytes()[:-40]  # the copy lost its last bytes; the checksum is the sent file's
    (landing / "F01_loans_2024-02.csv").write_bytes(cut)
    (landing / "F01_loans_2024-02.csv.SHA256").write_text(hashlib.sha256(feb.read_bytes()).hexdigest() + "\n")
    shutil.copyfile(cases_dir / "F03_loans_2024-03.csv", landing / "F03_loans_2024-03.csv.filepart")
    # a checksum named after the file without its suffix, for a copy cut short: refused too
    march = (cases_dir / "F03_loans_2024-03.csv").read_bytes()
    (landing / "F03_march.csv").write_bytes(march[:-30])
    (landing / "F03_march.md5").write_text(hashlib.md5(march).hexdigest() + "\n")
    report = land_cases()
    outcomes = {Path(f.path).name: f for f in report.files}
    assert sorted(outcomes) == ["F01_loans_2024-01.csv", "F01_loans_2024-02.csv", "F03_march.csv"]
    assert outcomes["F03_march.csv"].outcome == "refused" and "F03_march.md5 states" in outcomes["F03_march.csv"].message
    january, february = outcomes["F01_loans_2024-01.csv"], outcomes["F01_loans_2024-02.csv"]
    assert (january.outcome, january.rows_loaded) == ("loaded", 12)
    assert january.notes["checksum_verified"] == (
        f"md5 {hashlib.md5(jan.read_bytes()).hexdigest()} matches F01_loans_2024-01.csv.md5")
    assert february.outcome == "refused" and february.rows_loaded == 0
    assert february.message == (
        f"{landing / 'F01_loans_2024-02.csv'}: its sha256 is {hashlib.sha256(cut).hexdigest()}, but "
        f"F01_loans_2024-02.csv.SHA256 states {hashlib.sha256(feb.read_bytes()).hexdigest()}: the copy differs from "
        "the file that was sent (cut or corrupted in transfer); nothing of it is loaded; deliver it again, and it is "
        "tried again on the next run")
    shutil.copyfile(feb, landing / "F01_loans_2024-02.csv")  # delivered again, whole
    assert [(Path(f.path).name, f.outcome, f.rows_loaded) for f in land_cases(run_id="run-2").files] == [
        ("F03_march.csv", "refused", 0), ("F01_loans_2024-02.csv", "loaded", 12)]  # the cut copy waits for its fix


def test_a_mainframe_trailers_record_count_and_amount_total_are_checked(risk_home, data_dir):
    """`TRL|00000030|<total>` closes a mainframe tape of 30 loans (real LendingClub amounts). It
    was a non-data line only: a tape that lost a record in transfer landed 29 loans and every check
    passed. With the mapping's `control_record` the count and the total are compared: the whole tape
    matches, the cut one fails `raw_loans_footer_totals` naming the line and both figures."""
    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.loan_formats import parse_loan_file
    from risk_assets.lib.quality.footers import footer_mismatches

    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        loans = [next(reader) for _ in range(30)]
    records = [f"LN-{n:06d}|{loan['loan_amnt']}|{loan['term']}|{loan['loan_status']}" for n, loan in enumerate(loans, 1)]
    total = sum(float(loan["loan_amnt"]) for loan in loans)
    maps = risk_home.root / "maps"
    maps.mkdir()
    (maps / "mf.json").write_text(json.dumps({
        "name": "mf", "applies_to": ["MF_*.DAT"], "header": False, "dialect": {"delimiter": "|"},
        "non_data_prefixes": ["HDR|"],
        "control_record": {"prefix": "TRL|", "record_count": 2, "amount_total": 3, "amount_column": "column_2"},
        "columns": {"column_1": {"to": "source_loan_id"}, "column_2": {"to": "loan_amount", "type": "number"},
                    "column_3": {"to": "term_months", "type": "term"}, "column_4": {"to": "loan_status"}},
        "status_map": {"Fully Paid": 0, "Charged Off": 1}}))
    trailer = f"TRL|{len(records):08d}|{total:.2f}"
    (risk_home.landing_loans / "MF_20240531.DAT").write_text("\n".join(["HDR|ACME|20240531", *records, trailer]) + "\n")
    (risk_home.landing_loans / "MF_20240630.DAT").write_text(
        "\n".join(["HDR|ACME|20240630", *records[:17], *records[18:], trailer]) + "\n")
    # a copy cut at a line end: its last 5 records and the trailer are gone
    (risk_home.landing_loans / "MF_20240731.DAT").write_text("\n".join(["HDR|ACME|20240731", *records[:25]]) + "\n")
    with connect(risk_home.lake_path) as con:
        report = land_folder(con, risk_home.landing_loans, "loans",
                             lambda path: parse_loan_file(path, mapping_dirs=[maps]), "run-1", asset="raw_loans")
        outcome = footer_mismatches(con)
    assert [(Path(f.path).name, f.rows_loaded, f.non_data_lines) for f in report.files] == [
        ("MF_20240531.DAT", 30, 2), ("MF_20240630.DAT", 29, 2), ("MF_20240731.DAT", 25, 1)]
    assert report.files[0].notes["footer_totals"]["control record, line 32: records"]["matches"]
    lost = float(loans[17]["loan_amnt"])
    assert outcome.observed == ("3 footer total(s) do not match the loans loaded: MF_20240630.DAT line 31; "
                                "MF_20240731.DAT control record")
    assert [r["detail"] for r in outcome.failed_rules] == [
        "MF_20240630.DAT line 31: the control record's record count states 30 rows, the file holds 29 (-1): rows "
        "were lost, or added, before the file landed (a paste or transfer cut short, a copy of part of the output)",
        f"MF_20240630.DAT line 31: the control record's total of column_2 states {total:,.2f}, the loans loaded from "
        f"that part of the file sum to {total - lost:,.2f} ({-lost:+,.2f}); 0 row(s) of the file are quarantined: a "
        "data line was lost before the file landed, or the footer is wrong",
        "MF_20240731.DAT control record: not checked: the mapping declares a control record, and the file has none "
        "(25 records): a copy cut short at a line end loses it with its last records"]


def test_a_control_total_of_a_scaled_column_is_read_in_the_column_s_units_and_compared_exactly(risk_home):
    """A trailer sums its amount field as the file writes it: in a column declared in thousands
    (`"scale": 1000`) its total is in thousands too. 12.5 + 7.25 + 0.1 thousand load as 19,850.00, and
    the trailer's 19.85 agrees with them exactly; a trailer stating 19.86 does not, and the warning
    gives the total as written, its scale, and both figures in full."""
    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.loan_formats import parse_loan_file
    from risk_assets.lib.quality.footers import footer_mismatches

    maps = risk_home.root / "maps"
    maps.mkdir()
    (maps / "thousands.json").write_text(json.dumps({
        "name": "thousands", "applies_to": ["BK_*.DAT"], "header": False, "dialect": {"delimiter": "|"},
        "control_record": {"prefix": "TRL|", "record_count": 2, "amount_total": 3, "amount_column": "column_2"},
        "columns": {"column_1": {"to": "source_loan_id"},
                    "column_2": {"to": "loan_amount", "type": "number", "scale": 1000},
                    "column_3": {"to": "term_months", "type": "term"}, "column_4": {"to": "loan_status"}},
        "status_map": {"Fully Paid": 0, "Charged Off": 1}}))
    records = ["LN-000001|12.5|36|Fully Paid", "LN-000002|7.25|60|Charged Off", "LN-000003|0.1|36|Fully Paid"]
    (risk_home.landing_loans / "BK_20240531.DAT").write_text("\n".join([*records, "TRL|00000003|19.85"]) + "\n")
    (risk_home.landing_loans / "BK_20240630.DAT").write_text("\n".join([*records, "TRL|00000003|19.86"]) + "\n")
    with connect(risk_home.lake_path) as con:
        report = land_folder(con, risk_home.landing_loans, "loans",
                             lambda path: parse_loan_file(path, mapping_dirs=[maps]), "run-1", asset="raw_loans")
        outcome = footer_mismatches(con)
        loaded = con.execute("SELECT DISTINCT loan_amount FROM raw.loans ORDER BY 1").fetchall()
    assert loaded == [(100.0,), (7250.0,), (12500.0,)]
    agreed = report.files[0].notes["footer_totals"]["control record, line 4: column_2 total"]
    assert agreed == {"line": 4, "stated": 19850.0, "loaded": 19850.0, "matches": True, "written": "19.85",
                      "scale": "units of 1,000 (the column's \"scale\": 1000)",
                      "source": "the control record's total of column_2"}
    assert [r["detail"] for r in outcome.failed_rules] == [
        "BK_20240630.DAT line 4: the control record's total of column_2 states 19.86 in units of 1,000 (the "
        "column's \"scale\": 1000), that is 19,860.00, the loans loaded from that part of the file sum to 19,850.00 "
        "(-10.00); 0 row(s) of the file are quarantined: a data line was lost before the file landed, or the "
        "footer is wrong"]


def test_a_ctrl_c_inside_a_duckdb_query_is_an_interrupt_not_a_failed_file():
    """DuckDB turns a signal handled during a query into RuntimeError('Query interrupted'), raised
    from the handler's exception: landing must see the interrupt in it and stop, not record the
    file as failed and land the next one."""
    import signal
    import threading

    import duckdb
    import pytest

    from risk_assets.lib.ingest.landing import interrupted

    class Stop(BaseException):
        """What Dagster's SIGINT handler raises in a step (DagsterExecutionInterruptedError's kind)."""

    def stop(signum, frame):
        raise Stop()

    previous = signal.signal(signal.SIGINT, stop)
    con = duckdb.connect()
    # to this (the main) thread, where Python runs its handlers: a signal to the process may reach a
    # thread an earlier test left behind (a worker pool), and then the query ran to its end, minutes
    timer = threading.Timer(0.5, signal.pthread_kill, [threading.main_thread().ident, signal.SIGINT])
    watchdog = threading.Timer(30, con.interrupt)  # never minutes: a query stopped so is no signal's
    try:
        timer.start()
        watchdog.start()
        with pytest.raises((RuntimeError, duckdb.InterruptException)) as raised:
            con.execute("SELECT count(*) FROM range(10000000000) AS t(i) WHERE i % 7 = 3").fetchall()
    finally:
        timer.cancel()
        watchdog.cancel()
        signal.signal(signal.SIGINT, previous)
    if isinstance(raised.value, duckdb.InterruptException):
        pytest.fail("the query ran until the watchdog stopped it: the signal never came")
    assert "interrupted" in str(raised.value) and interrupted(raised.value)
    assert not interrupted(RuntimeError("Conversion Error: could not convert 'abc' to INT32"))


def test_a_totals_row_that_states_more_than_its_loans_sum_to_fails_the_footer_check(risk_home, data_dir):
    """20 real LendingClub loans closed by a row `<sum>,Total,,,...`: landing sets the row aside as a
    totals row. Where its loan_amnt is $5,000 above the sum of the 20 loans (a loan line lost, or a
    wrong total) the footer check warns naming the file, the line and both figures; the copy whose
    total is right passes. Such a row was set aside unchecked, and the lost loan went unnoticed."""
    from itertools import islice

    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.loan_formats import parse_loan_file
    from risk_assets.lib.quality.footers import footer_mismatches

    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8", newline="") as handle:
        header, *rows = list(islice(csv.reader(handle), 21))
    amount = sum(float(row[header.index("loan_amnt")]) for row in rows)
    for name, stated in (("lc_total_right.csv", amount), ("lc_total_wrong.csv", amount + 5000)):
        total = [""] * len(header)
        total[header.index("loan_amnt")], total[header.index("term")] = f"{stated:.0f}", "Total"
        with open(risk_home.landing_loans / name, "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows([header, *rows, total])
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, "run-1", asset="raw_loans")
        landed = con.execute("SELECT regexp_extract(path, '[^/]+$'), rows_loaded, notes FROM raw.landed_files "
                             "ORDER BY 1").fetchall()
        outcome = footer_mismatches(con)
    assert [(name, loaded, json.loads(notes)["total_rows"]) for name, loaded, notes in landed] == [
        ("lc_total_right.csv", 20, ["22: Total"]), ("lc_total_wrong.csv", 20, ["22: Total"])]
    right = json.loads(landed[0][2])["footer_totals"]["total row, line 22: loan_amnt"]
    assert (right["stated"], right["summed"], right["rows"], right["matches"]) == (amount, amount, 20, True)
    assert (outcome.success, outcome.severity, outcome.rows_checked) == (False, "WARN", 2)
    (rule,) = outcome.failed_rules
    assert rule["column"] == "loan_amount"
    assert rule["detail"] == (f"lc_total_wrong.csv line 22: the totals row 'Total' states loan_amnt {amount + 5000:,.2f}, "
                              f"the 20 record(s) above it, loaded and quarantined alike, sum to {amount:,.2f} "
                              "(-5,000.00); a loan line was lost before the file landed, or the total is wrong")


def _land_both(risk_home, run_id: str):
    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.loan_formats import parse_loan_file
    from risk_assets.lib.ingest.news_formats import parse_news_file

    with connect(risk_home.lake_path) as con:
        news = land_folder(con, risk_home.landing_news, "news", parse_news_file, run_id, asset="raw_news")
        loans = land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, run_id, asset="raw_loans")
    return news, loans


def test_the_same_bytes_landed_as_a_loan_tape_and_as_news_keep_a_manifest_row_each(risk_home, data_dir):
    """An empty export dropped in both folders (one sha256) and a phrasebank file saved also as a loan
    tape: each domain records its own status and message, verify's refusals quote each its own, and
    the next run lands neither again."""
    from risk_assets.lib.ingest.landing import refusals_in_landing

    (risk_home.landing_news / "news_empty.csv").write_bytes(b"")
    (risk_home.landing_loans / "acme_empty.csv").write_bytes(b"")
    news, loans = _land_both(risk_home, "run-1")
    assert [(o.outcome, Path(o.path).name) for o in (*news.files, *loans.files)] == [
        ("refused", "news_empty.csv"), ("refused", "acme_empty.csv")]
    with connect(risk_home.lake_path) as con:
        manifest = con.execute("SELECT domain, regexp_extract(path, '[^/]+$'), status, message FROM raw.landed_files "
                               "ORDER BY domain").fetchall()
        refused = {Path(path).name: reason for path, reason in refusals_in_landing(con)}
    assert [row[:3] for row in manifest] == [("loans", "acme_empty.csv", "refused"), ("news", "news_empty.csv", "refused")]
    assert manifest[0][3] == f"{risk_home.landing_loans / 'acme_empty.csv'}: the file is empty (0 bytes): no header " \
                             "and no loans; was it landed before it was fully written?"
    assert manifest[1][3] == f"{risk_home.landing_news / 'news_empty.csv'}: the file is empty: no articles; was it " \
                             "landed before it was fully written?"
    assert refused == {"acme_empty.csv": "the file is empty (0 bytes): no header and no loans; was it landed before it "
                                         "was fully written?",
                       "news_empty.csv": "the file is empty: no articles; was it landed before it was fully written?"}
    news, loans = _land_both(risk_home, "run-2")  # tried again, each in its own domain
    assert [o.outcome for o in (*news.files, *loans.files)] == ["refused", "refused"]
    with connect(risk_home.lake_path) as con:
        assert con.execute("SELECT count(*), count(DISTINCT sha256) FROM raw.landed_files").fetchone() == (2, 1)


def test_a_lake_whose_manifest_was_keyed_by_sha256_alone_is_keyed_by_domain_once(risk_home):
    """A lake made when raw.landed_files was keyed by sha256 alone: the first open for writing
    rebuilds it keyed by (domain, sha256), its rows as they were, and records that it did; the
    same bytes then land in the other domain beside it."""
    from risk_assets.lib.lake import SHARED_DDL

    old_ddl = SHARED_DDL[:SHARED_DDL.index("\n);") + 3].replace("sha256            VARCHAR NOT NULL,",
                                                                 "sha256            VARCHAR PRIMARY KEY,")
    old_ddl = old_ddl.replace("unterminated_line BIGINT,", "unterminated_line BIGINT").replace(
        "    PRIMARY KEY (domain, sha256)", "")
    empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    with duckdb.connect(str(risk_home.lake_path)) as con:
        con.execute("CREATE SCHEMA raw")
        con.execute(old_ddl)
        con.execute("INSERT INTO raw.landed_files (sha256, path, size_bytes, domain, status, message) VALUES "
                    "(?, '/landing/news/news_empty.csv', 0, 'news', 'refused', 'the file is empty: no articles')",
                    [empty])
    (risk_home.landing_loans / "acme_empty.csv").write_bytes(b"")
    _land_both(risk_home, "run-1")
    with connect(risk_home.lake_path) as con:
        manifest = con.execute("SELECT domain, status, sha256 = ? FROM raw.landed_files ORDER BY domain",
                               [empty]).fetchall()
        migrated = con.execute("SELECT rows_changed FROM raw.lake_migrations "
                               "WHERE name = 'landed_files_keyed_by_domain_and_sha256'").fetchall()
        key = con.execute("SELECT constraint_column_names FROM duckdb_constraints() WHERE table_name = 'landed_files' "
                          "AND constraint_type = 'PRIMARY KEY'").fetchall()
    assert manifest == [("loans", "refused", True), ("news", "refused", True)]
    assert migrated == [(1,)] and key == [(["domain", "sha256"],)]


def test_the_same_bytes_loaded_as_a_loan_tape_and_as_news_are_withdrawn_one_domain_at_a_time(
        risk_home, monkeypatch, capsys):
    """A desk export saved into both landing folders loads twice (a mapping beside the loan tape
    reads it as loans, and its headlines are news): one sha256, a manifest row in each domain.
    Its sha256 or name alone is refused with each copy's domain, path, rows and command;
    `--domain` withdraws one, leaving the other's rows and file; then the sha256 names one."""
    from risk_assets.cli import main, own_command

    text = ("id,headline,published_at,amount,issued\n"
            "a-1,Acme Lending raises its dividend,2024-05-02T09:00:00Z,12000,2024-05-02\n"
            "a-2,Beta Bank cuts guidance,2024-05-02T10:00:00Z,8000,2024-05-02\n")
    tape, feed = risk_home.landing_loans / "acme_2024-05.csv", risk_home.landing_news / "acme_2024-05.csv"
    tape.write_text(text)
    feed.write_text(text)
    (risk_home.landing_loans / "acme_2024-05.csv.mapping.json").write_text(json.dumps(
        {"name": "acme", "columns": {"id": {"to": "source_loan_id", "required": True},
                                     "issued": {"to": "origination_date", "type": "date", "format": "%Y-%m-%d",
                                                "required": True},
                                     "amount": {"to": "loan_amount", "type": "money", "required": True}}}))
    news, loans = _land_both(risk_home, "run-1")
    assert [(o.outcome, o.rows_loaded) for o in (*news.files, *loans.files)] == [("loaded", 2), ("loaded", 2)]
    sha = news.files[0].sha256
    monkeypatch.setenv("RISK_HOME", str(risk_home.root))

    for which in (sha[:12], "acme_2024-05.csv"):
        assert main(["withdraw", which, "--reason", "dropped in both folders"]) == 2
        assert capsys.readouterr().err.splitlines() == [
            f"risk-assets: {which!r} names 2 loaded files, the same bytes landed as a loan tape and as news; "
            "say which with --domain:",
            f"  loans {tape} (2 rows): {own_command()} withdraw {sha[:12]} --domain loans "
            "--reason 'dropped in both folders'",
            f"  news  {feed} (2 rows): {own_command()} withdraw {sha[:12]} --domain news "
            "--reason 'dropped in both folders'"]

    assert main(["withdraw", sha[:12], "--domain", "loans", "--reason", "not a loan tape"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (f"withdrew {tape} (sha256 {sha[:12]}): 2 rows removed from raw.loans, 0 quarantine entries "
                      "removed; the manifest keeps it as 'withdrawn'")
    assert out[1] == (f"moved out of landing to {risk_home.root / 'withdrawn' / f'{sha[:12]}_acme_2024-05.csv'} "
                      "(landing it again loads it again)")
    assert "holds the same bytes" not in "\n".join(out)
    assert not tape.exists() and feed.exists()  # the news copy is news's file: it stays
    with connect(risk_home.lake_path, read_only=True) as con:
        assert con.execute("SELECT domain, status FROM raw.landed_files ORDER BY domain").fetchall() == [
            ("loans", "withdrawn"), ("news", "loaded")]
        assert con.execute("SELECT count(*) FROM raw.loans").fetchone()[0] == 0
        assert con.execute("SELECT doc_id FROM raw.news ORDER BY doc_id").fetchall() == [("a-1",), ("a-2",)]

    assert main(["withdraw", sha[:12], "--domain", "loans", "--reason", "again"]) == 2
    assert capsys.readouterr().err.startswith(f"risk-assets: {tape} is withdrawn already (withdrawn by operator ")
    assert main(["withdraw", sha[:12], "--reason", "not news either"]) == 0  # one loaded copy left: no --domain
    assert capsys.readouterr().out.splitlines()[0] == (
        f"withdrew {feed} (sha256 {sha[:12]}): 2 rows removed from raw.news, 0 quarantine entries removed; "
        "the manifest keeps it as 'withdrawn'")
    assert main(["withdraw", "acme_2024-05.csv", "--domain", "news", "--reason", "x"]) == 2
    assert capsys.readouterr().err.startswith(f"risk-assets: {feed} is withdrawn already (")



BANK_MAPPING = {"name": "bank", "portfolio": "bank", "applies_to": ["bank_*.csv"],
                "columns": {"loan_id": {"to": "source_loan_id", "required": True},
                            "orig_date": {"to": "origination_date", "required": True},
                            "amount": {"to": "loan_amount", "required": True}}}


def _land_and_check(risk_home, tmp_path, run_id):
    """Land the loan folder with BANK_MAPPING and record raw_loans_unique_per_snapshot, as a run does."""
    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.loan_formats import parse_loan_file
    from risk_assets.lib.quality.duplicates import conflicting_duplicates
    from risk_assets.lib.quality.outcome import record

    mappings = tmp_path / "mappings"
    mappings.mkdir(exist_ok=True)
    (mappings / "bank.mapping.json").write_text(json.dumps(BANK_MAPPING), encoding="utf-8")
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_loans, "loans", lambda p: parse_loan_file(p, mapping_dirs=[mappings]),
                    run_id, asset="raw_loans")
        record(con, conflicting_duplicates(con), run_id)


def test_withdrawing_one_version_of_a_name_releases_the_other_from_its_conflict(risk_home, tmp_path, monkeypatch,
                                                                                capsys):
    """A corrected tape landed under the landed one's name in another folder: both versions of loan 3
    were quarantined conflicting_duplicate. Withdrawing the first removed only its own entry, and the
    other version's stayed until the conflict check ran again, after other checks of that run had
    read the stale quarantine. The refusal of the ambiguous name listed two identical-looking lines.
    (Saved over the landed one at its path, the correction supersedes it at landing.)"""
    from risk_assets.cli import main, own_command

    tape = risk_home.landing_loans / "bank_asof_2024-04-30.csv"
    rows = ["loan_id,orig_date,amount", "1,2024-01-01,6000", "2,2024-01-01,6500", "3,2024-01-01,7000"]
    tape.write_text("\n".join(rows) + "\n")
    _land_and_check(risk_home, tmp_path, "run-1")
    resent = risk_home.landing_loans / "resent" / tape.name
    resent.parent.mkdir()
    resent.write_text("\n".join([*rows[:3], "3,2024-01-01,7100"]) + "\n")  # the correction, under the same name
    _land_and_check(risk_home, tmp_path, "run-2")
    with connect(risk_home.lake_path, read_only=True) as con:
        (old, old_at), (new, new_at) = con.execute(
            "SELECT sha256, landed_at FROM raw.landed_files ORDER BY landed_at").fetchall()
        assert sorted(con.execute("SELECT file_sha256, line FROM quality.quarantine").fetchall()) == sorted(
            [(old, 4), (new, 4)])
    monkeypatch.setenv("RISK_HOME", str(risk_home.root))

    assert main(["withdraw", tape.name, "--reason", "superseded"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"risk-assets: {tape.name!r} names 2 loaded files; give the sha256:",
        f"  loans {tape} (sha256 {old[:12]}, landed {old_at:%Y-%m-%d %H:%M:%S} UTC, the older) (3 rows): "
        f"{own_command()} withdraw {old[:12]} --domain loans --reason superseded",
        f"  loans {resent} (sha256 {new[:12]}, landed {new_at:%Y-%m-%d %H:%M:%S} UTC, the newer) (3 rows): "
        f"{own_command()} withdraw {new[:12]} --domain loans --reason superseded"]

    assert main(["withdraw", old[:12], "--reason", "superseded"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:2] == [
        f"withdrew {tape} (sha256 {old[:12]}): 3 rows removed from raw.loans, 1 quarantine entry removed; the "
        "manifest keeps it as 'withdrawn'",
        f"{resent} (sha256 {new[:12]}): 1 row(s) quarantined as conflicting_duplicate against the withdrawn file's "
        "conflict no more and are out of quarantine; staging takes them when rebuilt"]
    with connect(risk_home.lake_path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM quality.quarantine").fetchone()[0] == 0


def test_withdrawing_one_of_three_versions_leaves_the_other_two_in_conflict_and_says_so(risk_home, tmp_path):
    """Three versions of loan 3 in one snapshot, one per file: withdrawing one leaves the other two
    quarantined, their message counting the two versions left, and releases nothing."""
    from risk_assets.lib.ingest.landing import withdraw_file

    for name, amount in (("bank_a_asof_2024-04-30.csv", 7000), ("bank_b_asof_2024-04-30.csv", 7100),
                         ("bank_c_asof_2024-04-30.csv", 7200)):
        (risk_home.landing_loans / name).write_text(f"loan_id,orig_date,amount\n1,2024-01-01,6000\n3,2024-01-01,{amount}\n")
    _land_and_check(risk_home, tmp_path, "run-1")
    with connect(risk_home.lake_path) as con:
        done = withdraw_file(con, "bank_a_asof_2024-04-30.csv", "wrong amounts", "operator x",
                             risk_home.root / "withdrawn")
        left = con.execute("SELECT source_file, line, message FROM quality.quarantine ORDER BY source_file").fetchall()
    assert done.quarantine_removed == 1 and done.released == ()
    said = ("loan bank:3 has 2 different versions in snapshot 2024-04-30: bank_b_asof_2024-04-30.csv line 3; "
            "bank_c_asof_2024-04-30.csv line 3")
    assert [(Path(f).name, line, m) for f, line, m in left] == [("bank_b_asof_2024-04-30.csv", 3, said),
                                                                ("bank_c_asof_2024-04-30.csv", 3, said)]
