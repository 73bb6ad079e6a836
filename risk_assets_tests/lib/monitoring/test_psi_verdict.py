"""The drift checks' verdict on a PSI table: judged by the retrain policy's figures, small cohorts
counted but not judged. PSI rows are computed from real LendingClub incomes: the homeowners with a
mortgage as the reference, renters as the cohort that came after (a real shift, PSI 0.58)."""

import polars as pl

from risk_assets.lib.ml.drift import psi_numeric
from risk_assets.lib.monitoring.stability import psi_verdict


def _row(model, vintage, variable, result) -> dict:
    return {"model": model, "vintage": vintage, "variable": variable, "psi": result.psi,
            "noise_psi": result.noise_psi, "n_current": result.n_current}


def test_a_shift_on_a_large_cohort_fails_and_one_on_a_small_cohort_is_only_counted(data_dir):
    loans = pl.read_csv(data_dir / "loans" / "lendingclub_2007_2011.csv", infer_schema_length=0)

    def incomes(home: str):
        return loans.filter(pl.col("home_ownership") == home)["annual_inc"].cast(pl.Float64).drop_nulls().to_numpy()

    ref, cur = incomes("MORTGAGE"), incomes("RENT")
    shifted = psi_numeric(ref, cur[:1000])
    small = psi_numeric(ref, cur[:50])
    assert shifted.n_current >= 200 and shifted.psi > 0.2, (shifted.n_current, shifted.psi)
    frame = pl.DataFrame([_row("loan_pd_acme", 2024, "annual_income", shifted),
                          _row("loan_pd_acme", 2025, "annual_income", small)])
    watched = ("pd_score", "annual_income")

    passed, text, drifted = psi_verdict(frame, 0.2, 200, watched, "feature")
    assert (passed, drifted) == (False, 1)
    assert text.startswith(f"1 feature PSI value(s) above 0.2 (the retrain policy's threshold) on cohorts of 200 loans "
                           f"or more: loan_pd_acme annual_income on vintage 2024: {shifted.psi:.3f} ({shifted.n_current:,} "
                           f"loans, noise level {shifted.noise_psi:.3f}, a retrain trigger)")
    assert text.endswith("; 1 cell(s) of cohorts under 200 loans not judged (a few dozen loans' PSI is mostly noise)")

    passed, text, drifted = psi_verdict(frame.filter(pl.col("vintage") == 2025), 0.2, 200, watched, "feature")
    assert (passed, drifted) == (True, 0) and text.startswith("no feature PSI above 0.2 on a cohort of 200 loans or more;")
    assert psi_verdict(frame.clear(), 0.2, 200, (), "feature") == (
        True, "Nothing to compare yet: no cohort of loans after the champion's training to compare its feature with", 0)
    # what was measured, beside drifted_values: an empty table judged nothing, which 0 drifted alone hides
    from risk_assets.lib.monitoring.stability import psi_judged

    assert psi_judged(frame.clear(), 200) == {"cohorts_judged": 0, "cells_judged": 0, "cells_too_small": 0}
    assert psi_judged(frame, 200) == {"cohorts_judged": frame.filter(pl.col("n_current") >= 200).select(
        "model", "vintage").unique().height, "cells_judged": frame.height - 1, "cells_too_small": 1}
