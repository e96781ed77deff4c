"""Reweighing (Kamiran and Calders, "Data preprocessing techniques for
classification without discrimination", Knowledge and Information Systems,
2012).

Each training row gets the weight P(A = a) P(Y = y) / P(A = a, Y = y) of its
(group, label) cell, so that group and label are independent in the weighted
data. fairtrack calls aif360's ``Reweighing`` on a ``BinaryLabelDataset`` that
it builds from numeric columns, because aif360 0.6 cannot build datasets from
pandas 3 string columns.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from fairtrack.interventions._aif360 import (
    PRIVILEGED_GROUPS,
    UNPRIVILEGED_GROUPS,
    binary_label_dataset,
    import_aif360,
)
from fairtrack.interventions.base import (
    PreprocessingResult,
    PreProcessor,
    check_labels,
    check_privileged,
    check_sample_weight,
    check_sensitive_features,
)

logger = logging.getLogger(__name__)


def reweigh(
    label: np.ndarray,
    groups: pd.Series,
    privileged: tuple,
    favorable: int = 1,
    sample_weight: np.ndarray | None = None,
) -> PreprocessingResult:
    """Compute reweighing sample weights for the training rows.

    Parameters
    ----------
    label : numpy.ndarray of shape (n_rows,)
        Training labels as 0/1.
    groups : pandas.Series of shape (n_rows,)
        Each row's group for the targeted protected attribute.
    privileged : tuple
        The privileged group values; every other group is unprivileged.
    favorable : {0, 1}, default=1
        The label value that is the favourable outcome.
    sample_weight : numpy.ndarray of shape (n_rows,) or None, default=None
        Weights the rows already carry. The cell probabilities are then
        computed on the weighted rows and the result is the incoming weight
        times the cell's weight, so that group and label are independent in
        the finally weighted data.

    Returns
    -------
    PreprocessingResult
        Technique ``"reweighing"`` with one weight per row.
    """
    Reweighing = import_aif360("aif360.algorithms.preprocessing", "Reweighing")

    is_privileged = groups.astype(str).isin([str(value) for value in privileged]).to_numpy()
    dataset = binary_label_dataset(is_privileged, label, favorable)
    if sample_weight is not None:
        dataset.instance_weights = np.asarray(sample_weight, dtype=np.float64).copy()
    transformer = Reweighing(unprivileged_groups=UNPRIVILEGED_GROUPS, privileged_groups=PRIVILEGED_GROUPS)
    weights = transformer.fit_transform(dataset).instance_weights.astype(np.float64)

    logger.info(
        "Reweighing gave weights from %.3f to %.3f over %d rows", weights.min(), weights.max(), len(weights)
    )
    return PreprocessingResult(
        technique="reweighing",
        params={"privileged": [str(value) for value in privileged], "favorable_label": favorable},
        sample_weight=weights,
    )


class Reweighing(PreProcessor):
    """Reweigh the training rows so that label and group are independent.

    The features pass through unchanged; ``sample_weight_`` contains the
    weights of :func:`reweigh`, computed on top of any incoming weights.

    Parameters
    ----------
    privileged : sequence
        The privileged groups of the targeted protected attribute.
    favorable : {0, 1}, default=1
        The label value that is the favourable outcome.

    Attributes
    ----------
    sample_weight_ : numpy.ndarray of shape (n_rows,)
        Weights for the rows passed to ``fit``, in their order.
    """

    technique = "reweighing"

    def __init__(self, privileged: Sequence[Any] = (), favorable: int = 1):
        self.privileged = privileged
        self.favorable = favorable

    def fit(self, X, y, *, sensitive_features, sample_weight=None) -> Reweighing:
        """Compute the weights of the training rows; return ``self``."""
        y = check_labels(y, len(X))
        groups = check_sensitive_features(sensitive_features, len(X))
        weights = check_sample_weight(sample_weight, len(X))
        check_privileged(self.privileged, groups)

        result = reweigh(
            y, pd.Series(groups), tuple(self.privileged), favorable=self.favorable, sample_weight=weights
        )
        self.sample_weight_ = result.sample_weight
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X, sensitive_features) -> pd.DataFrame:
        """Return ``X`` unchanged: reweighing acts through ``sample_weight_`` only."""
        check_sensitive_features(sensitive_features, len(X))
        return X
