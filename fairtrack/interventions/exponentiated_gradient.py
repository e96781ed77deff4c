"""Exponentiated gradient reduction (Agarwal, Beygelzimer, Dudik, Langford and
Wallach, "A reductions approach to fair classification", ICML 2018), with
fairlearn's ``ExponentiatedGradient``.

The reduction turns a fairness-constrained problem into a sequence of
weighted classification problems solved by the system's logistic regression,
and returns a randomised mixture of the classifiers it trained. fairtrack
encodes the features as the system's model does (dense one-hot and scaled)
and passes the targeted protected attribute as the sensitive feature.

Sample weights from a pre-processing stage are applied by weighted
resampling: n rows are drawn with replacement, each with probability
proportional to its weight, from a generator seeded by ``random_state``, and
the reduction is fitted on the draw without weights. fairlearn 0.15's
``ExponentiatedGradient.fit`` fails with a ``TypeError`` when given
``sample_weight``, and passing the weights only to the inner estimator would
weight the classification loss while the constraint moments stay unweighted,
so loss and constraints would refer to different distributions. Resampling
makes both refer to the reweighted one, at the cost of sampling noise.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import numpy as np
from fairlearn.reductions import DemographicParity, EqualizedOdds, ExponentiatedGradient
from sklearn.linear_model import LogisticRegression

from fairtrack.interventions._encoding import encode, fit_encoder
from fairtrack.interventions.base import (
    FairClassifier,
    check_group_sizes,
    check_labels,
    check_sample_weight,
    check_sensitive_features,
)

CONSTRAINTS = {"demographic_parity": DemographicParity, "equalized_odds": EqualizedOdds}

logger = logging.getLogger(__name__)


class ExponentiatedGradientReduction(FairClassifier):
    """Fit a randomised classifier under a demographic parity or equalized odds constraint.

    Parameters
    ----------
    constraints : {"demographic_parity", "equalized_odds"}, default="demographic_parity"
        The fairness constraint.
    eps : float, default=0.01
        Allowed violation of the constraint, as in fairlearn.
    max_iter : int, default=50
        Maximum number of iterations of the reduction.
    eta0 : float, default=2.0
        Initial learning rate of the reduction.
    model_params : dict or None, default=None
        Keyword arguments for the inner ``LogisticRegression``.
    random_state : int, default=0
        Seeds the inner estimator, the weighted resampling and the
        randomised predictions.

    Attributes
    ----------
    encoder_ : sklearn.compose.ColumnTransformer
        The feature encoding fitted on the training rows.
    reduction_ : fairlearn.reductions.ExponentiatedGradient
        The fitted reduction.
    resampled_ : bool
        Whether sample weights were applied by resampling.
    classes_ : numpy.ndarray
        ``[0, 1]``.
    """

    technique = "exponentiated_gradient"

    def __init__(
        self,
        constraints: Literal["demographic_parity", "equalized_odds"] = "demographic_parity",
        eps: float = 0.01,
        max_iter: int = 50,
        eta0: float = 2.0,
        model_params: dict[str, Any] | None = None,
        random_state: int = 0,
    ):
        self.constraints = constraints
        self.eps = eps
        self.max_iter = max_iter
        self.eta0 = eta0
        self.model_params = model_params
        self.random_state = random_state

    def fit(
        self,
        X,
        y,
        *,
        sensitive_features,
        sample_weight=None,
        X_val=None,
        y_val=None,
        sensitive_features_val=None,
    ) -> ExponentiatedGradientReduction:
        """Fit the reduction on the training rows; validation rows are ignored.

        Raises
        ------
        ValueError
            If ``constraints`` is not supported.
        DataError
            If labels, groups or weights are invalid.
        """
        if self.constraints not in CONSTRAINTS:
            raise ValueError(
                f"constraints must be one of {sorted(CONSTRAINTS)!r}; got {self.constraints!r}."
            )
        y = check_labels(y, len(X))
        groups = check_sensitive_features(sensitive_features, len(X))
        weights = check_sample_weight(sample_weight, len(X))
        check_group_sizes(groups, minimum=1, purpose="The exponentiated gradient reduction")

        self.encoder_ = fit_encoder(X)
        encoded = encode(self.encoder_, X)
        self.resampled_ = weights is not None
        if weights is not None:
            rng = np.random.default_rng(self.random_state)
            rows = rng.choice(len(y), size=len(y), replace=True, p=weights / weights.sum())
            encoded, y, groups = encoded[rows], y[rows], groups[rows]

        estimator = LogisticRegression(
            **{"max_iter": 1000, "random_state": self.random_state, **(self.model_params or {})}
        )
        self.reduction_ = ExponentiatedGradient(
            estimator,
            constraints=CONSTRAINTS[self.constraints](),
            eps=self.eps,
            max_iter=self.max_iter,
            eta0=self.eta0,
        )
        self.reduction_.fit(encoded, y, sensitive_features=groups)
        self.classes_ = np.array([0, 1])

        logger.info(
            "Exponentiated gradient with %s mixed %d classifier(s) from %d oracle call(s)%s",
            self.constraints,
            int((self.reduction_.weights_ > 0).sum()),
            self.reduction_.n_oracle_calls_,
            " on a weighted resample" if self.resampled_ else "",
        )
        return self

    def predict_proba(self, X, sensitive_features) -> np.ndarray:
        """Return the probabilities with which the randomised classifier predicts 0 and 1."""
        check_sensitive_features(sensitive_features, len(X))
        # NOTE: fairlearn 0.15 exposes these probabilities only through the
        # private _pmf_predict; the public predict draws from them.
        return np.asarray(self.reduction_._pmf_predict(encode(self.encoder_, X)), dtype=np.float64)

    def predict(self, X, sensitive_features) -> np.ndarray:
        """Draw 0/1 predictions from the randomised classifier, seeded by ``random_state``."""
        check_sensitive_features(sensitive_features, len(X))
        predictions = self.reduction_.predict(encode(self.encoder_, X), random_state=self.random_state)
        return np.asarray(predictions, dtype=np.int8)
