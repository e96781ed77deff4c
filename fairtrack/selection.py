"""Selecting the best technique of a stage on the validation part.

The rule: among the candidates (the techniques of the stage that fitted, and
the result of the previous stage), keep the one with the lowest fairness
metric of record whose utility cost against the baseline stays within the
system's threshold. When none stays within it, the previous stage's result
is kept.

NOTE: post-processing is fitted on the validation part and then selected on
it too, which favours it slightly. The test part is used only for the
reported metrics, never to select.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from fairtrack import metrics as m

SELECTION_METRICS = ("accuracy", "balanced_accuracy", "precision", "recall")


@dataclass(frozen=True)
class Selection:
    """The chosen candidate's index and the reason, for the intervention log."""

    index: int
    reason: str


def point_metrics(y_true: np.ndarray, y_pred: np.ndarray, groups: pd.Series) -> dict[str, float]:
    """Compute the overall and disparity metrics of one model without intervals."""
    codes, _ = pd.factorize(groups.astype(str))
    counts = m.confusion_counts(y_true, y_pred, codes, int(codes.max()) + 1)
    values = {name: float(value) for name, value in m.overall_metrics(counts).items()}
    values.update({name: float(value) for name, value in m.disparities(m.group_rates(counts)).items()})
    return values


def select_candidate(
    candidates: list[dict[str, float]],
    fairness_metric: str,
    utility_metric: str,
    baseline_utility: float,
    max_utility_loss: float,
) -> Selection:
    """Pick the candidate with the largest fairness gain whose utility cost stays within the threshold.

    Parameters
    ----------
    candidates : list of dict
        Validation metrics of each candidate; index 0 is the previous stage's
        result, which is kept when no other candidate qualifies.
    fairness_metric : str
        The fairness metric of record; lower is fairer.
    utility_metric : str
        The utility metric; higher is better.
    baseline_utility : float
        The baseline's utility on the validation part.
    max_utility_loss : float
        The relative utility loss allowed.

    Returns
    -------
    Selection
        The index of the chosen candidate and why.
    """
    best, best_value = 0, candidates[0].get(fairness_metric, np.nan)
    for index, values in enumerate(candidates[1:], start=1):
        fairness, utility = values.get(fairness_metric, np.nan), values.get(utility_metric, np.nan)
        if np.isnan(fairness) or np.isnan(utility):
            continue
        cost = (baseline_utility - utility) / baseline_utility if baseline_utility else np.inf
        if cost > max_utility_loss:
            continue
        if np.isnan(best_value) or fairness < best_value:
            best, best_value = index, fairness

    if best == 0:
        reason = (
            f"no technique of this stage lowered {fairness_metric} on the validation data with a utility "
            f"cost within {max_utility_loss:.0%}; the previous result is kept"
        )
    else:
        utility = candidates[best][utility_metric]
        cost = (baseline_utility - utility) / baseline_utility
        reason = (
            f"lowest {fairness_metric} on the validation data ({best_value:.4f}) among the candidates whose "
            f"utility cost ({cost:.1%} of {utility_metric}) stays within {max_utility_loss:.0%}"
        )
    return Selection(index=best, reason=reason)
