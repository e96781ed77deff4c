"""The system's own classifier behind the intervention interface.

:class:`SystemModel` trains the model family of the specification with
:func:`fairtrack.model.fit_model`. It is the classifier of a pipeline that has
no in-processing technique: the baseline, or a pre-processed model retrained
with the pre-processor's features and weights.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from fairtrack.interventions.base import (
    FairClassifier,
    check_labels,
    check_sample_weight,
    check_sensitive_features,
)
from fairtrack.model import fit_model, to_model_frame

logger = logging.getLogger(__name__)


class SystemModel(FairClassifier):
    """Fit the specification's model family, with sample weights when given.

    The protected attribute is accepted for the common interface but not
    used: the model uses only the feature columns.

    Parameters
    ----------
    family : {"logistic_regression"}, default="logistic_regression"
        The model family, as in the specification's ``model.family``.
    params : dict or None, default=None
        Keyword arguments for the estimator (``model.params``).
    random_state : int, default=0
        Seed of the estimator.

    Attributes
    ----------
    pipeline_ : sklearn.pipeline.Pipeline
        The fitted encoding and classifier.
    classes_ : numpy.ndarray
        ``[0, 1]``.
    """

    technique = "system_model"

    def __init__(self, family: str = "logistic_regression", params: dict[str, Any] | None = None, random_state: int = 0):
        self.family = family
        self.params = params
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
    ) -> SystemModel:
        """Fit the model on the training rows; validation rows are not needed and ignored."""
        y = check_labels(y, len(X))
        check_sensitive_features(sensitive_features, len(X))
        weights = check_sample_weight(sample_weight, len(X))

        self.pipeline_ = fit_model(
            X,
            y,
            family=self.family,
            params=self.params,
            sample_weight=weights,
            random_state=self.random_state,
        )
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, X, sensitive_features) -> np.ndarray:
        """Return the model's probabilities of labels 0 and 1."""
        check_sensitive_features(sensitive_features, len(X))
        frame = to_model_frame(X[list(self.pipeline_.feature_names_in_)])
        return self.pipeline_.predict_proba(frame)
