"""Post-outcome leakage: the denylist per source and the single-feature AUC test."""

import numpy as np
import pandas as pd
import pytest

from risk_assets.lib.quality.leakage import POST_OUTCOME, denied_columns, leakage_outcome, single_feature_auc
from risk_assets_tests.lib.quality.lake_rows import lendingclub_sample

MART_COLUMNS = [
    "loan_key", "portfolio", "origination_date", "vintage", "default_flag", "off_policy", "loan_amount",
    "term_months", "int_rate", "installment", "grade", "sub_grade", "emp_length_years", "home_ownership",
    "annual_income", "verification_status", "purpose", "zip3", "addr_state", "dti", "delinq_2yrs",
    "inq_last_6mths", "open_acc", "pub_rec", "revol_bal", "revol_util", "total_acc", "earliest_cr_line",
    "fico_range_low", "naics", "bank_state", "employees", "new_business", "jobs_created", "jobs_retained",
    "franchise_code", "urban_rural", "revolving_line", "low_doc", "disbursement_date", "disbursement_gross",
    "gross_approved", "sba_approved",
]


@pytest.fixture
def lc_features(data_dir):
    frame = lendingclub_sample(data_dir / "loans" / "lendingclub_2007_2011.csv", 3000)
    return frame[[c for c in frame.columns if c in MART_COLUMNS]]


def test_mart_columns_are_off_every_denylist():
    mart_sql = (__import__("risk_assets").__path__[0] + "/../dbt/models/marts/loan_features.sql")
    selected = open(mart_sql).read().split("select", 2)[2]
    assert all(column in selected for column in MART_COLUMNS)
    assert denied_columns(MART_COLUMNS) == []


def test_denylist_names_the_post_outcome_fields_of_each_source():
    assert {"chgoffdate", "chgoffpringr", "balancegross", "chargeoff_date", "chargeoff_principal", "balance_gross"} <= POST_OUTCOME["sba"]
    assert {"total_pymnt", "recoveries", "collection_recovery_fee", "last_pymnt_d"} <= POST_OUTCOME["lendingclub"]
    # the hardship-plan fields (LCDataDictionary): set when a borrower in trouble enters a plan
    assert {"hardship_type", "hardship_dpd", "hardship_loan_status", "payment_plan_start_date", "deferral_term",
            "hardship_payoff_balance_amount"} <= POST_OUTCOME["lendingclub"]
    assert denied_columns(["loan_amount", "Recoveries", "ChgOffDate"]) == [("Recoveries", "lendingclub"), ("ChgOffDate", "sba")]


def test_single_feature_auc_is_rank_based_in_both_directions():
    y = pd.Series([0, 0, 1, 1] * 10)
    assert single_feature_auc(pd.Series([1.0, 3.0, 2.0, 4.0] * 10), y)[0] == pytest.approx(0.75)
    assert single_feature_auc(pd.Series([4.0, 2.0, 3.0, 1.0] * 10), y)[0] == pytest.approx(0.75)
    assert single_feature_auc(pd.Series([1.0, 2.0]), pd.Series([0, 1])) == (None, 2)


def test_real_lendingclub_features_pass(lc_features):
    outcome = leakage_outcome(lc_features)
    assert outcome.success, outcome.observed
    top = next(r for r in outcome.rules if r["rule"] == "single_feature_auc_top")
    assert top["success"]
    labelled = int(lc_features["default_flag"].notna().sum())
    assert outcome.observed.startswith("no leakage found: no single feature at AUC 0.95 or above; highest lendingclub.")
    assert outcome.observed.endswith(f"on its {labelled:,} labelled loans of every vintage"), outcome.observed


def test_a_denied_column_fails_and_is_named(lc_features):
    outcome = leakage_outcome(lc_features.assign(recoveries=0.0))
    assert not outcome.success and outcome.severity == "ERROR"
    assert "recoveries" in outcome.observed


def test_a_separating_feature_fails_whatever_its_name(lc_features):
    rng = np.random.default_rng(0)
    days = np.where(lc_features["default_flag"] == 1, 200, 1000) + rng.integers(0, 100, len(lc_features))
    outcome = leakage_outcome(lc_features.assign(days_to_last_event=days))
    assert not outcome.success
    assert "lendingclub.days_to_last_event (AUC 1.0)" in outcome.observed


@pytest.fixture(scope="module")
def sba_sample(request):
    from risk_assets.lib.ml.reference_data import sba_frame
    from risk_assets_tests.conftest import DATA

    path = DATA / "loans" / "sba_national.csv.gz"
    if not path.exists():
        pytest.skip(f"{path} not found")
    return sba_frame(path, sample_fraction=0.02)


