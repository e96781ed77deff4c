"""Threshold optimisation (Hardt, Price and Srebro, "Equality of opportunity in
supervised learning", NeurIPS 2016), with fairlearn's ``ThresholdOptimizer``.

The wrapped classifier's positive-class score is the only input. fairlearn
gets a one-column matrix of scores and an estimator that returns that column
as its probability. The thresholds therefore apply to whatever the earlier
stages produced (a pre-processed, in-processed or plain model) without
refitting it. Each group gets its own threshold, randomised between two thresholds
where needed, chosen on the validation rows to maximise the objective under
the constraint.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import numpy as np
from fairlearn.postprocessing import ThresholdOptimizer
from sklearn.base import BaseEstimator

from fairtrack.interventions.base import PostProcessor

CONSTRAINTS = ("demographic_parity", "equalized_odds", "true_positive_rate_parity", "false_positive_rate_parity")

logger = logging.getLogger(__name__)


class ThresholdOptimization(PostProcessor):
    """Choose group-specific thresholds on the wrapped classifier's scores.

    Parameters
    ----------
    estimator : FairClassifier or None, default=None
        The fitted classifier whose scores are thresholded; set by
        :class:`~fairtrack.interventions.chain.FairPipeline` when chaining.
    constraints : {"demographic_parity", "equalized_odds", "true_positive_rate_parity", \
"false_positive_rate_parity"}, default="demographic_parity"
        The constraint, as in fairlearn.
    objective : {"accuracy_score", "balanced_accuracy_score"}, default="accuracy_score"
        What the thresholds maximise, as in fairlearn.
    grid_size : int, default=1000
        Number of thresholds fairlearn evaluates per group.
    random_state : int, default=0
        Seeds the randomised choice between two thresholds in ``predict``.

    Attributes
    ----------
    optimizer_ : fairlearn.postprocessing.ThresholdOptimizer
        The fitted optimiser.
    """

    technique = "threshold_optimizer"

    def __init__(
        self,
        estimator: Any = None,
        constraints: Literal[
            "demographic_parity", "equalized_odds", "true_positive_rate_parity", "false_positive_rate_parity"
        ] = "demographic_parity",
        objective: Literal["accuracy_score", "balanced_accuracy_score"] = "accuracy_score",
        grid_size: int = 1000,
        random_state: int = 0,
    ):
        self.estimator = estimator
        self.constraints = constraints
        self.objective = objective
        self.grid_size = grid_size
        self.random_state = random_state

    def _fit_scores(self, scores: np.ndarray, y: np.ndarray, groups: np.ndarray) -> None:
        if self.constraints not in CONSTRAINTS:
            raise ValueError(f"constraints must be one of {sorted(CONSTRAINTS)!r}; got {self.constraints!r}.")
        self.optimizer_ = ThresholdOptimizer(
            estimator=_ScoreColumn(),
            constraints=self.constraints,
            objective=self.objective,
            grid_size=self.grid_size,
            prefit=True,
            predict_method="predict_proba",
        )
        self.optimizer_.fit(scores.reshape(-1, 1), y, sensitive_features=groups)
        logger.info(
            "Threshold optimisation for %s fitted on %d validation rows and %d groups",
            self.constraints,
            len(y),
            len(set(groups.tolist())),
        )

    def _adjust(self, scores: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        column = scores.reshape(-1, 1)
        predictions = self.optimizer_.predict(column, sensitive_features=groups, random_state=self.random_state)
        # NOTE: fairlearn 0.15 exposes the probability of predicting 1 only
        # through the private _pmf_predict; the public predict draws from it.
        positive = self.optimizer_._pmf_predict(column, sensitive_features=groups)[:, 1]
        return predictions, positive


class _ScoreColumn(BaseEstimator):
    """A fitted stand-in estimator whose probability of label 1 is the first input column."""

    def fit(self, X, y=None) -> _ScoreColumn:
        return self

    def predict_proba(self, X) -> np.ndarray:
        scores = np.asarray(X, dtype=np.float64)[:, 0]
        return np.column_stack([1.0 - scores, scores])

    def __sklearn_is_fitted__(self) -> bool:
        return True
