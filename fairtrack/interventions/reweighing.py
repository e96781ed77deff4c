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
import warnings

import numpy as np
import pandas as pd

from fairtrack.interventions.base import PreprocessingResult

ATTRIBUTE_COLUMN = "protected"
LABEL_COLUMN = "label"

logger = logging.getLogger(__name__)


def reweigh(
    label: np.ndarray,
    groups: pd.Series,
    privileged: tuple,
    favorable: int = 1,
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

    Returns
    -------
    PreprocessingResult
        Technique ``"reweighing"`` with one weight per row.
    """
    Reweighing, BinaryLabelDataset = _import_aif360()

    is_privileged = groups.astype(str).isin([str(value) for value in privileged]).to_numpy()
    frame = pd.DataFrame(
        {
            ATTRIBUTE_COLUMN: is_privileged.astype(np.float64),
            LABEL_COLUMN: np.asarray(label, dtype=np.float64),
        }
    )
    dataset = BinaryLabelDataset(
        df=frame,
        label_names=[LABEL_COLUMN],
        protected_attribute_names=[ATTRIBUTE_COLUMN],
        favorable_label=float(favorable),
        unfavorable_label=float(1 - favorable),
    )
    transformer = Reweighing(
        unprivileged_groups=[{ATTRIBUTE_COLUMN: 0.0}],
        privileged_groups=[{ATTRIBUTE_COLUMN: 1.0}],
    )
    weights = transformer.fit_transform(dataset).instance_weights.astype(np.float64)

    logger.info(
        "Reweighing gave weights from %.3f to %.3f over %d rows", weights.min(), weights.max(), len(weights)
    )
    return PreprocessingResult(
        technique="reweighing",
        params={"privileged": [str(value) for value in privileged], "favorable_label": favorable},
        sample_weight=weights,
    )


def _import_aif360():
    """Import aif360 without its root-logger warnings about optional back ends."""
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from aif360.algorithms.preprocessing import Reweighing
            from aif360.datasets import BinaryLabelDataset
    finally:
        logging.disable(previous)
    return Reweighing, BinaryLabelDataset