def test_the_sba_term_was_rewritten_after_charge_off_and_lendingclubs_was_not(sba_sample, lc_features):
    """On SBA national, charged-off loans rarely have a term in whole years (54, 61, 42 months...),
    paid-in-full ones mostly do: the term is not what was fixed at approval. The check names it with
    severity WARN (training leaves it out, blocking nothing); LendingClub's 36/60-month terms are
    whole years either way."""
    from risk_assets.lib.quality.leakage import rewritten_term

    labelled = sba_sample[sba_sample["default_flag"].notna()]
    term, flag = labelled["term_months"], labelled["default_flag"].astype(int)
    with_term = term > 0  # a term of 0 is quarantined (term_positive), and no whole year
    whole_d, whole_o = ((term[with_term & (flag == 1)] % 12 == 0).mean(), (term[with_term & (flag == 0)] % 12 == 0).mean())
    assert whole_d < 0.15 and whole_o > 0.8  # 10.2% and 86.6% on the whole file
    reason = rewritten_term(term, flag)
    assert reason.startswith(f"whole-year terms (multiples of 12 months) are {whole_d:.1%} of "
                             f"{int((with_term & (flag == 1)).sum()):,} defaults against {whole_o:.1%} of "
                             f"{int((with_term & (flag == 0)).sum()):,} non-defaults")
    outcome = leakage_outcome(sba_sample[[c for c in sba_sample.columns if c in MART_COLUMNS or c == "portfolio"]])
    # handled by training, still wrong at the source: yellow, not green, and nothing blocked
    assert not outcome.success and outcome.severity == "WARN"
    # led by what it found and did, not "no blocking leakage" under Dagster's blocking banner
    assert outcome.observed == (
        "leakage found and handled: sba.term_months (AUC 0.8052 alone) left out of the PD inputs (rewritten after "
        "the outcome); sba vintages 1975-1982, 1987 left out of PD training (inputs recorded after the outcome); no "
        "leakage left that would block (no single feature at AUC 0.95 or above; highest sba.term_months 0.8052 on its "
        "17,902 labelled loans of every vintage)")
    assert "term_rewritten_after_outcome" in [r["rule"] for r in outcome.failed_rules]
    # the Checks tab's failing figures say what they count: one column, nine vintages (1975-1982, 1987)
    failing = [row.split(" | ")[:3] for row in outcome.markdown().splitlines() if row.startswith("| ") and "_" in row]
    assert failing == [["| term_rewritten_after_outcome", "term_months", "1 column"],
                       ["| inputs_recorded_after_outcome_in_vintages", "vintage", "9 vintages"]]
    assert rewritten_term(lc_features["term_months"], lc_features["default_flag"]) is None
    assert "term_months left out" not in leakage_outcome(lc_features).observed


