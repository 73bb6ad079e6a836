"""Wording the model cards share (the PD card, `model_card`, and the news sentiment card,
`sentiment_eval.model_card`): how a stored value reads (`plain`) and the closing 'Terms' section
(`terms_section`), from one table of definitions (TERMS) so the two cards cannot disagree.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping

TERMS: dict[str, tuple[str, str]] = {
    "AUC": (r"\bauc\b", "AUC (area under the ROC curve): the chance that a randomly drawn default gets a higher PD "
                        "than a randomly drawn non-default, 0.5 (a coin toss) to 1 (perfect ranking); its 95% interval "
                        "uses the Hanley & McNeil (1982) standard error."),
    "Gini": (r"\bgini\b", "Gini (accuracy ratio): 2 x AUC - 1, the same ranking power on a 0 (none) to 1 (perfect) "
                          "scale."),
    "KS": (r"\bks\b", "KS (Kolmogorov-Smirnov statistic, one-sided as scorecards report it, Siddiqi 2006): the "
                      "largest amount, over all PD cut-offs, by which the share of defaults above the cut-off exceeds "
                      "the share of non-defaults above it, 0-1; higher separates them better, and a PD that ranks "
                      "defaults lower reads 0 or near it."),
    "Brier": (r"\bbrier", "Brier score (Brier 1950): the mean squared gap between the PD and the outcome (1 default, "
                          "0 not), 0-1; lower is better."),
    "ECE": (r"\bece", "ECE (expected calibration error, Naeini et al. 2015): the mean gap between predicted PD and "
                      "observed default rate over PD bins, weighted by their loans, 0-1 (ece: 10 equal-width bins; "
                      "ece_decile: bins at the PD's deciles); under 0.02 reads as calibrated here."),
    "mean PD": (r"\bmean[_ ]pd\b", "mean PD (calibration in the large, Steyerberg 2009): the average PD over a "
                                   "split's loans, set against its default rate (base_rate, its Wilson 95% interval "
                                   "base_rate_ci_low / _ci_high); within x0.80-x1.25 of it, with ECE under 0.02, reads "
                                   "as calibrated here."),
    "log loss": (r"\blog[_ ]loss", "log loss (cross-entropy): the mean of -ln(the probability given to what "
                                   "happened), 0 upward; lower is better, and a confident wrong PD costs most."),
    "PR-AUC": (r"\bpr[_-]auc", "PR-AUC (average precision): the precision at each default's rank down the PDs, "
                               "averaged over the defaults, the step-wise area under the precision-recall curve "
                               "(scikit-learn's average_precision_score; no straight-line interpolation, which "
                               "Davis & Goadrich 2006 show overstates it); how well the highest PDs gather the "
                               "defaults, from the default rate (no skill) to 1."),
    "DeLong": (r"\bdelong", "DeLong test (DeLong, DeLong & Clarke-Pearson 1988): whether two models' AUCs on the same "
                            "loans differ beyond chance, from the paired variance of the two AUCs; p is its one-sided "
                            "p-value."),
    "PSI": (r"\bpsi\b", "PSI (population stability index): the sum over bins of (share now - share then) x "
                        "ln(share now / share then), 0 upward; under 0.1 reads as stable, 0.1-0.25 as a moderate "
                        "shift, above 0.25 as a significant one (Siddiqi 2006)."),
    "accuracy": (r"\baccuracy\b", "accuracy: the share of holdout sentences given their label, 0-1."),
    "precision, recall, F1": (r"\b(precision|recall|f1)_", "precision_<label>: of the sentences the model gave that "
                              "label, the share that carry it; recall_<label>: of the sentences that carry it, the "
                              "share the model gave it; f1_<label>: the harmonic mean of the two; all 0-1."),
    "macro-F1": (r"\bmacro[_-]f1", "macro-F1: the mean of the three labels' F1 (negative, neutral, positive), 0-1, "
                                   "each label counting alike however rare."),
    "paired bootstrap": (r"\bbootstrap", "paired bootstrap (Efron 1979): the p-value of a gain in macro-F1, from "
                                         "redrawing the holdout sentences with replacement and scoring both models on "
                                         "each redraw."),
}
"""Term -> (regular expression, case-insensitive, that finds it in a card's text; the line the
'Terms' section gives it). Only the terms a card's text uses are listed on it."""


def terms_section(card_text: str) -> list[str]:
    """The 'Terms' section closing a card: its heading and one line per term of TERMS that
    `card_text` uses, in TERMS order; embedded images (`![...](data:...)`) are not read."""
    text = re.sub(r"!\[[^\]]*\]\([^)]*\)", "", card_text)
    return ["#### Terms"] + [f"- {line}" for pattern, line in TERMS.values()
                             if re.search(pattern, text, flags=re.IGNORECASE)]


def plain(value: object) -> str:
    """A stored value as a card prints it, never as Python or JSON: a mapping as 'train 31,829, holdout
    7,957', a list as '12, 10, 13', True / False as 'yes' / 'no', None as 'none', a whole number with
    thousands separators ('112,414', a float too), other numbers to 4 significant digits ('50.51',
    '0.6969') or, from 100 up, to the unit ('785.5' reads '786'); text as it is."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "none"
    if isinstance(value, Mapping):
        return ", ".join(f"{key} {plain(item)}" for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return ", ".join(plain(item) for item in value)
    if isinstance(value, numbers.Integral):
        return f"{value:,}"
    if isinstance(value, numbers.Real):
        value = float(value)
        if math.isnan(value):
            return "n/a"
        if value.is_integer() or abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.4g}" if abs(value) >= 1e-4 else f"{value:.2e}"
    return str(value)
