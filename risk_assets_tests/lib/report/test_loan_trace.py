"""`risk-assets loan`: one loan's path through the lake, on real LendingClub lines landed in a lake."""

from __future__ import annotations

from itertools import islice

from risk_assets.cli import main
from risk_assets.lib.ingest.landing import land_folder
from risk_assets.lib.ingest.loan_formats import parse_loan_file
from risk_assets.lib.lake import connect
from risk_assets.lib.report.loan_trace import trace_loan


def _land(risk_home, data_dir) -> str:
    """Land the header and first 20 LendingClub loans, line 5's amount made negative; returns the file's name."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        lines = [line.rstrip("\r\n") for line in islice(handle, 21)]
    lines[4] = "-" + lines[4]  # a negative loan_amnt on physical line 5
    tape = risk_home.landing_loans / "lc_2024-07.csv"
    tape.write_text("\n".join(lines) + "\n")
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, "run-trace", asset="raw_loans")
    return tape.name


def test_a_landed_loan_is_traced_to_its_line_features_and_score(risk_home, data_dir):
    name = _land(risk_home, data_dir)
    with connect(risk_home.lake_path) as con:
        key = con.execute("SELECT loan_key FROM raw.loans WHERE _source_line = 2").fetchone()[0]
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute("CREATE TABLE marts.loan_features AS SELECT loan_key FROM raw.loans WHERE _source_line <> 3")
        con.execute("CREATE TABLE ml.loan_scores AS SELECT loan_key, 0.1234 AS pd, 'R4' AS risk_grade, "
                    "'loan_pd_lendingclub' AS model, 'v2' AS model_version, TIMESTAMP '2026-12-01 10:00' AS scored_at "
                    "FROM marts.loan_features")
        con.execute("INSERT INTO ml.model_registry (model, version, status, artifact_path) "
                    "VALUES ('loan_pd_lendingclub', 'v3', 'champion', '/artifacts/v3')")

        by_line = trace_loan(con, f"{name}:2")
        by_key = trace_loan(con, key)
        unfeatured = trace_loan(con, f"{name}:3")

    assert by_line.found and by_line.lines == by_key.lines
    assert by_line.lines[0] == f"loan {key}"
    assert by_line.lines[1].startswith(f"  landed       {name} line 2 (sha256 ")
    assert "status 'Fully Paid' -> default flag 0; 5,000.00 USD" in by_line.lines[2]
    assert "  quarantined  nothing" in by_line.lines and "  features     in marts.loan_features" in by_line.lines
    assert by_line.lines[-1].startswith("  score        PD 0.1234 (grade R4) by loan_pd_lendingclub v2 (no longer the champion)")
    assert unfeatured.lines[-1] == "  score        none: only loans in marts.loan_features are scored"
    assert by_line.lines[-1].endswith("scored 2026-12-01 10:00 UTC; out of sample: this version never saw the loan")


def test_the_score_says_whether_its_version_trained_on_the_loan_or_held_it_out(risk_home, data_dir):
    """A PD of a loan the model learnt from flatters it; one of a holdout loan is what its figures
    were measured on. The trace says which, per version."""
    from risk_assets.lib.ml.pd_lake import ensure_pd_tables

    _land(risk_home, data_dir)
    with connect(risk_home.lake_path) as con:
        ensure_pd_tables(con)
        keys = [k for (k,) in con.execute("SELECT loan_key FROM raw.loans WHERE _source_line IN (2, 4) ORDER BY _source_line").fetchall()]
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute("CREATE TABLE marts.loan_features AS SELECT loan_key FROM raw.loans")
        con.execute("INSERT INTO ml.loan_scores (loan_key, portfolio, pd, risk_grade, model, model_version, scored_at) "
                    "SELECT loan_key, 'lendingclub', 0.2, 'R5', 'loan_pd_lendingclub', 'v1', "
                    "TIMESTAMP '2026-12-01 10:00' FROM marts.loan_features")
        con.execute("INSERT INTO ml.model_training_loans VALUES ('loan_pd_lendingclub', 'v1', ?)", [keys[0]])
        con.execute("INSERT INTO ml.model_holdouts VALUES ('loan_pd_lendingclub', 'v1', 'holdout', ?)", [keys[1]])
        trained, held = (trace_loan(con, key).lines[-1] for key in keys)
    assert trained.endswith("; in-sample: this version trained on the loan")
    assert held.endswith("; held out: one of the loans this version was measured on (holdout)")


def test_a_loan_the_version_never_saw_is_told_why(risk_home, data_dir, tmp_path):
    """"Out of sample" alone leaves the analyst asking why a labelled loan was not used: the trace
    names the reason the lake records. Real LendingClub lines 2-6 (line 5 quarantined) with these
    vintages: line 2's (2011) is one the vintage rule left out in the artifact's meta.json, line 3's
    (2015) is after the out-of-time window, line 4 had no outcome when the version trained, and line 6
    landed after it trained."""
    import json
    from datetime import timedelta

    from risk_assets.lib.ml.pd_lake import ensure_pd_tables

    _land(risk_home, data_dir)
    artifact = tmp_path / "v1"
    artifact.mkdir()
    (artifact / "meta.json").write_text(json.dumps({"run": {
        "vintages_left_out": [2011], "split_scheme": "out_of_time_vintage",
        "config": {"oot_train_until": 2010, "oot_holdout_from": 2011, "oot_holdout_to": 2012}}}))
    with connect(risk_home.lake_path) as con:
        ensure_pd_tables(con)
        keys = dict(con.execute("SELECT _source_line, loan_key FROM raw.loans WHERE _source_line IN (2, 3, 4, 6)").fetchall())
        (landed,) = con.execute("SELECT max(_ingested_at) FROM raw.loans").fetchone()
        con.execute("UPDATE raw.loans SET default_flag = NULL WHERE _source_line = 4")
        con.execute("UPDATE raw.loans SET _ingested_at = _ingested_at + INTERVAL 2 DAY WHERE _source_line = 6")
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute("CREATE TABLE marts.loan_features AS SELECT loan_key, CASE _source_line WHEN 2 THEN 2011 "
                    "WHEN 3 THEN 2015 ELSE 2010 END AS vintage FROM raw.loans")
        con.execute("INSERT INTO ml.loan_scores (loan_key, portfolio, pd, risk_grade, model, model_version, scored_at) "
                    "SELECT loan_key, 'lendingclub', 0.2, 'R5', 'loan_pd_lendingclub', 'v1', "
                    "TIMESTAMP '2026-12-01 10:00' FROM marts.loan_features")
        con.execute("INSERT INTO ml.model_registry (model, version, status, artifact_path, trained_at) "
                    "VALUES ('loan_pd_lendingclub', 'v1', 'champion', ?, ?)", [str(artifact), landed + timedelta(days=1)])
        roles = {line: trace_loan(con, key).lines[-1].split("; ", 1)[1] for line, key in keys.items()}
    never = "out of sample: this version never saw the loan: "
    lc_vintage = "(for lendingclub tapes: the year of issue_d, the origination date)"
    assert roles[2] == (never + f"its vintage 2011 {lc_vintage} is one the vintage rule left out of development and "
                        "holdouts, an input there being recorded after the outcome (the model card's split notes "
                        "name them; check loan_features_no_leakage)")
    assert roles[3] == (never + f"its vintage 2015 {lc_vintage} is after the out-of-time window (train on vintages "
                        "<= 2010, holdout 2011-2012; later vintages are not used)")
    assert roles[4] == never + "it had no outcome (default flag) when this version trained, so it could neither train nor judge it"
    assert roles[6] == never + f"it landed after this version trained ({landed + timedelta(days=1):%Y-%m-%d %H:%M} UTC)"


def test_an_sba_loan_left_out_by_the_in_time_subsample_or_the_vintage_rule_is_told_why(risk_home, data_dir, tmp_path):
    """Real SBA lines: loan 1000014003 (line 2: labelled, approved 1997-02-28, fiscal year 1997, in the
    in-time vintages) was not drawn into the 50,000 in-time loans the training subsampled from
    492,941 (the split note of the real SBA card); it said only 'never saw the loan'. Loan
    2059913005 (line 145,062) was approved 1984-10-01 in fiscal year 1985, a vintage the rule left
    out: the vintage is said to be ApprovalFY, October-September, beside its origination date, which
    read alone contradicts it."""
    import gzip
    import json
    from datetime import timedelta

    from risk_assets.lib.ml.pd_lake import ensure_pd_tables

    wanted = {2, 3, 145_062}
    with gzip.open(data_dir / "loans" / "sba_national.csv.gz", "rt", encoding="utf-8") as handle:
        lines = [line.rstrip("\r\n") for number, line in enumerate(islice(handle, max(wanted)), 1)
                 if number == 1 or number in wanted]
    (risk_home.landing_loans / "sba_part.csv").write_text("\n".join(lines) + "\n")
    artifact = tmp_path / "v1"
    artifact.mkdir()
    (artifact / "meta.json").write_text(json.dumps({"run": {
        "vintages_left_out": [1985], "split_scheme": "out_of_time_vintage",
        "split_notes": ["train on vintages <= 2003; out-of-time holdout 2004-2006; 168206 labelled loans of other or "
                        "unknown vintages unused",
                        "in-time loans subsampled (stratified) from 492941 to 50000 to bound CPU training time"],
        "config": {"oot_train_until": 2003, "oot_holdout_from": 2004, "oot_holdout_to": 2006}}}))
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, "run-trace", asset="raw_loans")
        ensure_pd_tables(con)
        (landed,) = con.execute("SELECT max(_ingested_at) FROM raw.loans").fetchone()
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute("CREATE TABLE marts.loan_features AS SELECT loan_key, vintage, origination_date, default_flag "
                    "FROM raw.loans")
        con.execute("INSERT INTO ml.loan_scores (loan_key, portfolio, pd, risk_grade, model, model_version, scored_at) "
                    "SELECT loan_key, 'sba', 0.07, 'R5', 'loan_pd_sba', 'v1', "
                    "TIMESTAMP '2026-12-01 10:00' FROM marts.loan_features")
        con.execute("INSERT INTO ml.model_registry (model, version, status, artifact_path, trained_at) "
                    "VALUES ('loan_pd_sba', 'v1', 'champion', ?, ?)", [str(artifact), landed + timedelta(days=1)])
        sampled = con.execute("SELECT loan_key FROM raw.loans WHERE _source_line = 3").fetchone()[0]
        con.execute("INSERT INTO ml.model_training_loans VALUES ('loan_pd_sba', 'v1', ?)", [sampled])
        drawn_out, left_out = (trace_loan(con, key).lines[-1].split("; ", 1)[1]
                               for key in ("sba:1000014003", "sba:2059913005"))
        assert trace_loan(con, sampled).lines[-1].endswith("; in-sample: this version trained on the loan")
    fiscal_year = "(for sba tapes: ApprovalFY, a fiscal year running October-September, so October 1984 counts as 1985"
    never = "out of sample: this version never saw the loan: "
    assert drawn_out == (never + f"its vintage 1997 {fiscal_year}; originated 1997-02-28) is in time (train on "
                         "vintages <= 2003), but it was not drawn into the 50,000 in-time loans subsampled (stratified) "
                         "from 492,941 for this version to bound CPU training time (the model card's split notes)")
    assert left_out == (never + f"its vintage 1985 {fiscal_year}; originated 1984-10-01) is one the vintage rule left "
                        "out of development and holdouts, an input there being recorded after the outcome (the model "
                        "card's split notes name them; check loan_features_no_leakage)")


def test_a_line_that_never_became_a_loan_shows_its_quarantine(risk_home, data_dir, capsys, monkeypatch):
    name = _land(risk_home, data_dir)
    monkeypatch.setenv("RISK_HOME", str(risk_home.root))

    assert main(["loan", f"{name}:5"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"{name}:5: no loan landed from this line; quarantined:"
    amount = (data_dir / "loans" / "lendingclub_2007_2011.csv").read_text().splitlines()[4].split(",")[0]
    assert out[1].startswith(f"  quarantined  non_positive_amount (raw_loans) column loan_amnt value '-{amount}'")

    assert main(["loan", f"{name}:1"]) == 0  # the header line
    assert capsys.readouterr().out == (f"{name}:1: the file's header, not a loan (the one line above its first "
                                       "record, line 2, that raw.non_data_lines does not list)\n")
    last = len((risk_home.landing_loans / name).read_text().splitlines())
    assert main(["loan", f"{name}:{last + 100}"]) == 1  # it exited 0, as if the line were in the file
    assert capsys.readouterr().err.startswith(f"{name}:{last + 100}: after the file's last record (line {last}): ")
    assert main(["quarantine", "--rule", "non_positive_amount"]) == 0
    assert capsys.readouterr().out.splitlines()[1].split()[:4] == [name, "raw_loans", "non_positive_amount", "1"]
    assert main(["quarantine", "nosuch.csv"]) == 1
    assert capsys.readouterr().err.startswith("nosuch.csv: no landed file has this name, path or sha256")

    assert main(["loan", "no-such-loan"]) == 1
    assert "no-such-loan: no loan key, loan id or file:line in the lake matches" in capsys.readouterr().err


def test_an_unscored_loan_says_why_its_book_has_no_champion(risk_home, data_dir):
    """A loan in the features of a book never trained, then of a book whose training was refused:
    the trace gives the book's reason, as check loan_scores_coverage does, not a guess."""
    from risk_assets.lib.ml.pd_lake import record_refusal

    name = _land(risk_home, data_dir)
    with connect(risk_home.lake_path) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute("CREATE TABLE marts.loan_features AS SELECT loan_key FROM raw.loans")
        con.execute("CREATE TABLE ml.loan_scores (loan_key VARCHAR, pd DOUBLE, risk_grade VARCHAR, model VARCHAR, "
                    "model_version VARCHAR, scored_at TIMESTAMP)")  # another book's scores: none of this one
        never = trace_loan(con, f"{name}:2").lines[-1]
        record_refusal(con, "lendingclub", "v1", "at least 20 defaults and 20 non-defaults needed per split; "
                       "train: 3 defaults / 19 loans", "run-1", labelled=19, defaults=3)
        refused = trace_loan(con, f"{name}:2").lines[-1]
    assert never == "  score        none: no loan_pd_lendingclub champion: never trained"
    assert refused == ("  score        none: no loan_pd_lendingclub champion: training refused: at least 20 defaults "
                       "and 20 non-defaults needed per split; train: 3 defaults / 19 loans")


