"""`python -m risk_assets.verify` on a small hand-made lake: every line says what it counted, a
shortfall is a FAIL with its count, and any FAIL exits 1."""

from __future__ import annotations

import pytest

from risk_assets import verify
from risk_assets.cli import own_command
from risk_assets.lib.lake import connect

LANDED = [  # sha256, path, domain, format, rows_in_file, loaded, quarantined, non-data, status
    ("a", "loans/lendingclub_2007_2011.csv", "loans", "lendingclub", 3, 3, 0, 0, "loaded"),
    ("b", "loans/sba_national.csv.gz", "loans", "sba", 5, 3, 1, 0, "loaded"),  # one row unaccounted for
    ("c", "loans/broken.csv", "loans", None, None, None, None, None, "failed"),
    ("d", "landing/loans/two_months.xlsx", "loans", None, None, None, None, None, "refused"),  # under the home
]


def _small_lake(path) -> None:
    refused = path.parent / "landing" / "loans" / "two_months.xlsx"  # in landing still, so tried again
    refused.parent.mkdir(parents=True, exist_ok=True)
    refused.write_bytes(b"PK")
    with connect(path) as con:
        for row in LANDED:
            row = (*row[:1], str(refused) if row[-1] == "refused" else row[1], *row[2:])
            con.execute("INSERT INTO raw.landed_files (sha256, path, size_bytes, domain, format, rows_in_file, "
                        "rows_loaded, rows_quarantined, non_data_lines, status) VALUES (?, ?, 1, ?, ?, ?, ?, ?, ?, ?)", row)
            con.execute("INSERT INTO raw.landing_events (path, sha256, size_bytes, outcome, seen_at) "
                        "VALUES (?, ?, 1, ?, now())", [row[1], row[0], row[-1]])
        con.execute("UPDATE raw.landed_files SET message = path || ': sheets ''Jan'', ''Feb'' all hold loan tapes' "
                    "WHERE status = 'refused'")
        con.execute("UPDATE raw.landed_files SET message = path || ': parser error AttributeError: no strip' "
                    "WHERE status = 'failed'")
        con.execute("CREATE TABLE raw.loans AS SELECT 'k' || range AS loan_key FROM range(6)")
        con.execute("CREATE TABLE raw.news AS SELECT 'x' AS _file_sha256, 'news/financial_phrasebank_all.csv' AS _source_file, "
                    "'neutral' AS label")
        con.execute("CREATE TABLE marts.loan_features AS SELECT 'k' || range AS loan_key, "
                    "CASE WHEN range < 4 THEN 'lendingclub' ELSE 'acme' END AS portfolio FROM range(6)")
        # k0-k2 scored by the champion v1, k3 only by the retired v0 (a retraining whose scoring did not run)
        con.execute("CREATE TABLE ml.loan_scores AS SELECT 'k' || range AS loan_key, 'loan_pd_lendingclub' AS model, "
                    "CASE WHEN range < 3 THEN 'v1' ELSE 'v0' END AS model_version FROM range(4)")
        con.execute("CREATE TABLE marts.news_features AS SELECT 'd1' AS doc_id")
        con.execute("CREATE TABLE ml.news_scores AS SELECT 'd1' AS doc_id, 'v1' AS model_version")
        con.execute("INSERT INTO ml.model_registry (model, version, status, artifact_path) "
                    "VALUES ('loan_pd_lendingclub', 'v1', 'champion', 'a'), ('loan_pd_lendingclub', 'v0', 'retired', 'a'), "
                    "('news_sentiment', 'v1', 'champion', 'b')")


