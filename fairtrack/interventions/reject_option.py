"""Reject option classification (Kamiran, Karim and Zhang, "Decision theory for
discrimination-aware classification", ICDM 2012).

Inside a band of width 2 m around the classification threshold t, where the
classifier is least certain, unprivileged rows get the favourable label and
privileged rows the unfavourable one. Outside the band the threshold applies. With
s the probability of the favourable label, a privileged row is favourable
when s > t + m and an unprivileged row when s > t - m.

t and m are chosen on validation rows by the grid search of aif360's
``RejectOptionClassification``: thresholds ``linspace(low_class_thresh,
high_class_thresh, num_class_thresh)``, for each threshold margins
``linspace(0, min(t, 1 - t), num_ROC_margin)``, and the pair with the
highest balanced accuracy among those whose fairness metric lies in
[metric_lb, metric_ub], the first such pair in grid order on ties.
aif360 scores each pair with a pass over all rows, about 10 s for its default
grid on 7,530 rows; :func:`search_reject_option` counts every pair at once
from sorted scores and picks the same pair.

One deliberate difference: when no pair meets the bounds, aif360 0.6.1 takes
the pair with the smallest signed metric, which is the most negative
disparity; fairtrack takes the pair whose metric is closest to the bounds
and logs a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from fairtrack.interventions.base import PostProcessor, check_privileged

# aif360's names for these metrics are "Statistical parity difference",
# "Average odds difference" and "Equal opportunity difference". Each is the
# unprivileged group's rate minus the privileged group's, so it is signed.
FAIRNESS_METRICS = ("average_odds_difference", "equal_opportunity_difference", "statistical_parity_difference")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RejectOptionSearch:
    """The outcome of the grid search of reject option classification.

    Attributes
    ----------
    classification_threshold : float
        The selected threshold t.
    margin : float
        The selected margin m.
    balanced_accuracy : float
        Balanced accuracy of the selected pair on the rows searched.
    metric : float
        The fairness metric of the selected pair.
    feasible : bool
        Whether any pair met the bounds.
    """

    classification_threshold: float
    margin: float
    balanced_accuracy: float
    metric: float
    feasible: bool


def search_reject_option(
    favorable_scores: np.ndarray,
    favorable_labels: np.ndarray,
    is_privileged: np.ndarray,
    low_class_thresh: float = 0.01,
    high_class_thresh: float = 0.99,
    num_class_thresh: int = 100,
    num_ROC_margin: int = 50,
    metric_name: Literal[
        "statistical_parity_difference", "average_odds_difference", "equal_opportunity_difference"
    ] = "statistical_parity_difference",
    metric_ub: float = 0.05,
    metric_lb: float = -0.05,
) -> RejectOptionSearch:
    """Search the threshold and margin of reject option classification.

    Parameters
    ----------
    favorable_scores : numpy.ndarray of shape (n_rows,)
        Probability of the favourable label.
    favorable_labels : numpy.ndarray of shape (n_rows,)
        True where the true label is the favourable one.
    is_privileged : numpy.ndarray of shape (n_rows,)
        True for rows of a privileged group.
    low_class_thresh, high_class_thresh, num_class_thresh, num_ROC_margin
        The grid, as in aif360.
    metric_name : {"statistical_parity_difference", "average_odds_difference", \
"equal_opportunity_difference"}, default="statistical_parity_difference"
        The fairness metric bounded by ``metric_lb`` and ``metric_ub``.
    metric_ub, metric_lb : float, default=0.05 and -0.05
        The bounds on the metric.

    Returns
    -------
    RejectOptionSearch
        The selected pair and its scores.

    Raises
    ------
    ValueError
        If the grid or the metric name is invalid.
    """
    if metric_name not in FAIRNESS_METRICS:
        raise ValueError(f"metric_name must be one of {sorted(FAIRNESS_METRICS)!r}; got {metric_name!r}.")
    if not (0.0 <= low_class_thresh < high_class_thresh <= 1.0) or num_class_thresh < 1 or num_ROC_margin < 1:
        raise ValueError(
            "The grid needs 0 <= low_class_thresh < high_class_thresh <= 1 and at least one threshold "
            f"and margin; got low_class_thresh={low_class_thresh!r}, high_class_thresh={high_class_thresh!r}, "
            f"num_class_thresh={num_class_thresh!r}, num_ROC_margin={num_ROC_margin!r}."
        )

    # The grid, built with the same floating-point operations as aif360's.
    thresholds = np.linspace(low_class_thresh, high_class_thresh, num_class_thresh)
    margins = np.stack(
        [np.linspace(0.0, threshold if threshold <= 0.5 else 1.0 - threshold, num_ROC_margin) for threshold in thresholds]
    )
    thresholds = np.repeat(thresholds[:, None], num_ROC_margin, axis=1)
    privileged_cut = (thresholds + margins).ravel()
    unprivileged_cut = (thresholds - margins).ravel()

    favorable_scores = np.asarray(favorable_scores, dtype=np.float64)
    favorable_labels = np.asarray(favorable_labels, dtype=bool)
    is_privileged = np.asarray(is_privileged, dtype=bool)

    # counts[privileged][label]: rows predicted favourable at every grid pair.
    predicted, totals = {}, {}
    for privileged, cut in ((True, privileged_cut), (False, unprivileged_cut)):
        for label in (True, False):
            rows = np.sort(favorable_scores[(is_privileged == privileged) & (favorable_labels == label)])
            predicted[privileged, label] = len(rows) - np.searchsorted(rows, cut, side="right")
            totals[privileged, label] = len(rows)

    balanced_accuracy, metric = _grid_scores(predicted, totals, metric_name)
    feasible = (metric >= metric_lb) & (metric <= metric_ub)
    if feasible.any():
        candidates = np.flatnonzero(feasible)
        best = candidates[np.flatnonzero(balanced_accuracy[candidates] == balanced_accuracy[candidates].max())[0]]
    else:
        distance = np.maximum(metric_lb - metric, metric - metric_ub)
        best = int(np.nanargmin(distance))
        logger.warning(
            "No threshold and margin keep %s within [%s, %s]; the closest pair reaches %.4f",
            metric_name,
            metric_lb,
            metric_ub,
            metric[best],
        )

    return RejectOptionSearch(
        classification_threshold=float(thresholds.ravel()[best]),
        margin=float(margins.ravel()[best]),
        balanced_accuracy=float(balanced_accuracy[best]),
        metric=float(metric[best]),
        feasible=bool(feasible.any()),
    )


class RejectOptionClassification(PostProcessor):
    """Favour unprivileged and disfavour privileged rows near the decision threshold.

    Parameters
    ----------
    estimator : FairClassifier or None, default=None
        The fitted classifier whose scores are adjusted; set by
        :class:`~fairtrack.interventions.chain.FairPipeline` when chaining.
    privileged : sequence
        The privileged groups of the targeted protected attribute.
    favorable : {0, 1}, default=1
        The label value that is the favourable outcome.
    low_class_thresh, high_class_thresh, num_class_thresh, num_ROC_margin, metric_name, metric_ub, metric_lb
        The search, see :func:`search_reject_option`.

    Attributes
    ----------
    search_ : RejectOptionSearch
        The selected threshold and margin.

    Notes
    -----
    The method is deterministic, so ``predict_proba`` is 0 or 1.
    """

    technique = "reject_option_classification"

    def __init__(
        self,
        estimator: Any = None,
        privileged: Sequence[Any] = (),
        favorable: int = 1,
        low_class_thresh: float = 0.01,
        high_class_thresh: float = 0.99,
        num_class_thresh: int = 100,
        num_ROC_margin: int = 50,
        metric_name: Literal[
            "statistical_parity_difference", "average_odds_difference", "equal_opportunity_difference"
        ] = "statistical_parity_difference",
        metric_ub: float = 0.05,
        metric_lb: float = -0.05,
    ):
        self.estimator = estimator
        self.privileged = privileged
        self.favorable = favorable
        self.low_class_thresh = low_class_thresh
        self.high_class_thresh = high_class_thresh
        self.num_class_thresh = num_class_thresh
        self.num_ROC_margin = num_ROC_margin
        self.metric_name = metric_name
        self.metric_ub = metric_ub
        self.metric_lb = metric_lb

    def _fit_scores(self, scores: np.ndarray, y: np.ndarray, groups: np.ndarray) -> None:
        if self.favorable not in (0, 1):
            raise ValueError(f"favorable must be 0 or 1; got {self.favorable!r}.")
        is_privileged = check_privileged(self.privileged, groups)
        favorable_scores = scores if self.favorable == 1 else 1.0 - scores

        self.search_ = search_reject_option(
            favorable_scores,
            y == self.favorable,
            is_privileged,
            low_class_thresh=self.low_class_thresh,
            high_class_thresh=self.high_class_thresh,
            num_class_thresh=self.num_class_thresh,
            num_ROC_margin=self.num_ROC_margin,
            metric_name=self.metric_name,
            metric_ub=self.metric_ub,
            metric_lb=self.metric_lb,
        )
        logger.info(
            "Reject option classification chose threshold %.4f and margin %.4f (%s %.4f, balanced accuracy %.4f)",
            self.search_.classification_threshold,
            self.search_.margin,
            self.metric_name,
            self.search_.metric,
            self.search_.balanced_accuracy,
        )

    def _adjust(self, scores: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        is_privileged = np.isin(groups, [str(value) for value in self.privileged])
        favorable_scores = scores if self.favorable == 1 else 1.0 - scores
        threshold, margin = self.search_.classification_threshold, self.search_.margin

        favorable_predicted = np.where(
            is_privileged, favorable_scores > threshold + margin, favorable_scores > threshold - margin
        )
        predictions = favorable_predicted if self.favorable == 1 else ~favorable_predicted
        return predictions.astype(np.int8), predictions.astype(np.float64)


def _grid_scores(
    predicted: dict[tuple[bool, bool], np.ndarray], totals: dict[tuple[bool, bool], int], metric_name: str
) -> tuple[np.ndarray, np.ndarray]:
    """Compute balanced accuracy and the signed fairness metric for every grid pair."""
    true_positives = predicted[True, True] + predicted[False, True]
    false_positives = predicted[True, False] + predicted[False, False]
    positives = totals[True, True] + totals[False, True]
    negatives = totals[True, False] + totals[False, False]

    with np.errstate(divide="ignore", invalid="ignore"):
        balanced_accuracy = 0.5 * (true_positives / positives + (negatives - false_positives) / negatives)

        def rate(privileged: bool, label: bool) -> np.ndarray:
            return predicted[privileged, label] / totals[privileged, label]

        if metric_name == "statistical_parity_difference":
            unprivileged = (predicted[False, True] + predicted[False, False]) / (totals[False, True] + totals[False, False])
            privileged = (predicted[True, True] + predicted[True, False]) / (totals[True, True] + totals[True, False])
            metric = unprivileged - privileged
        elif metric_name == "equal_opportunity_difference":
            metric = rate(False, True) - rate(True, True)
        else:
            metric = 0.5 * ((rate(False, False) - rate(True, False)) + (rate(False, True) - rate(True, True)))
    return balanced_accuracy, metric