def test_a_file_name_stored_decomposed_is_found_as_typed(risk_home, data_dir, capsys):
    """macOS stores `münchen` decomposed (u + a combining diaeresis, NFD); a user types it composed
    (NFC). `risk-assets loan <file>:<line>` and `risk-assets quarantine <file>` find it either way."""
    import unicodedata

    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        lines = [line.rstrip("\r\n") for line in islice(handle, 6)]
    typed = "bank_münchen_2024-05.csv"
    stored = unicodedata.normalize("NFD", typed)
    assert stored != typed
    lines[4] = "-" + lines[4]  # line 5: a negative loan amount, quarantined at landing
    (risk_home.landing_loans / stored).write_text("\n".join(lines) + "\n", encoding="utf-8")
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, "run-1", asset="raw_loans")
        found = trace_loan(con, f"{typed}:3")
    assert found.found and f"{stored} line 3" in "\n".join(found.lines)
    assert main(["quarantine", typed]) == 0
    listed = capsys.readouterr().out.splitlines()  # it said "no quarantined value" when the name was typed composed
    assert listed[0] == f"{typed}: 1 quarantined value(s)", listed
    assert listed[1].startswith("  line 5  loan_amnt  non_positive_amount '-"), listed
    assert main(["withdraw", typed, "--reason", "wrong month"]) == 0  # it said "no loaded file is ..."
    assert not (risk_home.landing_loans / stored).exists()
    with connect(risk_home.lake_path, read_only=True) as con:
        assert con.execute("SELECT status FROM raw.landed_files").fetchall() == [("withdrawn",)]