def test_each_line_names_what_it_counted_and_a_shortfall_fails(risk_home, capsys):
    _small_lake(risk_home.lake_path)
    with connect(risk_home.lake_path, read_only=True) as con:
        results = {name: (passed, observed) for name, passed, observed in verify.checks(con)}
    assert list(results.values()) == [
        (False, "1 files that do not reconcile"),  # the SBA file: 5 rows in it, 3 + 1 accounted for
        (False, "1 failed files: broken.csv (parser error AttributeError: no strip)"),
        (False, "3 loans loaded"),
        (False, "4 loans loaded or quarantined"),
        (True, "0 rows of difference"),
        (False, "1 files"),
        (False, "1 portfolios with a champion"),
        # k3 (the retired model's) and k4, k5 (a portfolio with no champion at all)
        (False, "3 loans without a champion's score: acme 2 (no loan_pd_acme champion: never trained), lendingclub 1"),
        (True, "1 version(s)"),
        (True, "0 articles without a champion's score"),
    ]
    assert verify.main() == 1
    out = capsys.readouterr().out
    assert ("FAIL every loan in loan_features has a PD score from its portfolio's champion "
            "(observed 3 loans without a champion's score: acme 2 (no loan_pd_acme champion") in out
    assert "ok   raw.loans holds every loaded loan (observed 0 rows of difference)" in out
    assert ("note refused (tried again on each run while in landing): two_months.xlsx: sheets 'Jan', 'Feb' "
            "all hold loan tapes") in out  # the message without the path it starts with


def test_the_totals_the_lines_judge_by_difference_are_printed_beside_them(risk_home, capsys):
    """'0 loans without a champion's score' says nothing of how many were scored: a `lake` line per
    domain gives what landed, what reached the features and what the champions scored."""
    _small_lake(risk_home.lake_path)
    with connect(risk_home.lake_path) as con:
        con.execute("INSERT INTO raw.landed_files (sha256, path, size_bytes, domain, format, rows_in_file, rows_loaded, "
                    "rows_quarantined, non_data_lines, status) VALUES ('n', 'news/wire.csv', 1, 'news', 'csv', 2, 2, 0, 0, "
                    "'loaded')")
        con.execute("INSERT INTO raw.loans (loan_key) VALUES ('k6')")  # landed, held out by a quarantined value
        con.execute("UPDATE raw.landed_files SET rows_loaded = 4 WHERE sha256 = 'b'")
        con.execute("INSERT INTO quality.quarantine (asset, record_key, rule) VALUES ('raw_loans_values', 'k6', "
                    "'term_positive')")
    verify.main()
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("lake ")]
    held = (f"1 held out by quarantine after landing, by the check raw_loans_values ({own_command()} quarantine "
            "lists them by file and rule)")
    assert lines == [
        f"lake loans: 7 loans landed from 2 file(s), one snapshot row each; 6 loans in loan_features, {held}; "
        "3 scored by their portfolio's champion",  # k3 by a retired version, k4 and k5 by none
        "lake news: 2 rows landed from 1 file(s); 1 articles in news_features (a text's copies counted once); "
        "1 scored by the champion: 0 train, 0 holdout, 0 unseen, 1 unknown"]  # a table without its sample column

    # the next month's tape of k0 and k1: two more snapshot rows, no more loans; 6 + 1 = 7 loans still
    with connect(risk_home.lake_path) as con:
        con.execute("INSERT INTO raw.landed_files (sha256, path, size_bytes, domain, format, rows_in_file, rows_loaded, "
                    "rows_quarantined, non_data_lines, status) VALUES ('e', 'loans/lendingclub_2012-01.csv', 1, "
                    "'loans', 'lendingclub', 2, 2, 0, 0, 'loaded')")
        con.execute("INSERT INTO raw.loans (loan_key) VALUES ('k0'), ('k1')")
    verify.main()
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("lake loans")]
    assert lines == [f"lake loans: 9 snapshot rows of 7 loans landed from 3 file(s); 6 loans in loan_features, "
                     f"{held}; 3 scored by their portfolio's champion"]


def test_loans_held_out_are_named_by_when_and_which_check_set_them_aside():
    """The landing log counts only what the parse quarantined ('0 to quarantine at landing'): the 811
    sample loans a value check sets aside later are named with that check, and a loan kept out at
    landing (a conflicting row of it) says so."""
    assert verify.held_out_said(811, ["raw_loans_values"]) == (
        f"811 held out by quarantine after landing, by the check raw_loans_values ({own_command()} quarantine "
        "lists them by file and rule)")
    assert verify.held_out_said(3, ["raw_loans", "raw_loans_values", "stg_loans_values"]) == (
        "3 held out by quarantine at landing and after landing, by the checks raw_loans_values, stg_loans_values "
        f"({own_command()} quarantine lists them by file and rule)")
    assert verify.held_out_said(1, ["raw_loans"]) == (
        f"1 held out by quarantine at landing ({own_command()} quarantine lists them by file and rule)")


