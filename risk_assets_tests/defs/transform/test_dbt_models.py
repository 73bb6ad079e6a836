"""dbt staging and marts built by Dagster on a small lake: F12 counts and news duplicates."""

from datetime import datetime

import dagster as dg
import duckdb
import pytest
from dagster_dbt import DbtCliResource

from risk_assets.defs.resources import LakeResource
from risk_assets.defs.transform.assets import DBT_ASSETS
from risk_assets.defs.transform.project import dbt_executable, dbt_project
from risk_assets_tests.lib.quality.lake_rows import lake_with, loan_rows, news_rows


def test_dbt_lake_keys_groups_and_lineage():
    specs = {spec.key.to_user_string(): spec for assets in DBT_ASSETS for spec in assets.specs}
    assert [[s.key.to_user_string() for s in step.specs] for step in DBT_ASSETS] == [
        ["stg_loans"], ["loan_features"], ["stg_news"], ["news_features"]]
    assert [step.op.name for step in DBT_ASSETS] == ["dbt_stg_loans", "dbt_loan_features", "dbt_stg_news", "dbt_news_features"]
    assert {d.asset_key.to_user_string() for d in specs["stg_loans"].deps} == {"raw_loans"}
    assert {d.asset_key.to_user_string() for d in specs["stg_news"].deps} == {"raw_news"}
    # and raw_loans, whose manifest rows (raw.landed_files) give a tape's default_cured setting
    assert {d.asset_key.to_user_string() for d in specs["loan_features"].deps} == {"stg_loans", "raw_loans"}
    for spec in specs.values():
        assert spec.group_name == "transform" and set(spec.kinds) >= {"dbt", "duckdb"}
        assert spec.owners == ["team:risk-data"] and spec.description
        assert "```sql" in spec.description  # the model's SQL, readable on its asset page
    assert "ref('stg_loans')" in specs["loan_features"].description
    assert {step.op.pool for step in DBT_ASSETS} == {"lake"}


def test_f12_staging_collapses_versions_and_drops_the_conflict(risk_home, cases_dir):
    lake_with(
        risk_home.lake_path,
        loans=[loan_rows(cases_dir / "F12_loans_snapshot_2024-03.csv"), loan_rows(cases_dir / "F12_loans_snapshot_2024-04.csv")],
        news=[news_rows([("Profit rose.", "positive"), ("Profit rose.", "positive"), ("Sales fell.", "negative"),
                         ("Sales fell.", "neutral"), ("Flat.", None)]),
              news_rows([("Trading halted pending announcement.", None)] * 4, source="wire_b").assign(
                  ticker=["ACME", "INIT", "ACME", "ACME"],
                  published_at=[datetime(2024, 5, 2, 9), datetime(2024, 5, 3, 9), datetime(2024, 5, 3, 11),
                                datetime(2024, 5, 3, 15)])],
    )
    result = dg.materialize(
        DBT_ASSETS,
        resources={
            "lake": LakeResource(root=str(risk_home.root)),
            "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
        },
    )
    assert result.success
    assert all(e.passed for e in result.get_asset_check_evaluations())
    with duckdb.connect(str(risk_home.lake_path), read_only=True) as con:
        staged = con.execute(
            "SELECT split_part(loan_key, ':', 2), snapshot_version, duplicate_count, loan_status "
            "FROM staging.stg_loans ORDER BY 1, 2"
        ).fetchall()
        features = con.execute(
            "SELECT count(*), count(DISTINCT loan_key), sum(default_flag), count(default_flag) FROM marts.loan_features"
        ).fetchone()
        news = con.execute("SELECT text_clean, label, duplicate_count FROM staging.stg_news "
                           "WHERE ticker IS NULL ORDER BY 1").fetchall()
        halts = con.execute("SELECT ticker, cast(published_at AS date)::varchar, duplicate_count FROM staging.stg_news "
                            "WHERE ticker IS NOT NULL ORDER BY 1, 2").fetchall()
        news_features = con.execute("SELECT count(*) FROM marts.news_features").fetchone()[0]
    assert len(staged) == 17  # 20 raw rows - 1 exact duplicate - 2 conflicting rows of 77007
    assert [r[0] for r in staged].count("77007") == 0
    assert ("77005", 1, 2, "Current") in staged  # exact duplicate collapsed and counted
    assert [r for r in staged if r[0] == "77003"] == [("77003", 1, 1, "Current"), ("77003", 2, 1, "Charged Off")]
    assert features == (14, 14, 1, 1)  # 15 loan ids - 77007; only 77003 has an outcome (charged off)
    assert news == [("Flat.", None, 1), ("Profit rose.", "positive", 2), ("Sales fell.", None, 2)]
    assert news_features == 6 and len(news) + len(halts) == 6  # stg_news: 6 rows
    # each model's materialization says how many rows it holds, to be compared along the lineage
    row_counts = {e.asset_key.to_user_string(): e.materialization.metadata["dagster/row_count"].value
                  for e in result.get_asset_materialization_events()}
    assert row_counts == {"stg_loans": 17, "loan_features": 14, "stg_news": 6, "news_features": 6}
    # the same words about two tickers, or on two days, are distinct articles; the same day's repeat collapses
    assert halts == [("ACME", "2024-05-02", 1), ("ACME", "2024-05-03", 2), ("INIT", "2024-05-03", 1)]