def test_a_file_renamed_after_it_landed_is_found_by_its_new_name(risk_home, data_dir, capsys, monkeypatch):
    """Renamed in landing after it landed, the file is `renamed` (a copy of itself) on the next run and
    the name it landed under is gone from the folder: `loan`, `quarantine` and `withdraw` take the
    only name the user can see, and say which landed file they read."""
    name = _land(risk_home, data_dir)
    renamed = risk_home.landing_loans / "lc_2024-07_final.csv"
    (risk_home.landing_loans / name).rename(renamed)
    with connect(risk_home.lake_path) as con:
        again = land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, "run-2", asset="raw_loans")
    assert [f.outcome for f in again.files] == ["renamed"]
    monkeypatch.setenv("RISK_HOME", str(risk_home.root))
    copy_line = f"{renamed.name}: the same bytes as {name}, which landed first (the file renamed after it landed, or a copy)"

    assert main(["loan", f"{renamed.name}:5"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(copy_line)
    assert out[1].endswith(f"{name}:5: no loan landed from this line; quarantined:")
    assert out[2].startswith("  quarantined  non_positive_amount (raw_loans) column loan_amnt")
    assert main(["loan", f"{renamed.name}:2"]) == 0
    assert f"  landed       {name} line 2 (sha256 " in capsys.readouterr().out

    assert main(["quarantine", renamed.name]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(copy_line) and out[1].endswith(f"{name}: 1 quarantined value(s)")
    assert out[2].startswith("  line 5  loan_amnt  non_positive_amount")

    assert main(["withdraw", renamed.name, "--reason", "wrong month"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"withdrew {risk_home.landing_loans / name} (sha256 ") and "19 rows removed" in out
    assert f"{renamed} holds the same bytes" in out and not renamed.exists()
    with connect(risk_home.lake_path, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM raw.loans").fetchone()[0] == 0


def test_one_copy_name_in_two_folders_is_not_taken_for_either_landed_file(risk_home, data_dir, capsys, monkeypatch):
    """`export.csv` in two vendors' folders holds two landed files' bytes: the commands that take a
    file name both and ask for a path or sha256, and `withdraw` withdraws neither. A copy whose path
    holds other bytes now (a header-only export saved over it, refused) is no copy any more."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        lines = [line.rstrip("\r\n") for line in islice(handle, 21)]
    first, second = risk_home.landing_loans / "lc_a.csv", risk_home.landing_loans / "lc_b.csv"
    first.write_text("\n".join(lines[:11]) + "\n")
    second.write_text("\n".join([lines[0], *lines[11:]]) + "\n")
    for vendor, source in (("acme", first), ("beta", second)):
        (risk_home.landing_loans / vendor).mkdir()
        (risk_home.landing_loans / vendor / "export.csv").write_bytes(source.read_bytes())
    with connect(risk_home.lake_path) as con:
        report = land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, "run-1", asset="raw_loans")
    assert sorted(f.outcome for f in report.files) == ["duplicate", "duplicate", "loaded", "loaded"]
    monkeypatch.setenv("RISK_HOME", str(risk_home.root))

    assert main(["quarantine", "export.csv"]) == 1
    assert capsys.readouterr().err.startswith(f"export.csv: copies of 2 landed files have this name: {first}, {second}")
    assert main(["loan", "export.csv:2"]) == 1
    assert "copies of 2 landed files have this name" in capsys.readouterr().err
    assert main(["withdraw", "export.csv", "--reason", "wrong month"]) == 2
    assert "'export.csv' names 2 loaded files; give the sha256" in capsys.readouterr().err

    (risk_home.landing_loans / "beta" / "export.csv").write_text(lines[0] + "\n")  # a failed export saved over it
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, "run-2", asset="raw_loans")
    assert main(["withdraw", "export.csv", "--reason", "wrong month"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"withdrew {first} (sha256 ") and "10 rows removed" in out
    assert f"{risk_home.landing_loans / 'acme' / 'export.csv'} holds the same bytes" in out


def test_a_copy_that_held_other_bytes_and_then_these_again_reads_these(risk_home, data_dir, capsys, monkeypatch):
    """`export.csv` holds lc_a's bytes, then lc_b's, then lc_a's again: each change is a landing event
    of its own, and the lookup follows the newest, lc_a, not the lc_b it held in between."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        lines = [line.rstrip("\r\n") for line in islice(handle, 21)]
    first, second = risk_home.landing_loans / "lc_a.csv", risk_home.landing_loans / "lc_b.csv"
    first.write_text("\n".join(lines[:11]) + "\n")
    second.write_text("\n".join([lines[0], *lines[11:]]) + "\n")
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, "run-0", asset="raw_loans")
    copy = risk_home.landing_loans / "export.csv"
    monkeypatch.setenv("RISK_HOME", str(risk_home.root))
    for run, source in enumerate((first, second, first), start=1):
        copy.write_bytes(source.read_bytes())
        with connect(risk_home.lake_path) as con:
            land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, f"run-{run}", asset="raw_loans")
    assert main(["loan", "export.csv:2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("export.csv: the same bytes as lc_a.csv, which landed first") and " lc_a.csv line 2 " in out


def test_a_withdrawn_file_says_when_by_whom_and_why_its_lines_hold_no_loan(risk_home, data_dir, capsys, monkeypatch):
    """After `risk-assets withdraw`, `loan FILE:LINE` called a loan's line 'the header, a note ... or
    past the file's end' and `quarantine FILE` said 'no quarantined value; withdrawn, 19 rows
    loaded': both now say the file was withdrawn, when, by whom and why, and what was removed."""
    import getpass

    name = _land(risk_home, data_dir)  # 19 loans and line 5 quarantined
    monkeypatch.setenv("RISK_HOME", str(risk_home.root))
    assert main(["withdraw", name, "--reason", "wrong month"]) == 0
    capsys.readouterr()
    with connect(risk_home.lake_path, read_only=True) as con:
        (sha, when) = con.execute("SELECT sha256, seen_at FROM raw.landing_events WHERE outcome = 'withdrawn'").fetchone()
    said = (f"withdrawn on {when:%Y-%m-%d %H:%M} UTC by operator {getpass.getuser()} (wrong month): its 19 loaded "
            "rows and 1 quarantine entries were removed from the lake")

    assert main(["loan", f"{name}:2"]) == 0
    assert capsys.readouterr().out.strip() == f"{name}:2: no line of this file holds a loan now: the file was {said}"
    assert main(["quarantine", name]) == 0
    assert capsys.readouterr().out.strip() == f"{name}: {said}"
    assert main(["quarantine", sha[:12]]) == 0
    assert capsys.readouterr().out.strip() == f"{sha[:12]}: {said}"


def test_a_corrected_file_saved_over_a_landed_one_is_told_apart_by_its_sha256(risk_home, data_dir, capsys, monkeypatch):
    """A corrected tape copied over the landed one under its name lands as a second version of that
    name. `quarantine NAME` merged both versions' values (line 5 of the first, line 9 of the second)
    without saying there were two; the id-less repeats check named one file twice ('lc_2024-07.csv 18
    of 19 from lc_2024-07.csv'); and withdrawing the first version said the corrected bytes at its
    path were 'left in landing, where the next run loads it', though they were loaded already. (A
    correction saved over a landed tape now supersedes it at landing; a lake landed before keeps both
    versions, as here.)"""
    from risk_assets.lib.ingest import landing
    from risk_assets.lib.quality.duplicates import idless_repeats

    name = _land(risk_home, data_dir)  # line 5's amount negative: quarantined
    tape = risk_home.landing_loans / name
    lines = tape.read_text().splitlines()
    lines[4], lines[8] = lines[4].removeprefix("-"), "-" + lines[8]  # line 5 corrected, line 9 now negative
    tape.write_text("\n".join(lines) + "\n")
    monkeypatch.setattr(landing, "_supersede_in_place", lambda *args, **kwargs: [])  # landed as before
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, "run-fix", asset="raw_loans")
        (old, old_at), (new, new_at) = con.execute("SELECT sha256, landed_at FROM raw.landed_files ORDER BY landed_at").fetchall()
        repeats = idless_repeats(con)
    monkeypatch.setenv("RISK_HOME", str(risk_home.root))

    assert main(["quarantine", name]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == [f"{name}: 2 landed versions have this name, the newest first:",
                       f"  sha256 {new[:12]}  landed {new_at:%Y-%m-%d %H:%M} UTC  loaded  {tape}",
                       f"  sha256 {old[:12]}  landed {old_at:%Y-%m-%d %H:%M} UTC  loaded  {tape}"]
    assert out[3] == f"{new[:12]}: 1 quarantined value(s)"
    assert out[4].startswith("  line 9  loan_amnt  non_positive_amount '-")
    assert out[5:] == [f"the older version's: risk-assets quarantine {old[:12]}"]

    assert repeats.observed == (f"1 id-less file(s) repeat the loans of an earlier file: {name} (sha256 {new[:12]}) "
                                f"18 of 19 from {name} (sha256 {old[:12]}) (19 loans)")
    assert repeats.failed_rules[0]["detail"].endswith(f"risk-assets withdraw {old[:12]}")

    assert main(["withdraw", old[:12], "--reason", "superseded by the corrected copy"]) == 0
    said = capsys.readouterr().out
    assert (f"{tape} now holds other bytes (a corrected file saved over it?): loaded already, as file sha256 "
            f"{new[:12]}; left in place and in the lake. Withdrawing that version too is a separate command: ") in said
    assert f" withdraw {new[:12]} --domain loans --reason ..." in said and "the next run loads it" not in said


def test_a_line_inside_a_record_is_traced_to_the_record_and_a_total_row_is_named(risk_home, data_dir):
    """Real LendingClub lines with a `desc` column, line 5's value quoted over two lines (the record
    of line 5 ends on line 6), and a total row below the records. `loan FILE:6` and `loan FILE:<total>`
    gave the generic 'the header, a note or title above it, a blank line, ...'."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        lines = [line.rstrip("\r\n") + ",plain" for line in islice(handle, 11)]
    lines[0] = lines[0].removesuffix(",plain") + ",desc"
    lines[4] = lines[4].removesuffix(",plain") + ',"line one\nline two"'
    lines.append("Total" + "," * lines[0].count(","))  # physical line 13
    tape = risk_home.landing_loans / "lc_desc.csv"
    tape.write_text("\n".join(lines) + "\n")
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, "run-desc", asset="raw_loans")
        assert [n for (n,) in con.execute("SELECT _source_line FROM raw.loans ORDER BY 1").fetchall()] == \
            [2, 3, 4, 5, 7, 8, 9, 10, 11, 12]
        inside = trace_loan(con, f"{tape.name}:6")
        total = trace_loan(con, f"{tape.name}:13")
        key = con.execute("SELECT loan_key FROM raw.loans WHERE _source_line = 5").fetchone()[0]
        con.execute("DELETE FROM raw.non_data_lines")  # as a lake that landed the file before the table
        total_by_notes = trace_loan(con, f"{tape.name}:13")
        inside_by_notes = trace_loan(con, f"{tape.name}:6")

    assert inside.found and inside.lines[:2] == [
        f"{tape.name}:6: inside the record that starts on line 5 (a quoted value running over lines; the next "
        "record starts on line 7); that record:", f"loan {key}"]
    assert inside.lines[2].startswith(f"  landed       {tape.name} line 5 (sha256 ")
    assert total.found and total.lines == [f"{tape.name}:13: a total row ('Total'), not a loan "
                                           "(raw.non_data_lines, kind total_row)"]
    assert total_by_notes.lines == [f"{tape.name}:13: the file's total row ('Total'), not a loan "
                                    "(the manifest's notes, total_rows)"]
    assert inside_by_notes.lines == inside.lines  # its one non-data line is the one the notes name


def _land_lines(risk_home, name: str, lines: list[str]) -> str:
    (risk_home.landing_loans / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, "run-lines", asset="raw_loans")
    return name


def test_a_non_data_line_is_named_by_its_kind_and_text(risk_home, cases_dir):
    """The F05 case (a note above the header, a policy marker, blank lines, footers) with its header
    repeated after line 5, as two exports joined: each such line is said for what it is. The
    repeated header was 'inside the record of line 5 ... or one of the file's 8 non-data line(s)
    ... that the manifest counts without saying which lines they are', a footer 'after the file's
    last record: a footer, a blank line or past the file's end' (exit 1)."""
    lines = (cases_dir / "F05_loanstats_with_note_lines.csv").read_text(encoding="utf-8").splitlines()
    header = lines[1]
    name = _land_lines(risk_home, "f05_joined.csv", [*lines[:5], header, *lines[5:]])
    with connect(risk_home.lake_path) as con:
        said = {line: trace_loan(con, f"{name}:{line}") for line in (1, 2, 6, 10, 11, 17)}
        kinds = con.execute("SELECT line, kind FROM raw.non_data_lines ORDER BY line").fetchall()
    assert kinds == [(1, "note"), (6, "repeated_header"), (10, "blank"), (11, "policy_marker"), (15, "blank"),
                     (16, "blank"), (17, "footer"), (18, "footer")]
    assert all(trace.found and len(trace.lines) == 1 for trace in said.values())
    assert said[6].lines[0] == (f"{name}:6: a repeated header ({header[:80]!r} ...), not a loan "
                                "(raw.non_data_lines, kind repeated_header)")
    assert said[1].lines[0] == (f"{name}:1: a note or title above the header ('Notes offered by Prospectus "
                                "(https://www.example.invalid/prospectus)'), not a loan (raw.non_data_lines, kind note)")
    assert said[2].lines[0] == (f"{name}:2: the file's header, not a loan (the one line above its first record, "
                                "line 3, that raw.non_data_lines does not list)")
    assert said[10].lines[0] == f"{name}:10: a blank line (empty, or separators only), not a loan (raw.non_data_lines, kind blank)"
    assert said[11].lines[0] == (f"{name}:11: a credit-policy marker ('Loans that do not meet the credit policy'), "
                                 "not a loan (raw.non_data_lines, kind policy_marker)")
    assert said[17].lines[0] == (f"{name}:17: a footer ('Total amount funded in policy code 1: 27900'), not a loan "
                                 "(raw.non_data_lines, kind footer)")


def test_a_line_inside_a_multi_line_record_is_that_record_though_the_file_has_blank_lines(risk_home, cases_dir):
    """The F06 case, whose loan 71002 (line 3) has a description quoted over lines 3-4, with a blank
    line after line 6. Line 4 was 'inside the record of line 3 ..., or one of the file's 1 non-data
    line(s) ... that the manifest counts without saying which lines they are': the table says the
    blank line is line 7, so line 4 is the record's."""
    lines = (cases_dir / "F06_lc_formatted_strings.csv").read_text(encoding="utf-8").splitlines()
    name = _land_lines(risk_home, "f06_gap.csv", [*lines[:6], "", *lines[6:]])
    with connect(risk_home.lake_path) as con:
        inside = trace_loan(con, f"{name}:4")
        blank = trace_loan(con, f"{name}:7")
    assert inside.found and inside.lines[:2] == [
        f"{name}:4: inside the record that starts on line 3 (a quoted value running over lines; the next record "
        "starts on line 5); that record:", "loan lendingclub:71002"]
    assert inside.lines[2].startswith(f"  landed       {name} line 3 (sha256 ")
    assert blank.lines == [f"{name}:7: a blank line (empty, or separators only), not a loan (raw.non_data_lines, kind blank)"]


def test_a_file_landed_before_the_table_keeps_the_counted_wording(risk_home, cases_dir):
    """A lake that landed the file before raw.non_data_lines existed has no row of it (or, opened
    read-only, no table): the trace says only what the manifest's count and notes tell."""
    lines = (cases_dir / "F06_lc_formatted_strings.csv").read_text(encoding="utf-8").splitlines()
    name = _land_lines(risk_home, "f06_gap.csv", [*lines[:6], "", *lines[6:]])
    with connect(risk_home.lake_path) as con:
        con.execute("DELETE FROM raw.non_data_lines")
        emptied = [trace_loan(con, f"{name}:{line}").lines for line in (4, 7)]
        con.execute("DROP TABLE raw.non_data_lines")
        dropped = [trace_loan(con, f"{name}:{line}").lines for line in (4, 7)]
    assert emptied == dropped
    for line, said in zip((4, 7), emptied, strict=True):
        assert said == [f"{name}:{line}: no record starts on this line; it lies between the records of lines "
                        f"{3 if line == 4 else 6} and {5 if line == 4 else 8}: inside the record of line "
                        f"{3 if line == 4 else 6} (a quoted value running over lines), or one of the file's 1 "
                        "non-data line(s) (a repeated header, a marker, a blank line) that the manifest counts "
                        f"without saying which lines they are; the record of line {3 if line == 4 else 6}: "
                        f"risk-assets loan {name}:{3 if line == 4 else 6}"]


def test_the_quarantine_listing_keeps_its_columns_when_line_numbers_grow(risk_home, data_dir, capsys):
    """Lines 5 and 1086 of one tape quarantined: the listing's columns moved right at the four-digit
    line ('line 1086  term_months' against 'line 5  ...'); line numbers are right-aligned now."""
    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        lines = [line.rstrip("\r\n") for line in islice(handle, 1100)]
    for at in (5, 1086):
        lines[at - 1] = "-" + lines[at - 1]  # a negative loan amount, quarantined at landing
    (risk_home.landing_loans / "lc_long.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, "run-1", asset="raw_loans")
    assert main(["quarantine", "lc_long.csv"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed[0] == "lc_long.csv: 2 quarantined value(s)"
    assert listed[1].startswith("  line    5  loan_amnt  non_positive_amount '-")
    assert listed[2].startswith("  line 1086  loan_amnt  non_positive_amount '-")


def test_a_loan_of_a_withdrawn_file_looked_up_by_its_key_or_id_says_so(risk_home, data_dir, cases_dir, capsys,
                                                                        monkeypatch):
    """`loan FILE:LINE` of a withdrawn file said so, but its loans looked up by key or tape id were
    'no loan key, loan id or file:line in the lake matches' (exit 1), while loan_features and the
    scores still held them. By key or id the loan now names its file, line and the withdrawal, and
    while the features are not rebuilt, that they still hold it; a loan without a tape id keeps
    saying so after the rebuild (its key holds the file's sha256 prefix and the line)."""
    import getpass
    import shutil

    name = _land(risk_home, data_dir)  # LendingClub lines without an id: keyed by file and line
    shutil.copy(cases_dir / "F01_loans_2024-01.csv", risk_home.landing_loans)  # loan_id 1000...
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, "run-ids", asset="raw_loans")
        idless = con.execute("SELECT loan_key FROM raw.loans WHERE _source_line = 7 AND loan_key LIKE 'lendingclub:%'"
                             ).fetchone()[0]
        with_id = con.execute("SELECT loan_key FROM raw.loans WHERE source_loan_id = '1001'").fetchone()[0]
        con.execute("CREATE TABLE staging.stg_loans AS SELECT * FROM raw.loans")  # as key:stg_loans+ builds them
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute("CREATE TABLE marts.loan_features AS SELECT DISTINCT loan_key, portfolio FROM raw.loans")
    monkeypatch.setenv("RISK_HOME", str(risk_home.root))
    for file in (name, "F01_loans_2024-01.csv"):
        assert main(["withdraw", file, "--reason", "wrong month"]) == 0
    capsys.readouterr()

    def said(file: str, rows: int, quarantined: int) -> str:
        with connect(risk_home.lake_path, read_only=True) as con:
            (when,) = con.execute("SELECT l.seen_at FROM raw.landing_events AS l JOIN raw.landed_files AS m "
                                  "USING (sha256) WHERE l.outcome = 'withdrawn' AND m.path LIKE ?", [f"%{file}"]).fetchone()
        return (f"withdrawn on {when:%Y-%m-%d %H:%M} UTC by operator {getpass.getuser()} (wrong month): its {rows} "
                f"loaded rows and {quarantined} quarantine entries were removed from the lake")

    rebuild = ("; it is still in loan_features and its scores until they are rebuilt: risk-assets run --no-seed "
               "--select 'key:stg_loans+ and not group:models'")
    assert idless.startswith("lendingclub:") and with_id == "lendingclub:1001"
    assert main(["loan", idless]) == 0
    assert capsys.readouterr().out.strip() == (f"loan {idless}: landed from {name} line 7, a file since "
                                               f"{said(name, 19, 1)}{rebuild}")
    for query in ("1001", with_id):
        assert main(["loan", query]) == 0
        assert capsys.readouterr().out.strip() == ("loan lendingclub:1001: landed from F01_loans_2024-01.csv line 3, "
                                                   f"a file since {said('F01_loans_2024-01.csv', 12, 0)}{rebuild}")

    with connect(risk_home.lake_path) as con:  # rebuilt: staging and the features no longer hold them
        con.execute("CREATE OR REPLACE TABLE staging.stg_loans AS SELECT * FROM raw.loans")
        con.execute("CREATE OR REPLACE TABLE marts.loan_features AS SELECT DISTINCT loan_key, portfolio FROM raw.loans")
    assert main(["loan", idless]) == 0
    assert capsys.readouterr().out.strip() == f"loan {idless}: landed from {name} line 7, a file since {said(name, 19, 1)}"
    assert main(["loan", "1001"]) == 1  # its file is named nowhere in the lake now


def test_a_mistyped_portfolio_names_the_lakes_portfolios_by_key_and_by_file_line(risk_home, data_dir):
    """`--portfolio lendingclb` said only that no loan matched (and file:line ignored the filter, tracing
    the loan of any portfolio): the lake's portfolios are named, the closest first; a file:line whose
    loan is of another portfolio than the one given says which."""
    name = _land(risk_home, data_dir)
    with connect(risk_home.lake_path) as con:
        key = con.execute("SELECT loan_key FROM raw.loans WHERE _source_line = 2").fetchone()[0]
        loan_id = key.split(":")[1]
        con.execute("INSERT INTO raw.loans (loan_key, portfolio) VALUES ('acme:1', 'acme')")
        mistyped = [trace_loan(con, query, "lendingclb") for query in (loan_id, f"{name}:2")]
        other = trace_loan(con, f"{name}:2", "acme")
        right = trace_loan(con, f"{name}:2", "lendingclub")
    said = ("no portfolio 'lendingclb' in the lake; did you mean 'lendingclub'? (its portfolios: acme (1 row), "
            "lendingclub (19 rows))")
    assert [(trace.found, trace.lines) for trace in mistyped] == [(False, [said])] * 2
    assert (other.found, other.lines) == (False, [f"{name}:2: its loan is in portfolio 'lendingclub', not 'acme': "
                                                  "look it up without --portfolio, or with that one"])
    assert right.found and right.lines[0] == f"loan {key}"
