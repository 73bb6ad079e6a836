"""The retrain thresholds as a resource, so they are configuration (Definitions, env vars), not code."""

import dagster as dg
from pydantic import Field

from risk_assets.lib.ml.registry import MIN_AUC_GAIN, MIN_MACRO_F1_GAIN, PROMOTION_P_VALUE
from risk_assets.lib.monitoring.retrain import RetrainThresholds

_DEFAULTS = RetrainThresholds()


class RetrainPolicy(dg.ConfigurableResource):
    """Thresholds of the retrain decision (see risk_assets.lib.monitoring.retrain) and of the PD
    champion gate's promotion (risk_assets.lib.ml.pd_lake.gate)."""

    new_labelled_rows: int = Field(_DEFAULTS.new_labelled_rows, description="Labelled loans added since the champion's snapshot that trigger a retrain (rows).")
    psi: float = Field(_DEFAULTS.psi, description="PSI of the PD score or a key feature above which a retrain is triggered (0.2: a policy figure, inside Siddiqi 2006's 'moderate' band 0.1-0.25, below its 'significant').")
    auc_margin: float = Field(_DEFAULTS.auc_margin, description="AUC points the newest labelled vintage may fall below the holdout AUC before a retrain.")
    key_features: list[str] = Field(list(_DEFAULTS.key_features), description="Features whose PSI alone triggers a retrain.")
    min_rows: int = Field(_DEFAULTS.min_rows, description="Smallest cohort (loans) whose PSI or AUC is acted on.")
    min_defaults: int = Field(_DEFAULTS.min_defaults, description="Fewest defaults, and non-defaults, a vintage needs before its AUC is acted on.")
    new_labelled_articles: int = Field(_DEFAULTS.new_labelled_articles, description="Labelled news articles landed since the sentiment champion was trained that trigger its retrain (rows); without a champion, landed since its latest training, which left none, before it is tried again.")
    first_model_new_defaults: int = Field(_DEFAULTS.first_model_new_defaults, description="Defaults a portfolio without a PD champion must gain since its last refused training before it is tried again (loans).")

    promotion_p_value: float = Field(PROMOTION_P_VALUE, gt=0.0, le=1.0, description="A challenger replaces its champion only when the one-sided p-value of its gain on the same holdout is below this (PD: paired DeLong test of AUC; sentiment: paired bootstrap of macro-F1) and its gain is material (below).")
    min_auc_gain: float = Field(MIN_AUC_GAIN, ge=0.0, description="Smallest PD AUC gain (AUC points) over the champion that replaces it.")
    min_macro_f1_gain: float = Field(MIN_MACRO_F1_GAIN, ge=0.0, description="Smallest sentiment macro-F1 gain (0-1) over the champion that replaces it.")

    def thresholds(self) -> RetrainThresholds:
        return RetrainThresholds(
            new_labelled_rows=self.new_labelled_rows,
            psi=self.psi,
            auc_margin=self.auc_margin,
            key_features=tuple(self.key_features),
            min_rows=self.min_rows,
            min_defaults=self.min_defaults,
            new_labelled_articles=self.new_labelled_articles,
            first_model_new_defaults=self.first_model_new_defaults,
        )