def test_rows_differing_only_in_unmapped_columns_are_one_loan_counted_by_the_check(risk_home, cases_dir):
    """A SQL join's fan-out repeats a loan once per collateral, identical in every mapped value and
    different only in an unmapped column (`source_fields`): both rows were quarantined as conflicting
    and the loan left the book. They are one loan: staging keeps the first and counts both, and the
    duplicates check passes saying how many differ only there."""
    import json

    from risk_assets.lib.quality.duplicates import conflicting_duplicates

    april = loan_rows(cases_dir / "F12_loans_snapshot_2024-04.csv")
    april["source_fields"] = json.dumps({"COLLATERAL": "VEHICLE"})
    fanned = april[april["source_loan_id"] == "77002"].assign(
        source_fields=json.dumps({"COLLATERAL": "REAL_ESTATE"}), _source_line=99)
    lake_with(risk_home.lake_path, loans=[april, fanned])
    with duckdb.connect(str(risk_home.lake_path)) as con:
        outcome = conflicting_duplicates(con)
    assert outcome.success, outcome.observed
    assert outcome.observed.startswith(
        "0 loans with conflicting rows in one snapshot (0 rows quarantined); 1 exact duplicate rows collapsed in "
        "staging (1 of them differ only in unmapped columns, source_fields: a join's fan-out?")
    result = dg.materialize(DBT_ASSETS[:1], resources={
        "lake": LakeResource(root=str(risk_home.root)),
        "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())})
    assert result.success
    with duckdb.connect(str(risk_home.lake_path), read_only=True) as con:
        kept = con.execute("SELECT duplicate_count, source_fields, _source_line FROM staging.stg_loans "
                           "WHERE loan_key = 'lendingclub:77002'").fetchall()
    assert kept == [(2, json.dumps({"COLLATERAL": "VEHICLE"}), 2)]


def test_a_failing_blocking_check_on_staging_stops_the_marts(risk_home, cases_dir):
    """Each dbt model is a step of its own, so a blocking check on a staging table runs before the mart:
    when it fails, staging is built and kept for inspection, no mart is built from it, and the
    other lineage (news) goes on."""

    @dg.asset_check(asset="stg_loans", blocking=True)
    def stg_loans_refused() -> dg.AssetCheckResult:
        return dg.AssetCheckResult(passed=False, description="refused for the test")

    lake_with(risk_home.lake_path, loans=[loan_rows(cases_dir / "F12_loans_snapshot_2024-04.csv")],
              news=[news_rows([("Profit rose.", "positive")])])
    result = dg.materialize(
        [*DBT_ASSETS, stg_loans_refused],
        resources={
            "lake": LakeResource(root=str(risk_home.root)),
            "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()),
        },
        raise_on_error=False,
    )
    built = {event.asset_key.to_user_string() for event in result.get_asset_materialization_events()}
    assert built == {"stg_loans", "stg_news", "news_features"}
    assert [e.passed for e in result.get_asset_check_evaluations() if e.check_name == "stg_loans_refused"] == [False]


def test_rows_a_staging_check_quarantines_stay_out_of_the_marts(risk_home, cases_dir):
    """A row quarantined by a check on staging (stg_loans_values, stg_news_values) is left out of the
    marts, as staging leaves out rows quarantined on raw: the quarantine never lists a row the
    models still use. A loan whose latest version is one of them is held out, not read from the
    version before (its current state is unknown)."""
    lake_with(risk_home.lake_path,
              loans=[loan_rows(cases_dir / "F12_loans_snapshot_2024-03.csv"), loan_rows(cases_dir / "F12_loans_snapshot_2024-04.csv")],
              news=[news_rows([("Profit rose.", "positive"), ("Sales fell.", "negative")])])
    resources = {"lake": LakeResource(root=str(risk_home.root)),
                 "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())}
    assert dg.materialize(DBT_ASSETS, resources=resources, selection=["stg_loans", "stg_news"]).success
    with duckdb.connect(str(risk_home.lake_path)) as con:
        con.execute(
            "INSERT INTO quality.quarantine (asset, file_sha256, line, record_key, rule, quarantined_at) "
            "SELECT 'stg_loans_values', _file_sha256, _source_line, loan_key, 'test_rule', now() FROM staging.stg_loans "
            "WHERE split_part(loan_key, ':', 2) IN ('77003', '77004') AND snapshot_version = 2 "
            "UNION ALL SELECT 'stg_news_values', _file_sha256, _source_line, doc_id, 'test_rule', now() "
            "FROM staging.stg_news WHERE text_clean = 'Sales fell.'")
        quarantined = con.execute("SELECT count(*) FROM quality.quarantine").fetchone()[0]
    assert quarantined == 3
    assert dg.materialize(DBT_ASSETS, resources=resources, selection=["loan_features", "news_features"]).success
    with duckdb.connect(str(risk_home.lake_path), read_only=True) as con:
        loans = dict(con.execute("SELECT split_part(loan_key, ':', 2), default_flag FROM marts.loan_features").fetchall())
        news = con.execute("SELECT text_clean FROM marts.news_features").fetchall()
    # 77003 charged off in its second version: with that version quarantined it is not read as current
    assert len(loans) == 12 and "77003" not in loans and "77004" not in loans
    assert news == [("Profit rose.",)]
    # staging keeps them: the next run's staging check sees them again instead of finding them gone
    # and releasing them (which would flip them in and out of the marts run by run)
    assert dg.materialize(DBT_ASSETS, resources=resources, selection=["stg_loans", "stg_news"]).success
    with duckdb.connect(str(risk_home.lake_path), read_only=True) as con:
        staged = con.execute("SELECT count(*) FROM staging.stg_loans WHERE split_part(loan_key, ':', 2) = '77003'").fetchone()[0]
        staged_news = con.execute("SELECT count(*) FROM staging.stg_news").fetchone()[0]
    assert staged == 2 and staged_news == 2


def test_a_performance_tape_keeps_the_origination_terms_an_earlier_tape_gave(risk_home, cases_dir):
    """A servicer's monthly performance tape (F12's April loans with their statuses only: no amount,
    rate or dates) is each loan's latest version. The features keep the terms the March tape gave,
    not NULL, and take the outcome from April (77003 charged off). A term April gives another value
    of (77004's amount; the income of 77002 and 77003, refreshed as a servicer refreshes a bureau
    field, 77003's at its charge-off) stays the March value, known at origination: a PD learnt from
    the value after it would learn the outcome. The check loan_features_origination_restated names
    those loans with both values and April's file."""
    from risk_assets.lib.quality.origination import restated_origination_terms

    march = loan_rows(cases_dir / "F12_loans_snapshot_2024-03.csv")
    april = loan_rows(cases_dir / "F12_loans_snapshot_2024-04.csv")
    april = april.drop(columns=["origination_date", "vintage", "loan_amount", "int_rate"])
    april["loan_amount"] = [7100.0 if loan == "77004" else None for loan in april["source_loan_id"]]
    april["annual_income"] = [{"77002": 38000.0, "77003": 21000.0}.get(loan) for loan in april["source_loan_id"]]
    lake_with(risk_home.lake_path, loans=[march, april], news=[news_rows([("Profit rose.", "positive")])])
    resources = {"lake": LakeResource(root=str(risk_home.root)),
                 "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())}
    assert dg.materialize(DBT_ASSETS, resources=resources, selection=["stg_loans", "loan_features"]).success
    with duckdb.connect(str(risk_home.lake_path), read_only=True) as con:
        features = {row[0]: row[1:] for row in con.execute(
            "SELECT split_part(loan_key, ':', 2), cast(origination_date AS varchar), vintage, loan_amount, int_rate, "
            "annual_income, default_flag FROM marts.loan_features WHERE split_part(loan_key, ':', 2) IN "
            "('77002', '77003', '77004', '77011')").fetchall()}
        outcome = restated_origination_terms(con)
        with_later_versions = con.execute("SELECT count(DISTINCT loan_key) FROM staging.stg_loans "
                                          "WHERE snapshot_version = 2").fetchone()[0]
    assert features == {
        "77002": ("2024-01-01", 2024, 6000.0, 0.12, 44000.0, None),
        "77003": ("2024-01-01", 2024, 6500.0, 0.12, 46000.0, 1),
        "77004": ("2024-01-01", 2024, 7000.0, 0.12, 48000.0, None),
        "77011": (None, None, None, None, None, None),  # only in the performance tape: nothing to carry
    }
    assert (outcome.success, outcome.severity, outcome.rows_checked) == (False, "WARN", with_later_versions)
    (rule,) = outcome.failed_rules
    assert (rule["rule"], rule["failing"], rule["column"]) == ("origination_term_restated", 3, "loan_amount, annual_income")
    assert rule["detail"].startswith("3 lendingclub loan(s) have an origination term that a later tape gives another "
                                     "value of (loan_amount 1, annual_income 2); the features keep the first value")
    assert ("lendingclub:77002 annual_income 44000.0 -> 38000.0 (F12_loans_snapshot_2024-04.csv), "
            "lendingclub:77003 annual_income 46000.0 -> 21000.0 (F12_loans_snapshot_2024-04.csv), "
            "lendingclub:77004 loan_amount 7000.0 -> 7100.0 (F12_loans_snapshot_2024-04.csv). ") in rule["detail"]
    assert outcome.observed == "3 loan(s) with origination terms a later tape restates (the first value kept): lendingclub 3"


def test_loans_without_their_origination_record_are_named_by_a_warning(risk_home, cases_dir):
    """The same March origination tape and April performance tape, with March's line of loan 77002
    lost (quarantined at landing, say): 77002 and April's new loans 77011-77015 reach the features
    from April's status rows alone. `loan_features_origination_terms` warns and names those 6, with
    the file their latest row came from; the loans whose March row is there (77003) pass."""
    from risk_assets.lib.quality.origination import missing_origination_terms

    march = loan_rows(cases_dir / "F12_loans_snapshot_2024-03.csv")
    march = march[march["source_loan_id"] != "77002"]
    april = loan_rows(cases_dir / "F12_loans_snapshot_2024-04.csv")
    april = april.drop(columns=["origination_date", "vintage", "loan_amount", "int_rate", "annual_income"])
    lake_with(risk_home.lake_path, loans=[march, april], news=[news_rows([("Profit rose.", "positive")])])
    resources = {"lake": LakeResource(root=str(risk_home.root)),
                 "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())}
    assert dg.materialize(DBT_ASSETS, resources=resources, selection=["stg_loans", "loan_features"]).success
    with duckdb.connect(str(risk_home.lake_path), read_only=True) as con:
        loans = con.execute("SELECT count(*) FROM marts.loan_features").fetchone()[0]
        outcome = missing_origination_terms(con)
    assert (outcome.success, outcome.severity, outcome.rows_checked) == (False, "WARN", loans)
    (rule,) = outcome.failed_rules
    assert rule["failing"] == 6
    named = ", ".join(f"lendingclub:{loan} (F12_loans_snapshot_2024-04.csv)"
                      for loan in ("77002", "77011", "77012", "77013", "77014", "77015"))
    assert f"no loan_amount and no origination_date in any version" in rule["detail"]
    assert f"; {named} (risk-assets loan" in rule["detail"]
    assert "77003" not in rule["detail"]
    assert outcome.observed == "6 loan(s) without origination terms: lendingclub 6"


def test_a_copy_without_a_ticker_is_the_story_its_other_copies_name(risk_home):
    """Two feeds landed from files carry the same PhraseBank sentences under their own ids: a wire
    that names no ticker, landed first, and a desk feed that names NOK (or, for one sentence, two
    tickers). A ticker-less copy is the same story as the same day's copies of its text when they
    name one ticker: one article, the desk's row (with its ticker) kept, counted twice. On another
    day, or beside two tickers, it stays an article of its own."""
    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.news_formats import parse_news_file
    from risk_assets.lib.lake import connect
    from risk_assets_tests.conftest import DATA

    phrasebank = DATA / "news" / "financial_phrasebank_50agree.txt"
    if not phrasebank.is_file():
        pytest.skip(f"sample data not found at {phrasebank}")
    s = parse_news_file(phrasebank).rows["text_raw"].to_list()[300:306]
    (risk_home.landing_news / "a_wire.csv").write_text("guid,published_at,body\n" + "".join(
        f'aggB-{i},{day}T09:0{i}:00Z,"{s[n]}"\n'
        for i, (n, day) in enumerate([(0, "2024-03-05"), (1, "2024-03-05"), (0, "2024-03-06"), (4, "2024-03-05"),
                                      (5, "2024-03-05")])))
    (risk_home.landing_news / "b_desk.csv").write_text("id,published_at,ticker,body\n" + "".join(
        f'd{i},2024-03-05T10:0{i}:00Z,{ticker},"{s[n]}"\n'
        for i, (n, ticker) in enumerate([(0, "NOK"), (1, "NOK"), (4, "ACME"), (4, "INIT")])))
    with connect(risk_home.lake_path) as con:
        report = land_folder(con, risk_home.landing_news, "news", parse_news_file, "run-1", asset="raw_news")
    assert [(f.rows_loaded, f.rows_quarantined) for f in report.files] == [(5, 0), (4, 0)]
    resources = {"lake": LakeResource(root=str(risk_home.root)),
                 "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())}
    result = dg.materialize(DBT_ASSETS, resources=resources, selection=["stg_news", "news_features"])
    assert result.success
    assert all(e.passed for e in result.get_asset_check_evaluations())
    with duckdb.connect(str(risk_home.lake_path), read_only=True) as con:
        staged = con.execute("SELECT doc_id, ticker, cast(published_at AS date)::varchar, duplicate_count, text_clean "
                             "FROM staging.stg_news ORDER BY doc_id").fetchall()
        features = con.execute("SELECT count(*) FROM marts.news_features").fetchone()[0]
    assert [row[:4] for row in staged] == [
        ("aggB-2", None, "2024-03-06", 1),  # another day: another article
        ("aggB-3", None, "2024-03-05", 1),  # beside ACME and INIT: about which is unknown
        ("aggB-4", None, "2024-03-05", 1),  # no other copy
        ("d0", "NOK", "2024-03-05", 2),  # the wire's copy counted, the desk's row (with its ticker) kept
        ("d1", "NOK", "2024-03-05", 2),
        ("d2", "ACME", "2024-03-05", 1),
        ("d3", "INIT", "2024-03-05", 1),
    ]
    assert [row[4] for row in staged] == [s[0], s[4], s[5], s[0], s[1], s[4], s[4]]
    assert features == 7


def test_one_story_from_a_ric_feed_and_a_bloomberg_feed_is_one_article(risk_home):
    """A Reuters feed names its stocks by RIC (NOKIA.HE, AAPL.O), a Bloomberg feed by Bloomberg
    ticker (NOKIA FH Equity, AAPL US Equity). The same PhraseBank sentence on the same day from both
    used to be two articles, scored and counted twice; read as one ticker per listing, it is one
    article counted twice. The Bloomberg copy of a day later stays an article of its own."""
    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.news_formats import parse_news_file
    from risk_assets.lib.lake import connect
    from risk_assets_tests.conftest import DATA

    phrasebank = DATA / "news" / "financial_phrasebank_50agree.txt"
    if not phrasebank.is_file():
        pytest.skip(f"sample data not found at {phrasebank}")
    s = parse_news_file(phrasebank).rows["text_raw"].to_list()[300:303]
    (risk_home.landing_news / "a_reuters.csv").write_text("guid,published_at,source,ticker,body\n" + "".join(
        f'r{i},2024-03-05T09:0{i}:00Z,Reuters,"{ticker}","{s[i]}"\n'
        for i, ticker in enumerate(["NOKIA.HE", "AAPL.O", "NOKIA.HE;AAPL.O"])))
    (risk_home.landing_news / "b_bloomberg.csv").write_text("id,published_at,source,ticker,body\n" + "".join(
        f'b{i},{day}T11:0{i}:00Z,Bloomberg,"{ticker}","{s[n]}"\n'
        for i, (n, day, ticker) in enumerate([(0, "2024-03-05", "NOKIA FH Equity"), (1, "2024-03-05", "AAPL US Equity"),
                                              (2, "2024-03-05", "AAPL UW Equity, NOKIA FH Equity"),
                                              (0, "2024-03-06", "NOKIA FH Equity")])))
    with connect(risk_home.lake_path) as con:
        report = land_folder(con, risk_home.landing_news, "news", parse_news_file, "run-1", asset="raw_news")
    assert [(f.rows_loaded, f.rows_quarantined) for f in report.files] == [(3, 0), (4, 0)]
    resources = {"lake": LakeResource(root=str(risk_home.root)),
                 "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())}
    result = dg.materialize(DBT_ASSETS, resources=resources, selection=["stg_news", "news_features"])
    assert result.success
    with duckdb.connect(str(risk_home.lake_path), read_only=True) as con:
        staged = con.execute("SELECT doc_id, ticker, cast(published_at AS date)::varchar, duplicate_count, text_clean "
                             "FROM staging.stg_news ORDER BY doc_id").fetchall()
        tickers = con.execute("SELECT DISTINCT unnest(string_split(ticker, ',')) FROM marts.news_features "
                              "WHERE cast(published_at AS date) = DATE '2024-03-05' ORDER BY 1").fetchall()
    assert [row[:4] for row in staged] == [
        ("bloomberg:b3", "NOKIA.HE", "2024-03-06", 1),  # a day later: another article
        ("reuters:r0", "NOKIA.HE", "2024-03-05", 2),  # the Bloomberg copy counted, the first landed kept
        ("reuters:r1", "AAPL", "2024-03-05", 2),
        ("reuters:r2", "AAPL,NOKIA.HE", "2024-03-05", 2),
    ]
    assert [row[4] for row in staged] == [s[0], s[0], s[1], s[2]]
    assert tickers == [("AAPL",), ("NOKIA.HE",)]


def test_dbt_steps_work_under_the_lake_home_and_reuse_its_parse(risk_home):
    """Each dbt step runs in a target folder of its own under <RISK_HOME>/dbt, starting from the parse
    the lake's last step saved, and removes the folder when it succeeds: nothing piles up in the
    installed project's dbt/target (dagster-dbt's default kept four folders of each run there)."""
    from risk_assets.defs.transform.assets import PARSE_CACHE, dbt_target, keep_parse_and_remove
    from risk_assets.defs.transform.project import DBT_DIR
    from risk_assets.lib.home import RiskHome

    lake_with(risk_home.lake_path, news=[news_rows([("Profit rose.", "positive"), ("Sales fell.", "negative")])])
    resources = {"lake": LakeResource(root=str(risk_home.root)),
                 "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())}
    project_targets = set((DBT_DIR / "target").iterdir())
    assert dg.materialize(DBT_ASSETS, resources=resources, selection=["stg_news"]).success
    home = RiskHome(risk_home.root)
    assert [p.name for p in home.dbt_runs.iterdir()] == [PARSE_CACHE]
    first_parse = (home.dbt_runs / PARSE_CACHE).read_bytes()

    # the next step's folder starts from that parse (dbt then re-reads only what changed)
    target = dbt_target(home, "dbt_news_features-run")
    assert (target / PARSE_CACHE).read_bytes() == first_parse
    keep_parse_and_remove(target, home)
    assert [p.name for p in home.dbt_runs.iterdir()] == [PARSE_CACHE]

    assert dg.materialize(DBT_ASSETS, resources=resources, selection=["news_features"]).success
    assert [p.name for p in home.dbt_runs.iterdir()] == [PARSE_CACHE]
    assert set((DBT_DIR / "target").iterdir()) == project_targets
    with duckdb.connect(str(risk_home.lake_path), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM marts.news_features").fetchone()[0] == 2


def test_a_loan_whose_newest_snapshot_is_quarantined_is_held_out_not_read_from_its_older_one(risk_home, tmp_path):
    """December and January tapes of four loans. 60001's January row (charged off) is quarantined by
    a value check and 60004's January row was set aside at landing (never in raw.loans): their
    current state is unknown, so both are held out, not read as open from December. 60002's
    December row is quarantined but its January row stands: it stays, from January. 60003 is clean."""
    from risk_assets.lib.report.portfolio import quarantined_loans_not_in_features, quarantined_not_in_features_count

    december, january = tmp_path / "tape_dec.csv", tmp_path / "tape_jan.csv"
    header = "loan_id,issue_d,loan_amnt,int_rate,annual_inc,loan_status,snapshot_month\n"
    december.write_text(header + "".join(f"6000{n},2019-03-01,{n}0000,0.11,50000,Current,2019-12\n" for n in (1, 2, 3, 4)))
    january.write_text(header + "60001,2019-03-01,10000,0.11,50000,Charged Off,2020-01\n"
                                "60002,2019-03-01,20000,0.11,50000,Fully Paid,2020-01\n"
                                "60003,2019-03-01,30000,0.11,50000,Current,2020-01\n"
                                "60004,2019-03-01,40000,0.11,50000,Charged Off,2020-01\n")
    dec_rows, jan_rows = loan_rows(december), loan_rows(january)
    jan_rows["_ingested_at"] = datetime(2024, 8, 1)
    lake_with(risk_home.lake_path, loans=[dec_rows, jan_rows[jan_rows["source_loan_id"] != "60004"]])
    dec_sha, jan_sha = dec_rows["_file_sha256"][0], jan_rows["_file_sha256"][0]
    with duckdb.connect(str(risk_home.lake_path)) as con:
        con.executemany(
            "INSERT INTO quality.quarantine (asset, source_file, file_sha256, line, record_key, column_name, rule, "
            "quarantined_at) VALUES (?, ?, ?, ?, ?, ?, ?, now())",
            [("raw_loans_values", str(january), jan_sha, 2, "lendingclub:60001", "chargeoff_date", "chargeoff_not_after_as_of"),
             ("raw_loans_values", str(december), dec_sha, 3, "lendingclub:60002", "annual_income", "test_rule"),
             ("raw_loans", str(january), jan_sha, 5, "lendingclub:60004", "Status", "unknown_status")])
    resources = {"lake": LakeResource(root=str(risk_home.root)),
                 "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())}
    assert dg.materialize(DBT_ASSETS, resources=resources, selection=["stg_loans", "loan_features"]).success
    with duckdb.connect(str(risk_home.lake_path), read_only=True) as con:
        staged = con.execute("SELECT loan_key, snapshot_version, loan_status FROM staging.stg_loans ORDER BY 1, 2").fetchall()
        features = con.execute("SELECT loan_key, default_flag, loan_amount FROM marts.loan_features ORDER BY 1").fetchall()
        held = quarantined_not_in_features_count(con)
        card = quarantined_loans_not_in_features(con, "lendingclub")
    assert staged == [("lendingclub:60002", 1, "Fully Paid"), ("lendingclub:60003", 1, "Current"),
                      ("lendingclub:60003", 2, "Current")]
    assert features == [("lendingclub:60002", 0, 20000.0), ("lendingclub:60003", None, 30000.0)]
    assert held == (2, ["raw_loans", "raw_loans_values"])
    card = card[["loan_key", "default_flag", "rules"]].astype(object)
    assert card.where(card.notna(), None).values.tolist() == [
        ["lendingclub:60001", 1, "chargeoff_not_after_as_of"], ["lendingclub:60004", None, "unknown_status"]]
    # risk-assets loan says which snapshot the features read, or why the loan is held out
    from risk_assets.lib.report.loan_trace import trace_loan

    with duckdb.connect(str(risk_home.lake_path), read_only=True) as con:
        said = {n: [line for line in trace_loan(con, f"lendingclub:6000{n}").lines if "features" in line]
                for n in (1, 2, 3, 4)}
    unknown = "its current state is unknown and its older snapshot is not used"
    assert said == {
        1: ["  features     not in marts.loan_features: held out, its newest snapshot (tape_jan.csv line 2, "
            f"snapshot 2020-01-01) is quarantined (chargeoff_not_after_as_of): {unknown}"],
        2: ["  features     in marts.loan_features, from tape_jan.csv line 3, snapshot 2020-01-01 "
            "(its latest snapshot, version 1 of 1 standing)"],
        3: ["  features     in marts.loan_features, from tape_jan.csv line 4, snapshot 2020-01-01 "
            "(its latest snapshot, version 2 of 2 standing)"],
        4: ["  features     not in marts.loan_features: held out, its newest snapshot (tape_jan.csv line 5, "
            f"snapshot 2020-01-01) is quarantined (unknown_status): {unknown}"]}


def _cured_book(risk_home, tmp_path, default_cured: str | None) -> dict[str, int | None]:
    """Land December's and January's tapes of one lender's book with a status map of DELQ90 (1),
    PAIDOFF (0) and ACTIVE (open) under a mapping with `default_cured` (left out when None), build
    the features and return each loan's default_flag."""
    import json

    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.loan_formats import parse_loan_file

    mapping = {"name": "mybank", "applies_to": "MYBANK_*.csv",
               "columns": {"Acct_No": {"to": "source_loan_id", "required": True},
                           "Snap_Dt": {"to": "snapshot_date", "type": "date", "format": "%m/%d/%Y"},
                           "Orig_Dt": {"to": "origination_date", "type": "date", "format": "%m/%d/%Y"},
                           "Orig_Bal": {"to": "loan_amount", "type": "money"},
                           "Status": {"to": "loan_status"}},
               "status_map": {"DELQ90": 1, "PAIDOFF": 0, "ACTIVE": None}, "currency": "USD"}
    if default_cured is not None:
        mapping["default_cured"] = default_cured
    mappings = tmp_path / "mappings"
    mappings.mkdir(exist_ok=True)
    (mappings / "mybank.json").write_text(json.dumps(mapping), encoding="utf-8")
    header = "Acct_No,Snap_Dt,Orig_Dt,Orig_Bal,Status\n"
    december = {"0100": "DELQ90", "0101": "DELQ90", "0102": "ACTIVE", "0103": "PAIDOFF", "0104": "DELQ90"}
    january = {"0100": "PAIDOFF", "0101": "DELQ90", "0102": "DELQ90", "0103": "PAIDOFF", "0104": "ACTIVE"}
    for name, snapshot, statuses in (("MYBANK_2019-12.csv", "12/31/2019", december),
                                     ("MYBANK_2020-01.csv", "01/31/2020", january)):
        (risk_home.landing_loans / name).write_text(header + "".join(
            f"{loan},{snapshot},03/15/2018,\"$5,000.00\",{status}\n" for loan, status in statuses.items()))
    with duckdb.connect(str(risk_home.lake_path)) as con:
        from risk_assets.lib.lake import ensure_lake
        ensure_lake(con)
        land_folder(con, risk_home.landing_loans, "loans", lambda p: parse_loan_file(p, mapping_dirs=[mappings]),
                    "run-1", asset="raw_loans")
    resources = {"lake": LakeResource(root=str(risk_home.root)),
                 "dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable())}
    assert dg.materialize(DBT_ASSETS, resources=resources, selection=["stg_loans", "loan_features"]).success
    with duckdb.connect(str(risk_home.lake_path), read_only=True) as con:
        return dict(con.execute("SELECT source_loan_id, default_flag FROM marts.loan_features "
                                "JOIN (SELECT DISTINCT loan_key, source_loan_id FROM raw.loans) USING (loan_key) "
                                "ORDER BY 1").fetchall())


@pytest.mark.parametrize("setting", [None, "latest"])
def test_a_default_a_later_payoff_reverses_reads_repaid_by_default(risk_home, tmp_path, setting):
    """The latest settled outcome wins (a reversal may be a correction): 0100, 90 days past due in
    December and paid off in January, reads 0; 0104, reported open after its default, keeps it."""
    assert _cured_book(risk_home, tmp_path, setting) == {
        "0100": 0, "0101": 1, "0102": 1, "0103": 0, "0104": 1}


def test_a_book_that_keeps_its_defaults_is_not_cured_by_a_later_payoff(risk_home, tmp_path):
    """With "default_cured": "keep_default" a default is an event within the PD horizon (Basel II
    para 452-453; EBA/GL/2016/07): 0100's January payoff does not undo December's 90 days past due.
    The other loans read as they do under "latest"."""
    from risk_assets.lib.quality.snapshots import outcome_reversed

    assert _cured_book(risk_home, tmp_path, "keep_default") == {
        "0100": 1, "0101": 1, "0102": 1, "0103": 0, "0104": 1}
    with duckdb.connect(str(risk_home.lake_path), read_only=True) as con:
        outcome = outcome_reversed(con)
    assert outcome.observed == ("mybank: 0 loan(s) repaid then defaulted, 1 defaulted then repaid, 1 settled then "
                                "reported open again (a default then repaid keeps its default: mapping "
                                "\"default_cured\": \"keep_default\")")