def test_a_broken_link_is_noted_and_a_refused_file_deleted_from_landing_is_not(risk_home, cases_dir, capsys):
    """A link to a missing file is refused unread (no bytes, so no manifest row): verify had no note
    for it, only Dagster's log and raw.landing_events said so. A file refused and then deleted from
    landing is tried again by no run, yet verify kept noting it as tried again on each run, where the
    run's summary rightly left it out."""
    import os
    import shutil

    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.loan_formats import parse_loan_file

    landing = risk_home.landing_loans
    os.symlink(risk_home.root / "gone" / "tape.csv", landing / "F58_broken_link.csv")
    shutil.copy(cases_dir / "F09_european_semicolon_cp1252.csv", landing)
    with connect(risk_home.lake_path) as con:
        report = land_folder(con, landing, "loans", parse_loan_file, "r1", asset="raw_loans")
    assert [(os.path.basename(f.path), f.outcome) for f in report.files] == [
        ("F09_european_semicolon_cp1252.csv", "refused"), ("F58_broken_link.csv", "refused")]
    (landing / "F09_european_semicolon_cp1252.csv").unlink()

    verify.main(["--own-data"])
    notes = [line for line in capsys.readouterr().out.splitlines() if line.startswith("note refused")]
    assert notes == [f"note refused (tried again on each run while in landing): F58_broken_link.csv: a link to "
                     f"{risk_home.root / 'gone' / 'tape.csv'}, which does not exist (a share not mounted, a file "
                     "moved or deleted): fix or remove the link; it is tried again on the next run"]


def test_a_book_whose_training_was_refused_says_why_on_the_scores_line(risk_home, capsys):
    """The reason is the book's own (as `risk-assets loan` and check loan_scores_coverage give it),
    not a pointer to a card that may be about other books."""
    _small_lake(risk_home.lake_path)
    refusal = ("too few defaults to train and judge a PD model: at least 20 defaults and 20 non-defaults "
               "per split; short: holdout (4 defaults / 40 loans)")
    with connect(risk_home.lake_path) as con:
        con.execute("INSERT INTO ml.model_metrics (model, version, split, metric, value, reason, recorded_at) VALUES "
                    "('loan_pd_acme', 'r1', 'all', 'auc', NULL, ?, now())", [refusal])
        results = {name: observed for name, _, observed in verify.checks(con)}
        own = {name: passed for name, passed, _ in verify.checks(con, own_data=True)}
        con.execute("DELETE FROM marts.loan_features WHERE portfolio <> 'acme'")
        only_refused = {name: passed for name, passed, _ in verify.checks(con, own_data=True)}
        sample = {name: passed for name, passed, _ in verify.checks(con)}
    train = ("""run --no-seed --select 'key:loan_pd_model+' --config-json """
             """'{"ops": {"loan_pd_model": {"config": {"portfolios": ["acme"]}}}}'""")
    line = "every loan in loan_features has a PD score from its portfolio's champion"
    assert results[line] == (
        f"3 loans without a champion's score: acme 2 (no loan_pd_acme champion: training refused: {refusal}), "
        f"lendingclub 1; land loans with more defaults, then train: {own_command()} {train} "
        "(retrain_sensor tries again once 20 more defaults have landed)")
    # a lender's book too small to train is not a broken lake: skipped with --own-data, unless other
    # loans (lendingclub's, with a champion) are unscored too; the sample's terms fail it
    assert (own[line], only_refused[line], sample[line]) == (False, None, False)