def test_sba_vintages_recorded_after_their_outcome_are_left_out_of_training(data_dir, lc_features):
    """On SBA national, a 1983-1988 approval paid in full has a guarantee share of exactly 1.0 and
    one charged off 0.75-0.90: the share alone ranks those years' loans almost perfectly, and the
    years before hold almost only charged-off loans. The whole book hides it (the share's AUC over
    every vintage is about 0.55), so it is tested within each vintage; those vintages leave PD
    development and holdouts, the check names them (WARN). LendingClub keeps every vintage."""
    from risk_assets.lib.ml.features import SBA, feature_frame
    from risk_assets.lib.ml.reference_data import sba_frame
    from risk_assets.lib.ml.training import _without_leaking_vintages
    from risk_assets.lib.quality.leakage import leaking_vintages

    sba = sba_frame(data_dir / "loans" / "sba_national.csv.gz", sample_fraction=0.05)
    labelled = sba[sba["default_flag"].notna()].reset_index(drop=True)
    share = feature_frame(labelled, SBA)["sba_guarantee_share"]
    era = labelled["vintage"].between(1983, 1988)
    paid, charged = share[era & (labelled["default_flag"] == 0)], share[era & (labelled["default_flag"] == 1)]
    assert (paid == 1.0).mean() > 0.9 and (charged < 1.0).mean() > 0.9
    assert single_feature_auc(share, labelled["default_flag"])[0] < 0.7  # over the whole book: no alarm

    inputs = feature_frame(labelled, SBA)[list(SBA.numeric)].assign(
        vintage=labelled["vintage"], default_flag=labelled["default_flag"])
    left_out, reason = leaking_vintages(inputs, list(SBA.numeric))
    assert set(range(1983, 1989)) <= set(left_out) and max(left_out) == 1988
    assert "1987: " in reason and "sba_guarantee_share 1.000" in reason
    # the vintages left out untested are the default-heavy ones (repaid records purged), and only those
    rates = labelled.groupby("vintage")["default_flag"].mean()
    untested = [v for v in left_out if v < 1983]
    assert untested and all(rates[v] >= 0.5 for v in untested)
    assert all(rates[v] < 0.5 for v in rates.index if v < 1983 and v not in untested)
    kept, note, taken = _without_leaking_vintages(labelled, SBA)
    gone = labelled["vintage"].isin(left_out)
    assert taken.vintages == tuple(left_out) and taken.keys == frozenset(labelled.loc[gone, "loan_key"])
    assert len(kept) == int((~gone).sum()) and kept["vintage"].isin(left_out).sum() == 0
    assert note.startswith(f"{int(gone.sum()):,} loans ({int(labelled.loc[gone, 'default_flag'].sum()):,} defaults) "
                           "of vintages ")
    assert "1988 left out of development and holdouts" in note

    outcome = leakage_outcome(sba[[c for c in sba.columns if c in MART_COLUMNS or c == "portfolio"]])
    assert not outcome.success and outcome.severity == "WARN"
    assert "-1988 left out of PD training (inputs recorded after the outcome)" in outcome.observed
    assert "inputs_recorded_after_outcome_in_vintages" in [r["rule"] for r in outcome.failed_rules]
    assert "left out of PD training" not in leakage_outcome(lc_features).observed


def test_a_leak_in_the_newest_vintage_keeps_the_older_honest_ones(data_dir):
    """A lender refreshed one input of its newest vintage after the outcome (here: LendingClub's
    loans, split into vintages by file order, with the newest vintage's revolving utilisation
    replaced by the default flag). The newest vintage leaves; the older vintages, tested and clean
    or too small to test but not default-heavy, all stay: none was written in a purging era."""
    from risk_assets.lib.quality.leakage import leaking_vintages

    frame = lendingclub_sample(data_dir / "loans" / "lendingclub_2007_2011.csv", 3000)
    frame = frame[frame["default_flag"].notna()].reset_index(drop=True)
    # vintages 2001-2010 of 250 loans each, and 2011 with the rest; 2000 a small vintage of 30 loans
    frame["vintage"] = [2000] * 30 + [2001 + (i - 30) // 250 for i in range(30, len(frame))]
    frame.loc[frame["vintage"] > 2011, "vintage"] = 2011
    newest = frame["vintage"] == 2011
    frame["revol_util"] = frame["revol_util"].astype(float)
    frame.loc[newest, "revol_util"] = frame.loc[newest, "default_flag"].astype(float)
    left_out, reason = leaking_vintages(frame, ["loan_amount", "revol_util", "annual_income"])
    assert left_out == [2011] and "2011: revol_util 1.000" in reason
    assert "too small to test" not in reason


def test_the_whole_year_term_shares_count_the_loans_with_a_term(data_dir):
    """README said 10.6% of the charged-off SBA loans have a whole-year term, the check 10.2% of
    156,824 defaults: the first counted every charged-off row of the file, its 734 terms of 0 among
    them (0 is a multiple of 12), which the rule term_positive quarantines before the check runs. A
    term of 0 is no whole year: the shares count the loans with a term, on any frame."""
    import duckdb

    from risk_assets.lib.quality.leakage import rewritten_term

    frame = duckdb.sql(f"""
        SELECT TRY_CAST(Term AS INTEGER) AS term_months,
               CASE MIS_Status WHEN 'CHGOFF' THEN 1 WHEN 'P I F' THEN 0 END AS default_flag
        FROM read_csv('{data_dir / "loans" / "sba_national.csv.gz"}', all_varchar = true)""").df()
    charged_off = frame[frame["default_flag"] == 1]
    assert (len(charged_off), int((charged_off["term_months"] == 0).sum())) == (157_558, 734)
    assert f"{(charged_off['term_months'] % 12 == 0).mean():.1%}" == "10.6%"  # the terms of 0 counted as whole years
    assert rewritten_term(frame["term_months"], frame["default_flag"]) == (
        "whole-year terms (multiples of 12 months) are 10.2% of 156,824 defaults against 86.6% of 739,537 "
        "non-defaults: the term was rewritten after the outcome, not fixed at origination, so it would leak "
        "the outcome into the PD")
