"""`ml.loan_scores.pd_calibration` of loans outside every vintage an SBA champion trained or was
judged on (1989-2006): no holdout speaks for them, but the lake holds their outcomes, and the label
says what those show rather than a bare 'not assessed'."""

import duckdb

from risk_assets.lib.ml import pd_lake

SBA_ROWS = 3_000
EXPECTED_BEFORE = EXPECTED_AFTER = (0, 0, 0)
BEFORE = "not assessed (vintage before the champion's 1989-2006)"
AFTER = "not assessed (vintage after the champion's 1989-2006)"


def _sba_lake(data_dir) -> duckdb.DuckDBPyConnection:
    """SBA_ROWS loans of the SBA national file (the lowest loan numbers) of each of the vintages before
    1989, 1989-2006 and after 2006 as features (vintage = approval FY, default
    flag from MIS_Status, NULL while unresolved), scored with a PD of 0.20 for terms under 84 months
    and 0.10 otherwise, each labelled as pd_calibration_by_loan labels them for a 1989-2006 champion."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA marts; CREATE SCHEMA ml")
    con.execute(f"""
        CREATE TABLE marts.loan_features AS
        SELECT 'sba:' || LoanNr_ChkDgt AS loan_key, 'sba' AS portfolio, TRY_CAST(ApprovalFY AS INTEGER) AS vintage,
               CASE MIS_Status WHEN 'CHGOFF' THEN 1 WHEN 'P I F' THEN 0 END AS default_flag,
               CAST(Term AS INTEGER) AS term_months
        FROM read_csv(?, all_varchar = true) WHERE TRY_CAST(ApprovalFY AS INTEGER) IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY TRY_CAST(ApprovalFY AS INTEGER) < 1989, TRY_CAST(ApprovalFY AS INTEGER) > 2006
                                   ORDER BY LoanNr_ChkDgt) <= {SBA_ROWS}""",
                [str(data_dir / "loans" / "sba_national.csv.gz")])
    pd_lake.ensure_pd_tables(con)
    con.execute(f"""
        INSERT INTO ml.loan_scores
        SELECT loan_key, portfolio, CASE WHEN term_months < 84 THEN 0.2 ELSE 0.1 END, 'R6', 'loan_pd_sba',
               'v2', TIMESTAMP '2026-12-06 17:30:00',
               CASE WHEN vintage < 1989 THEN '{BEFORE.replace("'", "''")}'
                    WHEN vintage > 2006 THEN '{AFTER.replace("'", "''")}'
                    ELSE 'under-states on holdout_oot' END
        FROM marts.loan_features""")
    return con


def test_labels_outside_the_champions_vintages_give_the_default_rate_observed_against_the_mean_pd(data_dir):
    con = _sba_lake(data_dir)
    expected = {}
    for label, first, last in ((BEFORE, 0, 1988), (AFTER, 2007, 9999)):  # the figures, worked out apart
        n, rate, mean_pd = con.execute("""
            SELECT count(*), avg(f.default_flag), avg(s.pd) FROM ml.loan_scores s JOIN marts.loan_features f USING (loan_key)
            WHERE f.default_flag IS NOT NULL AND f.vintage BETWEEN ? AND ?""", [first, last]).fetchone()
        expected[label] = (n, round(rate, 4), round(mean_pd, 4))
    pd_lake.label_outcomes_outside_window(con, "sba")
    labels = dict(con.execute("SELECT pd_calibration, count(*) FROM ml.loan_scores GROUP BY 1").fetchall())
    assert expected == {BEFORE: (2964, 0.4909, 0.1148), AFTER: (2990, 0.4569, 0.1575)}
    assert labels == {
        "not assessed (vintage before the champion's 1989-2006, no holdout; its 2,964 resolved loans: default rate "
        "0.4909 against mean PD 0.1148 (x0.23))": 3000,
        "not assessed (vintage after the champion's 1989-2006, no holdout; its 2,990 resolved loans: default rate "
        "0.4569 against mean PD 0.1575 (x0.34))": 3000,
        "under-states on holdout_oot": 3000,  # a holdout speaks for these: left as it is
    }


def test_a_label_whose_loans_have_no_resolved_outcome_is_left_as_it_is(data_dir):
    """The after-2006 loans still open (no charge-off, not paid in full): nothing to set against their PDs."""
    con = _sba_lake(data_dir)
    con.execute("UPDATE marts.loan_features SET default_flag = NULL WHERE vintage > 2006")
    pd_lake.label_outcomes_outside_window(con, "sba")
    pd_lake.label_outcomes_outside_window(con, "sba")  # run again (a rescore): the figures are not said twice
    labels = dict(con.execute("SELECT pd_calibration, count(*) FROM ml.loan_scores GROUP BY 1").fetchall())
    assert labels == {
        "not assessed (vintage before the champion's 1989-2006, no holdout; its 2,964 resolved loans: default rate "
        "0.4909 against mean PD 0.1148 (x0.23))": 3000,
        AFTER: 3000,
        "under-states on holdout_oot": 3000,
    }
