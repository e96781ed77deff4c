"""Importing aif360 quietly and building its datasets from numeric columns.

aif360 0.6 cannot build a dataset from pandas 3 string columns, so every
dataset here has only float columns: the privileged indicator (1.0 for a
privileged row), the label and, where needed, the scores.
"""

from __future__ import annotations

import importlib
import logging
import warnings
from typing import Any

import numpy as np
import pandas as pd

ATTRIBUTE_COLUMN = "protected"
LABEL_COLUMN = "label"
PRIVILEGED_GROUPS = [{ATTRIBUTE_COLUMN: 1.0}]
UNPRIVILEGED_GROUPS = [{ATTRIBUTE_COLUMN: 0.0}]


def import_aif360(module: str, name: str) -> Any:
    """Import ``name`` from the aif360 module ``module`` without its import-time warnings.

    aif360 logs warnings on the root logger about optional back ends
    (TensorFlow, fairlearn extras) when its packages are imported. They are
    irrelevant to fairtrack's use, so records of level WARNING and below are
    switched off for the import only.
    """
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            imported = importlib.import_module(module)
    finally:
        logging.disable(previous)
    return getattr(imported, name)


def binary_label_dataset(
    is_privileged: np.ndarray,
    label: np.ndarray,
    favorable: int = 1,
    scores: np.ndarray | None = None,
) -> Any:
    """Build an aif360 ``BinaryLabelDataset`` from a privileged indicator and labels.

    Parameters
    ----------
    is_privileged : numpy.ndarray of shape (n_rows,)
        True for rows of a privileged group.
    label : numpy.ndarray of shape (n_rows,)
        Labels (or predictions) as 0/1.
    favorable : {0, 1}, default=1
        The label value that is the favourable outcome.
    scores : numpy.ndarray of shape (n_rows,) or None, default=None
        The probability of the favourable label, stored as the dataset's
        scores.

    Returns
    -------
    aif360.datasets.BinaryLabelDataset
    """
    BinaryLabelDataset = import_aif360("aif360.datasets", "BinaryLabelDataset")
    frame = pd.DataFrame(
        {
            ATTRIBUTE_COLUMN: np.asarray(is_privileged, dtype=np.float64),
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
    if scores is not None:
        dataset.scores = np.asarray(scores, dtype=np.float64).reshape(-1, 1)
    return dataset