def test_a_refused_sentiment_training_says_why_and_what_to_do(risk_home, capsys):
    """Too few labelled sentences of a label: no version is registered, and both sentiment lines give
    the refusal kept in ml.model_metrics (split all, macro_f1 NULL) and the command that trains once
    more have landed: a FAIL on the sample's terms, a skip on a lender's own lake (as a PD book
    refused for too few defaults), whose verify then exits 0."""
    _small_lake(risk_home.lake_path)
    refusal = ("not trained: too few distinct labelled sentences to hold out a stratified share: "
               "{'positive': 358, 'neutral': 39, 'negative': 1} (need at least 2 of each of "
               "('negative', 'neutral', 'positive'))")
    with connect(risk_home.lake_path) as con:
        con.execute("DELETE FROM ml.model_registry WHERE model = 'news_sentiment'")
        con.execute("DELETE FROM ml.news_scores")
        con.execute("CREATE OR REPLACE TABLE raw.news AS SELECT 'x' AS _file_sha256, 'desk.csv' AS _source_file, "
                    "'Sales rose.' AS text_clean, 'positive' AS label")
        con.execute("INSERT INTO ml.model_metrics (model, version, split, metric, value, reason, recorded_at) VALUES "
                    "('news_sentiment', 'v1', 'all', 'macro_f1', NULL, ?, now()), "
                    "('news_sentiment', 'v1', 'all', 'n_labelled', 398, NULL, now())", [refusal])
        sample = {name: (passed, observed) for name, passed, observed in verify.checks(con)}
        own = {name: (passed, observed) for name, passed, observed in verify.checks(con, own_data=True)}
        (articles,) = con.execute("SELECT count(*) FROM marts.news_features").fetchone()
    said = ("training refused: too few distinct labelled sentences to hold out a stratified share: "
            "{'positive': 358, 'neutral': 39, 'negative': 1} (need at least 2 of each of ('negative', 'neutral', "
            "'positive')); land more labelled sentences of the short label(s), then train: "
            f"{own_command()} run --no-seed --select 'key:news_sentiment_model+' (sentiment_retrain_sensor tries "
            "again once 500 more labelled articles have landed)")
    registered, scored = "a news sentiment model version registered", \
        "every article in news_features has a sentiment score from the champion"
    assert sample[registered] == (False, f"0 version(s): {said}")
    assert sample[scored] == (False, f"{articles} articles without a champion's score "
                                     "(no news_sentiment champion: training refused, above)")
    assert own[registered] == (None, sample[registered][1]) and own[scored] == (None, sample[scored][1])


def test_a_lake_of_loan_tapes_only_fails_the_news_lines_and_still_prints_the_rest(risk_home, capsys):
    """On the sample's terms a lake without news fails the news lines; with --own-data a lender's
    lake of loan tapes alone skips them, saying there is no news, and the sample's four counts."""
    with connect(risk_home.lake_path) as con:
        con.execute("INSERT INTO raw.landed_files (sha256, path, size_bytes, domain, format, rows_in_file, rows_loaded, "
                    "rows_quarantined, non_data_lines, status) VALUES "
                    "('a', 'loans/my_tape.csv', 1, 'loans', 'generic:acme', 2, 2, 0, 0, 'loaded')")
        con.execute("CREATE TABLE raw.loans AS SELECT range AS i FROM range(2)")
    assert verify.main() == 1
    out = capsys.readouterr().out
    assert "ok   raw.loans holds every loaded loan (observed 0 rows of difference)" in out
    assert ("FAIL both PhraseBank files in raw_news (observed not in the lake yet: table news; materialize the asset "
            f"that writes it ({own_command()} run --no-seed))") in out
    # a lender's own lake: the sample's counts are skipped, not failed
    assert verify.main(["--own-data"]) == 1  # loan_features is still missing
    out = capsys.readouterr().out
    assert "skip LendingClub loans loaded = 39,786 (observed a count of the sample data, not checked with --own-data)" in out
    assert out.count("\nskip ") + out.startswith("skip ") == 6
    assert ("skip a news sentiment model version registered (observed no news in the lake, so no sentiment model; "
            "land news files to score articles)") in out
    assert ("FAIL every loan in loan_features has a PD score from its portfolio's champion (observed not in the lake "
            "yet: table loan_features;") in out


def test_loans_landed_by_a_raw_only_run_are_named_as_waiting_for_the_features(risk_home, capsys):
    """The score line counts the loans in loan_features; loans a landing-only run added to raw.loans
    are not there yet, so verify says how many and what rebuilds them (quarantined loans excepted)."""
    _small_lake(risk_home.lake_path)
    assert "not in loan_features yet" not in (verify.main(), capsys.readouterr().out)[1]
    with connect(risk_home.lake_path) as con:
        con.execute("INSERT INTO raw.loans (loan_key) VALUES ('k6'), ('k7'), ('k7'), ('k8')")  # k7: two snapshot rows
        con.execute("INSERT INTO quality.quarantine (asset, record_key, rule) VALUES ('raw_loans_values', 'k8', 'rate_range')")
    verify.main()
    assert ("note 2 landed loans are not in loan_features yet, so they are not scored or monitored: "
            f"{own_command()} run --no-seed --select 'key:stg_loans+ and not group:models'") in capsys.readouterr().out


