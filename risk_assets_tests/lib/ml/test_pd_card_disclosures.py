"""What the PD card discloses beyond its metrics: loans labelled repaid that carry a charge-off date,
the in-time holdout's calibration vintage by vintage, and geographic inputs. Small lakes and
stand-ins for a trained model; the lines are exact."""

from types import SimpleNamespace

import duckdb
import numpy as np
import pytest

from risk_assets.lib.ml import metrics, pd_lake
from risk_assets.lib.ml.model_card import geographic_inputs_line, pooled_calibration_line, repaid_with_chargeoff_line


@pytest.fixture
def lake():
    """Six SBA loans and one LendingClub loan: sba:1 and sba:4 are repaid (flag 0) with a charge-off
    date (sba:1 only in its first snapshot), sba:2 is a charged-off default, sba:3, sba:5 and sba:6 repaid."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA staging; CREATE SCHEMA marts")
    con.execute("CREATE TABLE staging.stg_loans AS SELECT * FROM (VALUES "
                "('sba:1', 1, DATE '1999-05-01'), ('sba:1', 2, NULL), ('sba:2', 1, DATE '2001-02-01'), "
                "('sba:3', 1, NULL), ('sba:4', 1, DATE '2005-07-01'), ('sba:5', 1, NULL), ('sba:6', 1, NULL), "
                "('lc:1', 1, NULL)) t(loan_key, snapshot_version, chargeoff_date)")
    con.execute("CREATE TABLE marts.loan_features AS SELECT * FROM (VALUES "
                "('sba:1', 'sba', 0, 1992), ('sba:2', 'sba', 1, 1992), ('sba:3', 'sba', 0, 1992), "
                "('sba:4', 'sba', 0, 1993), ('sba:5', 'sba', 0, 1993), ('sba:6', 'sba', 0, 1994), "
                "('lc:1', 'lendingclub', 0, NULL)) t(loan_key, portfolio, default_flag, vintage)")
    yield con
    con.close()


def test_repaid_loans_with_a_charge_off_date_are_counted_for_the_book_and_each_split(lake):
    trained = SimpleNamespace(portfolio="sba", keys={"train": np.array(["sba:1", "sba:2"]),
                                                     "holdout_in_time": np.array(["sba:3"]),
                                                     "holdout_oot": np.array(["sba:4", "sba:5", "sba:6"])})
    counts = pd_lake.repaid_with_chargeoff(lake, trained)
    assert counts == {"loans": 2, "book": 6, "splits": {"train": 1, "holdout_in_time": 0, "holdout_oot": 1}}
    assert repaid_with_chargeoff_line(counts) == (
        "- repaid with a charge-off date: 2 of the book's 6 loans have a repaid status and a charge-off date (landing "
        "note repaid_with_chargeoff); they are labelled repaid (default flag 0), as the tape's status says (training 1, "
        "holdout_in_time 0, holdout_oot 1). Read as defaults, they would raise these splits' default rates.")
    lendingclub = SimpleNamespace(portfolio="lendingclub", keys={"train": np.array(["lc:1"])})
    assert pd_lake.repaid_with_chargeoff(lake, lendingclub) is None
    assert repaid_with_chargeoff_line(None) == ""


def test_the_in_time_verdict_is_said_to_be_pooled_and_its_vintages_outside_the_band_are_counted(lake):
    """Pooled, the three vintages' mean PD 1/3 meets their default rate 1/3 (x1.00); by vintage,
    1992 reads x0.60 (0.2 against 1/3) and 1993 x1.30 (0.65 against 0.5), both outside x0.80-x1.25;
    1994 has no default."""
    keys = np.array(["sba:1", "sba:2", "sba:3", "sba:4", "sba:5", "sba:6"])
    y = np.array([0, 1, 0, 1, 0, 0])
    pd_ = np.array([0.1, 0.3, 0.2, 0.9, 0.4, 0.1])
    trained = SimpleNamespace(
        portfolio="sba", holdouts={"holdout_in_time": SimpleNamespace(keys=keys, y=y, pd=pd_)},
        metrics={"holdout_in_time": {"ece": metrics.Metric(0.01)}})
    found = pd_lake.vintage_calibration(lake, trained)
    assert found["status"] == "calibrated on holdout_in_time"
    assert [(v, n, round(m, 4), round(r, 4)) for v, n, m, r in found["vintages"]] == [
        (1992, 3, 0.2, 0.3333), (1993, 2, 0.65, 0.5), (1994, 1, 0.1, 0.0)]
    assert pooled_calibration_line(found) == (
        "- calibration on holdout_in_time by vintage: its verdict 'calibrated on holdout_in_time' (ECE 0.0100) is on "
        "its 3 vintages pooled; 2 of the 3 vintages fall outside x0.80-x1.25 (worst 1992: mean PD 0.2000 against a "
        "default rate of 0.3333, x0.60); 1 without a default not judged.")
    assert pd_lake.vintage_calibration(lake, SimpleNamespace(portfolio="sba", holdouts={})) is None
    assert pooled_calibration_line(None) == ""


def test_the_worst_vintage_is_the_one_furthest_from_its_default_rate_either_way():
    """Fifteen vintages, eight outside the band: 1992 (its figures those of the sample lake's SBA
    in-time holdout, x2.64) is further off than 1996 under-stating at x0.60."""
    rows = [(1982 + i, 300, 0.05, 0.05) for i in range(7)] + [
        (1989, 300, 0.0600, 0.0400), (1990, 300, 0.0500, 0.0300), (1991, 300, 0.0400, 0.0300),
        (1992, 300, 0.0372, 0.0141), (1993, 300, 0.0300, 0.0200), (1994, 300, 0.0300, 0.0200),
        (1995, 300, 0.0400, 0.0600), (1996, 300, 0.0300, 0.0500)]
    assert pooled_calibration_line({"split": "holdout_in_time", "status": "calibrated on holdout_in_time",
                                    "ece": 0.0096, "vintages": rows}) == (
        "- calibration on holdout_in_time by vintage: its verdict 'calibrated on holdout_in_time' (ECE 0.0096) is on "
        "its 15 vintages pooled; 8 of the 15 vintages fall outside x0.80-x1.25 (worst 1992: mean PD 0.0372 against a "
        "default rate of 0.0141, x2.64).")


def _trained_with(numeric: dict, categorical: tuple, vocabulary: dict):
    spec = SimpleNamespace(numeric=numeric, categorical=categorical)
    return SimpleNamespace(scorer=SimpleNamespace(encoder=SimpleNamespace(spec=spec, vocabulary=vocabulary)))


def test_geographic_inputs_are_named_as_a_fair_lending_proxy_risk():
    lendingclub = _trained_with({"loan_amount": "log1p"}, ("home_ownership", "zip3", "addr_state"),
                                {"home_ownership": ["RENT", "OWN"], "zip3": ["860", "100", "945"], "addr_state": ["AZ", "NY"]})
    assert geographic_inputs_line(lendingclub) == (
        "- geographic inputs (zip3 (3 levels), addr_state (2 levels)): location can act as a proxy for race, "
        "ethnicity or national origin, so PDs and grades that lean on it risk disparate impact under fair-lending "
        "law (ECOA, Regulation B); review their effect before these PDs inform credit decisions or pricing.")
    sba = _trained_with({"same_state_bank": "identity"}, ("bank_state",), {"bank_state": ["OH"]})
    assert geographic_inputs_line(sba).startswith("- geographic inputs (same_state_bank, bank_state (1 levels)): ")
    assert geographic_inputs_line(_trained_with({"loan_amount": "log1p"}, ("purpose",), {"purpose": ["car"]})) == ""


def test_a_loan_of_the_development_vintages_reads_the_in_time_verdict_as_pooled():
    import pandas as pd

    meta = {"calibration": {"status": "under-states on holdout_oot"}, "run": {"calibration_by_population": {
        "scheme": "out_of_time_vintage", "span": {"vintages": [1989, 2006]},
        "populations": [{"split": "holdout_in_time", "status": "calibrated on holdout_in_time", "vintages": [1989, 2003]},
                        {"split": "holdout_oot", "status": "under-states on holdout_oot", "vintages": [2004, 2006]}]}}}
    frame = pd.DataFrame({"vintage": [1992, 2005, 1980, None], "origination_date": [None] * 4})
    assert pd_lake.pd_calibration_by_loan(frame, meta).tolist() == [
        "calibrated on holdout_in_time (pooled over vintages)", "under-states on holdout_oot",
        "not assessed (vintage before the champion's 1989-2006)", "not assessed (no vintage)"]


def test_an_input_a_landed_tape_left_empty_on_every_row_is_named_with_its_book_and_file(risk_home, data_dir):
    """Two LendingClub tapes of real loans land; the second, 4 loans, left `emp_length` empty on
    every row (landing note column_empty, a PD input). The card's data lines name the input, the
    tape's column, the book and the file, and the loans it told the model nothing about; once every
    landed loan lacks it, the line says so."""
    from itertools import islice

    from risk_assets.lib.ingest.landing import land_folder
    from risk_assets.lib.ingest.loan_formats import parse_loan_file
    from risk_assets.lib.lake import connect
    from risk_assets.lib.ml import features
    from risk_assets.lib.ml.model_card import empty_inputs_lines

    with open(data_dir / "loans" / "lendingclub_2007_2011.csv", encoding="utf-8") as handle:
        header, *loans = [line.rstrip("\r\n") for line in islice(handle, 11)]
    at = header.split(",").index("emp_length")
    no_emp_length = [",".join("" if i == at else cell for i, cell in enumerate(loan.split(","))) for loan in loans[6:]]
    trained = SimpleNamespace(portfolio="lendingclub", scorer=SimpleNamespace(encoder=SimpleNamespace(spec=features.LENDINGCLUB)))

    def land(name: str, lines: list[str]) -> list[str]:
        (risk_home.landing_loans / name).write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
        with connect(risk_home.lake_path) as con:
            land_folder(con, risk_home.landing_loans, "loans", parse_loan_file, name, asset="raw_loans")
            con.execute("CREATE OR REPLACE TABLE marts.loan_features AS SELECT DISTINCT loan_key, portfolio FROM raw.loans")
            return empty_inputs_lines(trained, pd_lake.empty_pd_inputs(con, "lendingclub"))

    assert land("lc_2011_h1.csv", loans[:6]) == []
    assert land("lc_2011_h2.csv", no_emp_length) == [
        "- input left empty: emp_length_years (the tape's column `emp_length`) was empty on every row of the "
        "lendingclub book's landed file `lc_2011_h2.csv` (landing note column_empty): NULL for 4 of the book's 10 "
        "loans, so the input carried no information about them"]
    (risk_home.landing_loans / "lc_2011_h1.csv").unlink()
    with connect(risk_home.lake_path) as con:
        con.execute("DELETE FROM marts.loan_features WHERE loan_key IN (SELECT loan_key FROM raw.loans r "
                    "JOIN raw.landed_files f ON f.sha256 = r._file_sha256 WHERE f.path LIKE '%lc_2011_h1.csv')")
        assert empty_inputs_lines(trained, pd_lake.empty_pd_inputs(con, "lendingclub")) == [
            "- input left empty: emp_length_years (the tape's column `emp_length`) was empty on every row of the "
            "lendingclub book's landed file `lc_2011_h2.csv` (landing note column_empty): NULL for all 4 of the "
            "book's loans, so the input carried no information in this training"]
