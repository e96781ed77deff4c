"""The feature encoding that fairtrack's own classifiers and reductions share.

It is the ``preprocess`` step of :func:`fairtrack.model.build_model`: dense
one-hot encoding of categorical columns (fairlearn's reductions need dense
inputs) and median imputation with standardisation of numeric columns, so an
in-processing technique receives the features encoded the way the system's model does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer

from fairtrack.errors import DataError
from fairtrack.model import build_model, to_model_frame


def fit_encoder(X: pd.DataFrame) -> ColumnTransformer:
    """Fit the feature encoding on the training features."""
    encoder = build_model(X).named_steps["preprocess"]
    encoder.fit(to_model_frame(X))
    return encoder


def encode(encoder: ColumnTransformer, X: pd.DataFrame) -> np.ndarray:
    """Encode features as a dense float64 array, one row per input row."""
    columns = list(encoder.feature_names_in_)
    missing = sorted(set(columns) - set(X.columns))
    if missing:
        raise DataError(f"The features lack the columns {missing!r} that the model was fitted on.")
    return np.asarray(encoder.transform(to_model_frame(X[columns])), dtype=np.float64)