@pytest.mark.parametrize("selection,landed,rebuilt", [
    (verify.LOANS_INTO_FEATURES, "raw_loans", ["stg_loans", "loan_features", "loan_scores", "champion_population"]),
    (verify.ARTICLES_INTO_FEATURES, "raw_news", ["stg_news", "news_features", "news_scores"]),
])
def test_the_command_verify_gives_for_waiting_rows_rebuilds_every_step_between_landing_and_scores(selection, landed,
                                                                                                rebuilt):
    """The command verify printed for loans waiting, `key:loan_features+`, rebuilt the features from
    staging as it stood: staging never read the new loans, so the same note came back after a
    successful run. Resolved on the project's asset graph, the selection holds every asset between
    the landed table and the scores, and no model (a rebuild does not retrain)."""
    import dagster as dg

    from risk_assets.definitions import defs

    graph = defs.resolve_asset_graph()
    selected = {key.to_user_string() for key in dg.AssetSelection.from_string(selection).resolve(graph)}
    assert set(rebuilt) <= selected and not {"loan_pd_model", "news_sentiment_model", landed} & selected
    downstream = {key.to_user_string() for key in dg.AssetSelection.assets(landed).downstream().resolve(graph)}
    models = {key.to_user_string() for key in dg.AssetSelection.groups("models").resolve(graph)}
    assert downstream - models - {landed} <= selected, downstream - models - {landed} - selected


def test_the_figures_are_the_champions_that_score_the_book_not_a_newer_rejected_candidates(risk_home, capsys):
    """A retraining the gate rejected is the newest version; verify still shows the champion's
    holdout figures, each line naming its version and status (a baseline's line, whose baseline it
    is). A model without a champion shows its newest version, named as a candidate."""
    _small_lake(risk_home.lake_path)
    with connect(risk_home.lake_path) as con:
        con.execute("UPDATE ml.model_registry SET trained_at = TIMESTAMP '2026-12-01 10:00' WHERE version = 'v1'")
        con.execute("INSERT INTO ml.model_registry (model, version, status, artifact_path, trained_at) VALUES "
                    "('loan_pd_lendingclub', 'v2', 'rejected', 'a', TIMESTAMP '2026-12-02 10:00'), "
                    "('loan_pd_acme', 'a1', 'candidate', 'c', TIMESTAMP '2026-12-02 11:00')")
        con.execute("INSERT INTO ml.model_metrics (model, version, split, metric, value) VALUES "
                    "('loan_pd_lendingclub', 'v1', 'holdout', 'auc', 0.6854), "
                    "('loan_pd_lendingclub_baseline', 'v1', 'holdout', 'auc', 0.6688), "
                    "('loan_pd_lendingclub', 'v2', 'holdout', 'auc', 0.6871), "
                    "('loan_pd_acme', 'a1', 'holdout', 'auc', 0.61)")
    verify.main()
    lines = [line.split() for line in capsys.readouterr().out.splitlines() if line.startswith("     ")]
    assert lines == [["loan_pd_acme", "holdout", "auc", "0.61", "a1", "(candidate)"],
                     ["loan_pd_lendingclub", "holdout", "auc", "0.6854", "v1", "(champion)"],
                     ["loan_pd_lendingclub_baseline", "holdout", "auc", "0.6688", "v1",
                      "(baseline", "of", "the", "champion)"]]


