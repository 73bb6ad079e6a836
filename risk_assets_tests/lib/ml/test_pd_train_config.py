"""PDTrainConfig refuses, by name, a setting a PD training would stop at, before any loan is read:
the asset's run config and RISK_RETRAIN_CONFIG both reach it."""

import pytest

from risk_assets.defs.models.loan_pd import LoanPDConfig
from risk_assets.lib.ml.train_config import PDTrainConfig


@pytest.mark.parametrize(("settings", "message"), [
    ({"folds": 0}, "folds must be at least 1, not 0"),
    ({"members": 3}, "members (3) must be at least folds (5)"),
    ({"holdout_fraction": 1.0}, "holdout_fraction must be between 0 and 1, not 1.0"),
    ({"dropout": 1.5}, "dropout must be 0 to 1, not 1.5"),
    ({"point_in_time_members": -1}, "point_in_time_members must be 0 or more, not -1"),
    ({"point_in_time_horizon_years": 0}, "point_in_time_horizon_years must be at least 1, not 0"),
    ({"device": "gpu"}, "device must be 'auto', 'cpu' or 'cuda', not 'gpu'"),
])
def test_a_setting_no_training_could_run_is_refused_by_name(settings, message):
    with pytest.raises(ValueError) as refused:
        PDTrainConfig(**settings)
    assert str(refused.value) == message
    with pytest.raises(ValueError) as through_dagster:  # the asset's config, as a run gives it
        LoanPDConfig(**settings).to_lib()
    assert str(through_dagster.value) == message


def test_the_defaults_and_the_tiny_profile_pass():
    assert PDTrainConfig().members == 20
    assert PDTrainConfig(members=2, folds=2, point_in_time_members=0).folds == 2
