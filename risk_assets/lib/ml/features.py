"""Feature specs per portfolio and the encoder that turns loan features into model tensors.

A `FeatureSpec` names the numeric and categorical inputs of one portfolio's PD model. Inputs are
canonical columns of marts.loan_features or features derived from them at origination (ratios,
NAICS sector); post-outcome columns (chargeoff_*, balance_gross, loan_status) are never inputs.
Whether the lender's risk pricing (int_rate, installment, grade, sub_grade) is an input depends on the book:
- LendingClub (`LENDINGCLUB`) leaves it out: grade and sub-grade are LendingClub's own risk
  assessment and the rate and installment follow from them, so a model fed them would mostly
  re-learn LendingClub's pricing; without them the PD reads the application and credit file alone.
- SBA (`SBA`): the 7(a) data carries no rate or grade.
- A generic (mapped) book (`spec_for`, GENERIC_NUMERIC / GENERIC_CATEGORICAL) takes them when its
  tape fills them: they are set when the loan is booked, so they are known at origination, and
  for a lender modelling its own book they are its own underwriting judgement, which may draw on
  what the tape does not carry.

`FeatureEncoder` is fitted on the training split only and serialises to JSON:
- numerics: optional log1p (money and counts with long right tails), then missing values replaced by
  the training median and flagged in an indicator column (only for inputs that had missing values
  in training; a value missing at scoring in another input gets the median alone), then
  standardised with the training mean and standard deviation and clipped to [-5, 5] (an input with
  a single value in training is encoded 0 whatever its value at scoring: no weight learned what
  another value means); with
  `numeric_bins` = T > 0, each numeric also gets a piecewise-linear encoding over up to T training
  quantile bins (Gorishniy, Rubachev & Babenko, "On Embeddings for Numerical Features in Tabular Deep
  Learning", NeurIPS 2022): component t is 0 below bin t, 1 above it and the position within it in
  between, which lets an MLP bend a numeric's effect the way a tree's splits do;
- categoricals: integer codes into an embedding table; levels seen fewer than `min_count` times in
  training, missing values and levels never seen share code 0, the unknown bucket.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

UNKNOWN = 0
CLIP = 5.0


@dataclass(frozen=True)
class FeatureSpec:
    """Inputs of one portfolio's PD model.

    numeric: input name -> transform ("identity" or "log1p"); categorical: input names.
    Names are canonical columns or keys of `DERIVED`.
    """

    portfolio: str
    numeric: dict[str, str]
    categorical: tuple[str, ...]
    min_count: int = 20
    numeric_bins: int = 0

    def to_json(self) -> dict:
        # numeric as [name, transform] pairs: the column order must survive JSON writers that sort keys
        return {**asdict(self), "numeric": [list(item) for item in self.numeric.items()], "categorical": list(self.categorical)}

    @classmethod
    def from_json(cls, data: dict) -> "FeatureSpec":
        return cls(data["portfolio"], dict(data["numeric"]), tuple(data["categorical"]), int(data["min_count"]),
                   int(data.get("numeric_bins", 0)))


def _ratio(numerator: str, denominator: str) -> Callable[[pd.DataFrame], pd.Series]:
    def compute(frame: pd.DataFrame) -> pd.Series:
        den = pd.to_numeric(frame[denominator], errors="coerce").astype(float)
        return pd.to_numeric(frame[numerator], errors="coerce").astype(float) / den.where(den > 0)
    return compute


def _revolving_limit(frame: pd.DataFrame) -> pd.Series:
    """Total revolving credit line (USD): balance / utilisation (revol_util is a fraction 0-1).

    The inverse of LendingClub's own definition of revol_util (data dictionary: "the amount of credit
    the borrower is using relative to all available revolving credit"). Missing when utilisation is 0
    or missing: the balance then says nothing about the line."""
    return _ratio("revol_bal", "revol_util")(frame)


def _loan_to_revolving_limit(frame: pd.DataFrame) -> pd.Series:
    """Loan amount over the total revolving credit line (both USD): how large the loan is against
    the credit the borrower already has. Missing when the line is unknown."""
    limit = _revolving_limit(frame)
    return pd.to_numeric(frame["loan_amount"], errors="coerce").astype(float) / limit.where(limit > 0)


def _naics_sector(frame: pd.DataFrame) -> pd.Series:
    """First two digits of the NAICS code; '0' (not recorded) becomes missing."""
    code = frame["naics"].astype("string").str.strip()
    return code.str[:2].where(code.str.len() >= 2)


def _franchise(frame: pd.DataFrame) -> pd.Series:
    """1 when FranchiseCode names a franchise; SBA codes 0 and 1 both mean 'no franchise'."""
    code = pd.to_numeric(frame["franchise_code"], errors="coerce")
    return (code > 1).astype(float).where(code.notna())


def _same_state(frame: pd.DataFrame) -> pd.Series:
    known = frame["addr_state"].notna() & frame["bank_state"].notna()
    return (frame["addr_state"] == frame["bank_state"]).astype(float).where(known)


DERIVED: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "loan_to_income": _ratio("loan_amount", "annual_income"),
    "revol_bal_to_income": _ratio("revol_bal", "annual_income"),
    "revol_limit": _revolving_limit,
    "open_acc_share": _ratio("open_acc", "total_acc"),
    "loan_to_revol_limit": _loan_to_revolving_limit,
    "sba_guarantee_share": _ratio("sba_approved", "gross_approved"),
    "naics_sector": _naics_sector,
    "is_franchise": _franchise,
    "same_state_bank": _same_state,
}
"""Features derived from canonical columns, all known at origination."""

LENDINGCLUB = FeatureSpec(
    portfolio="lendingclub",
    numeric={
        "loan_amount": "log1p", "term_months": "identity", "emp_length_years": "identity",
        "annual_income": "log1p", "delinq_2yrs": "log1p", "inq_last_6mths": "log1p",
        "open_acc": "log1p", "pub_rec": "log1p", "revol_bal": "log1p", "revol_util": "identity",
        "total_acc": "log1p", "loan_to_income": "log1p", "revol_bal_to_income": "log1p",
        "revol_limit": "log1p", "open_acc_share": "identity", "loan_to_revol_limit": "log1p",
    },
    categorical=("home_ownership", "verification_status", "zip3", "addr_state"),
    min_count=10,
    numeric_bins=8,
)
"""The 15 inputs of the LendingClub 2007-2011 sample plus five features derived from them (loan and
revolving balance to income, the revolving credit line, the loan to that line, the share of credit
lines still open); numerics also piecewise-linear encoded over 8 quantile bins. Bins and derived
features were chosen on inner validation splits by scripts/tune_pd.py, never on the holdout."""

SBA = FeatureSpec(
    portfolio="sba",
    numeric={
        "term_months": "identity", "employees": "log1p", "new_business": "identity",
        "jobs_created": "log1p", "jobs_retained": "log1p", "is_franchise": "identity",
        "gross_approved": "log1p", "sba_approved": "log1p", "sba_guarantee_share": "identity",
        "same_state_bank": "identity",
    },
    categorical=("urban_rural", "revolving_line", "low_doc", "addr_state", "bank_state", "naics_sector"),
)
"""SBA 7(a) fields known at approval; disbursement, charge-off and balance fields are excluded. The
term is listed, but on the SBA national data training leaves it out: its form differs by outcome
(whole years for 87% of paid-in-full loans, 10% of charged-off ones), the mark of a field rewritten
after the outcome (`quality.leakage.rewritten_term`)."""

GENERIC_NUMERIC = {
    "loan_amount": "log1p", "term_months": "identity", "int_rate": "identity", "installment": "log1p",
    "emp_length_years": "identity", "annual_income": "log1p", "dti": "identity",
    "delinq_2yrs": "log1p", "inq_last_6mths": "log1p", "open_acc": "log1p", "pub_rec": "log1p",
    "revol_bal": "log1p", "revol_util": "identity", "total_acc": "log1p", "fico_range_low": "identity",
}
GENERIC_CATEGORICAL = ("grade", "sub_grade", "home_ownership", "verification_status", "purpose", "addr_state")
"""Inputs of a generic (mapped) book's spec, each taken when the tape fills it: the lender's own
pricing (int_rate, installment, grade, sub_grade) included, as the module docstring says why."""


def spec_for(portfolio: str, frame: pd.DataFrame) -> FeatureSpec:
    """The spec of a portfolio: fixed for lendingclub and sba; for a generic mapping, the canonical
    inputs that hold at least one value in `frame` (a user's tape may carry int_rate and grade)."""
    if portfolio == "lendingclub":
        return LENDINGCLUB
    if portfolio == "sba":
        return SBA
    present = lambda col: col in frame.columns and frame[col].notna().any()  # noqa: E731
    return FeatureSpec(
        portfolio=portfolio,
        numeric={name: t for name, t in GENERIC_NUMERIC.items() if present(name)},
        categorical=tuple(name for name in GENERIC_CATEGORICAL if present(name)),
        min_count=1,
    )


def feature_frame(frame: pd.DataFrame, spec: FeatureSpec) -> pd.DataFrame:
    """The spec's inputs of `frame` (n rows x inputs), derived features computed.

    Raises:
        KeyError: an input is neither a column of `frame` nor derivable from its columns.
    """
    columns = {}
    for name in (*spec.numeric, *spec.categorical):
        if name in DERIVED:
            columns[name] = DERIVED[name](frame)
        elif name in frame.columns:
            columns[name] = frame[name]
        else:
            raise KeyError(f"input {name!r} of the {spec.portfolio} PD model is missing from loan_features")
    return pd.DataFrame(columns, index=frame.index)


def _transform(values: pd.Series, how: str) -> np.ndarray:
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    if how == "log1p":
        return np.sign(x) * np.log1p(np.abs(x))
    if how == "identity":
        return x
    raise ValueError(f"unknown numeric transform {how!r}")


def _level(values: pd.Series) -> pd.Series:
    """Categorical values as trimmed text, missing kept as None."""
    text = values.astype("string").str.strip()
    return text.where(text.notna() & (text != ""), None)


def _quantile_edges(values: np.ndarray, bins: int) -> list[float]:
    """Distinct training quantiles at 0, 1/bins, ..., 1 of `values` (n,): the bin edges of the
    piecewise-linear encoding; [] when bins is 0 or the values take a single value."""
    if bins <= 0 or values.size == 0:
        return []
    edges = np.unique(np.quantile(values, np.linspace(0.0, 1.0, bins + 1)))
    return [float(e) for e in edges] if edges.size >= 2 else []


def piecewise_linear(values: np.ndarray, edges: list[float]) -> np.ndarray:
    """Piecewise-linear encoding of values (n,) over bins [e_t, e_t+1): an (n x len(edges) - 1) matrix
    with 1 for bins wholly below the value, 0 above, the fraction of the value's own bin in between."""
    if len(edges) < 2:
        return np.zeros((values.size, 0))
    lower, upper = np.asarray(edges[:-1]), np.asarray(edges[1:])
    return np.clip((values[:, None] - lower) / (upper - lower), 0.0, 1.0)


@dataclass
class FeatureEncoder:
    """Numeric and categorical encodings fitted on the training split (see module docstring)."""

    spec: FeatureSpec
    numeric_stats: dict[str, dict[str, float | bool]] = field(default_factory=dict)
    vocabulary: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def fit(cls, frame: pd.DataFrame, spec: FeatureSpec) -> "FeatureEncoder":
        """Fit on the training rows of loan_features (n rows x canonical columns)."""
        features = feature_frame(frame, spec)
        stats = {}
        for name, how in spec.numeric.items():
            x = _transform(features[name], how)
            missing = np.isnan(x)
            median = float(np.nanmedian(x)) if (~missing).any() else 0.0
            filled = np.where(missing, median, x)
            std = float(filled.std())
            stats[name] = {
                "median": median,
                "mean": float(filled.mean()),
                "std": std if std > 0 else 1.0,
                "constant": not std > 0,
                "indicator": bool(missing.any()),
                "edges": _quantile_edges(filled, spec.numeric_bins),
            }
        vocabulary = {}
        for name in spec.categorical:
            counts = _level(features[name]).value_counts(dropna=True)
            vocabulary[name] = sorted(str(level) for level, n in counts.items() if n >= spec.min_count)
        return cls(spec, stats, vocabulary)

    @property
    def numeric_columns(self) -> list[str]:
        """Names of the columns of the numeric matrix: the inputs, then one `<name>_missing` per indicator."""
        indicators = [f"{name}_missing" for name in self.spec.numeric if self.numeric_stats[name]["indicator"]]
        bins = [f"{name}_bin{t}" for name in self.spec.numeric for t in range(len(self._edges(name)) - 1)]
        return [*self.spec.numeric, *indicators, *bins]

    def _edges(self, name: str) -> list[float]:
        return list(self.numeric_stats[name].get("edges") or [])

    @property
    def cardinalities(self) -> list[int]:
        """Embedding table sizes per categorical input: known levels + 1 (the unknown bucket, code 0)."""
        return [len(self.vocabulary[name]) + 1 for name in self.spec.categorical]

    def transform(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        """Encode loan features.

        Returns:
            numeric float32 (n x len(numeric_columns)) and categorical int64 codes (n x len(spec.categorical)).
        """
        features = feature_frame(frame, self.spec)
        numeric, indicators, bins = [], [], []
        for name, how in self.spec.numeric.items():
            s = self.numeric_stats[name]
            x = _transform(features[name], how)
            missing = np.isnan(x)
            filled = np.where(missing, s["median"], x)
            if s.get("constant"):  # one value in training: its weights never learned, so it says nothing
                numeric.append(np.zeros(len(filled)))
            else:
                numeric.append(np.clip((filled - s["mean"]) / s["std"], -CLIP, CLIP))
            if s["indicator"]:
                indicators.append(missing.astype(np.float64))
            bins.append(piecewise_linear(filled, self._edges(name)))
        columns = [*numeric, *indicators, *bins]  # 1-D columns and (n x bins) blocks side by side
        num = np.column_stack(columns).astype(np.float32) if numeric else np.zeros((len(frame), 0), np.float32)
        codes = []
        for name in self.spec.categorical:
            index = {level: i + 1 for i, level in enumerate(self.vocabulary[name])}
            codes.append(_level(features[name]).map(index).fillna(UNKNOWN).to_numpy(dtype=np.int64))
        cat = np.column_stack(codes) if codes else np.zeros((len(frame), 0), np.int64)
        return num, cat

    def to_json(self) -> dict:
        return {"spec": self.spec.to_json(), "numeric_stats": self.numeric_stats, "vocabulary": self.vocabulary}

    @classmethod
    def from_json(cls, data: dict) -> "FeatureEncoder":
        return cls(FeatureSpec.from_json(data["spec"]), dict(data["numeric_stats"]), dict(data["vocabulary"]))