def test_a_sentiment_champion_trained_short_is_noted_after_the_figures(risk_home, capsys):
    """The time budget ended a busy machine's fine-tuning at 180 of 396 steps: its figures sit below
    the README's, and verify says why after them; a version that ran every step gets no note, nor
    does its baseline."""
    _small_lake(risk_home.lake_path)
    with connect(risk_home.lake_path) as con:
        con.execute("INSERT INTO ml.model_registry (model, version, status, artifact_path, trained_at) VALUES "
                    "('news_sentiment', 's1', 'champion', 'a', TIMESTAMP '2026-12-02 10:00')")
        con.execute("INSERT INTO ml.model_metrics (model, version, split, metric, value) VALUES "
                    "('news_sentiment', 's1', 'holdout', 'accuracy', 0.8304), "
                    "('news_sentiment_baseline', 's1', 'holdout', 'accuracy', 0.7518), "
                    "('news_sentiment', 's1', 'train', 'steps', 180), "
                    "('news_sentiment', 's1', 'train', 'planned_steps', 396), "
                    "('loan_pd_lendingclub', 'v1', 'holdout', 'auc', 0.6854)")
    verify.main()
    notes = [line for line in capsys.readouterr().out.splitlines() if "trained short" in line]
    assert notes == ["note news_sentiment s1: trained short, 180 of 396 optimiser steps (the time budget ended it on "
                     "a busy machine): its holdout figures sit below a full training's; README, Check the result"]
    with connect(risk_home.lake_path) as con:
        con.execute("UPDATE ml.model_metrics SET value = 396 WHERE metric = 'steps'")
    verify.main()
    assert "trained short" not in capsys.readouterr().out


def test_the_cli_runs_the_same_verification(risk_home, capsys):
    from risk_assets.cli import main

    _small_lake(risk_home.lake_path)
    assert main(["verify"]) == 1
    assert "FAIL no landed file failed (observed 1 failed files: broken.csv (parser error" in capsys.readouterr().out
    assert main(["verify", "--own-data"]) == 1
    assert "skip SBA loaded + quarantined = 899,164" in capsys.readouterr().out


def test_own_data_skips_the_sentiment_lines_when_no_news_is_labelled(risk_home, capsys):
    """A desk feed without labels can have no sentiment model: with --own-data the two news lines
    say so (skip) instead of failing for ever; with a label in the lake they count again."""
    _small_lake(risk_home.lake_path)
    with connect(risk_home.lake_path) as con:
        con.execute("DELETE FROM ml.model_registry WHERE model = 'news_sentiment'")
        con.execute("CREATE OR REPLACE TABLE raw.news AS SELECT 'd' || range AS doc_id, 'Sales rose.' AS text_clean, "
                    "NULL::VARCHAR AS label FROM range(3)")
        con.execute("CREATE OR REPLACE TABLE marts.news_features AS SELECT doc_id, label FROM raw.news")
        results = {name: (passed, observed) for name, passed, observed in verify.checks(con, own_data=True)}
        assert results["a news sentiment model version registered"] == (None, (
            "no labelled news in the lake, so no sentiment model can be trained (news_sentiment_model's card); "
            "land a labelled file to score articles"))
        assert results["every article in news_features has a sentiment score from the champion"][0] is None
        con.execute("UPDATE raw.news SET label = 'neutral' WHERE doc_id = 'd0'")
        results = {name: (passed, observed) for name, passed, observed in verify.checks(con, own_data=True)}
    assert results["a news sentiment model version registered"] == (False, "0 version(s)")


def test_news_landed_by_a_raw_only_run_is_news_in_the_lake_waiting_for_its_features(risk_home, data_dir, capsys):
    """News landed the README's way for one's own files (`--select raw_news`) is in raw.news before
    staging and the features are built: `--own-data` runs the sentiment lines, which fail naming the
    table to build, instead of skipping them as a lake without news; once the features are built,
    articles landed after them are counted in a note with the command that adds them."""
    from itertools import islice

    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.news_formats import parse_news_file

    source = data_dir / "news" / "financial_phrasebank_50agree.txt"
    with open(source, encoding="utf-8-sig") as handle:
        sentences = list(islice(handle, 30))
    (risk_home.landing_news / "desk_2024-05.txt").write_text("".join(sentences[:20]), encoding="utf-8")
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_news, "news", parse_news_file, "run-1", asset="raw_news")
        results = {name: (passed, observed) for name, passed, observed in verify.checks(con, own_data=True)}
    registered = results["a news sentiment model version registered"]
    assert registered == (False, "0 version(s)"), registered
    scored = results["every article in news_features has a sentiment score from the champion"]
    assert scored[0] is False and scored[1].startswith("not in the lake yet: table news_features"), scored

    with connect(risk_home.lake_path) as con:  # staging and the features built, as a run of key:stg_news+ would
        con.execute("CREATE SCHEMA IF NOT EXISTS marts")
        con.execute("CREATE TABLE marts.news_features AS SELECT DISTINCT text_clean, ticker, published_at FROM raw.news")
    (risk_home.landing_news / "desk_2024-06.txt").write_text("".join(sentences[20:]), encoding="utf-8")
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_news, "news", parse_news_file, "run-2", asset="raw_news")
    verify.main(["--own-data"])
    assert (f"note 10 landed articles are not in news_features yet, so they are not scored: {own_command()} run "
            "--no-seed --select 'key:stg_news+'") in capsys.readouterr().out


def test_a_withdrawn_delivery_still_in_the_features_is_named_with_the_command_that_rebuilds_them(risk_home, data_dir,
                                                                                                  capsys):
    """`risk-assets withdraw` takes a file's rows out of raw.loans / raw.news; the features, scores
    and monitoring keep them until rebuilt, so verify's totals counted more loans in loan_features
    than landed (3,000 landed, 3,495 in loan_features) and said nothing. Now a note names the
    withdrawn file, how many of its loans or articles are still built, and the rebuild."""
    from itertools import islice

    from risk_assets.lib.ingest.landing import land_folder, withdraw_file
    from risk_assets.lib.ingest.loan_formats import parse_loan_file
    from risk_assets.lib.ingest.news_formats import parse_news_file

    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        lines = list(islice(handle, 41))
    (risk_home.landing_loans / "tape_2024-05.csv").write_text("".join(lines[:26]), encoding="utf-8")  # 25 loans
    (risk_home.landing_loans / "tape_2024-06.csv").write_text(lines[0] + "".join(lines[26:]), encoding="utf-8")  # 15
    with open(data_dir / "news" / "financial_phrasebank_50agree.txt", encoding="utf-8-sig") as handle:
        sentences = list(islice(handle, 12))
    (risk_home.landing_news / "desk_2024-05.txt").write_text("".join(sentences), encoding="utf-8")
    with connect(risk_home.lake_path) as con:
        land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, "run-1", asset="raw_loans")
        land_folder(con, risk_home.landing_news, "news", parse_news_file, "run-1", asset="raw_news")
        # staging and the features, as a run of key:stg_loans+ and key:stg_news+ builds them
        con.execute("CREATE TABLE staging.stg_loans AS SELECT loan_key, _file_sha256 FROM raw.loans")
        con.execute("CREATE TABLE marts.loan_features AS SELECT DISTINCT loan_key, portfolio FROM raw.loans")
        con.execute("CREATE TABLE marts.news_features AS SELECT DISTINCT doc_id, _file_sha256 FROM raw.news")
    verify.main(["--own-data"])
    assert "note withdrawn" not in capsys.readouterr().out

    with connect(risk_home.lake_path) as con:
        withdraw_file(con, "tape_2024-06.csv", "wrong month", "operator ana", risk_home.root / "withdrawn",
                      landing_dir=risk_home.landing)
        withdraw_file(con, "desk_2024-05.txt", "not ours", "operator ana", risk_home.root / "withdrawn",
                      landing_dir=risk_home.landing)
    verify.main(["--own-data"])
    out = capsys.readouterr().out
    assert (f"note withdrawn: tape_2024-06.csv: 15 of its loans are still in loan_features, its scores and monitoring "
            f"(and in the totals below) until they are rebuilt: {own_command()} run --no-seed --select "
            "'key:stg_loans+ and not group:models'") in out, out
    assert (f"note withdrawn: desk_2024-05.txt: 12 of its articles are still in news_features, its scores and "
            f"monitoring (and in the totals below) until they are rebuilt: {own_command()} run --no-seed --select "
            "'key:stg_news+'") in out, out
    assert "lake loans: 25 loans landed from 1 file(s), one snapshot row each; 40 loans in loan_features" in out, out

    with connect(risk_home.lake_path) as con:  # rebuilt: the features no longer hold them
        con.execute("CREATE OR REPLACE TABLE staging.stg_loans AS SELECT loan_key, _file_sha256 FROM raw.loans")
        con.execute("CREATE OR REPLACE TABLE marts.loan_features AS SELECT DISTINCT loan_key, portfolio FROM raw.loans")
        con.execute("CREATE OR REPLACE TABLE marts.news_features AS SELECT DISTINCT doc_id, _file_sha256 FROM raw.news")
    verify.main(["--own-data"])
    assert "note withdrawn" not in capsys.readouterr().out
