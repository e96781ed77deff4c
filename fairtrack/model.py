"""The baseline classifier: a scikit-learn pipeline with encoding and scaling.

Categorical columns are imputed with a constant and one-hot encoded into
dense arrays, because fairlearn's reductions and post-processing need them.
Numeric columns are imputed with the median and standardised.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from fairtrack.errors import SpecError

logger = logging.getLogger(__name__)


def to_model_frame(features: pd.DataFrame) -> pd.DataFrame:
    """Convert features to dtypes that scikit-learn and MLflow signatures accept.

    pandas string, categorical and Arrow-backed columns become ``object``
    columns with ``numpy.nan`` for missing values. Nullable integers and
    booleans become ``float64``, and numpy numbers stay as they are. A model logged with an input example of
    ``category`` or ``Int64`` columns would otherwise get a signature that
    rejects the same frame at prediction time (MLflow 3.x).
    """
    converted = {}
    for column in features.columns:
        values = features[column]
        if pd.api.types.is_bool_dtype(values) or (
            pd.api.types.is_numeric_dtype(values) and not isinstance(values.dtype, np.dtype)
        ):
            converted[column] = values.astype("float64")
        elif pd.api.types.is_numeric_dtype(values):
            converted[column] = values
        else:
            as_object = values.astype(object)
            converted[column] = as_object.where(values.notna(), np.nan)
    return pd.DataFrame(converted, index=features.index)


def build_model(
    features: pd.DataFrame,
    family: str = "logistic_regression",
    params: dict[str, Any] | None = None,
    random_state: int = 0,
) -> Pipeline:
    """Build an unfitted classification pipeline for the given feature columns.

    Parameters
    ----------
    features : pandas.DataFrame
        Training features; their dtypes decide which columns are one-hot
        encoded and which are scaled.
    family : {"logistic_regression"}, default="logistic_regression"
        The model family.
    params : dict or None, default=None
        Keyword arguments for the estimator.
    random_state : int, default=0
        Seed of the estimator.

    Returns
    -------
    sklearn.pipeline.Pipeline
        Steps ``preprocess`` and ``classifier``.

    Raises
    ------
    SpecError
        If the family is not supported.
    """
    if family != "logistic_regression":
        raise SpecError(
            f"Model family {family!r} is not supported yet; only 'logistic_regression' is."
        )

    frame = to_model_frame(features)
    numeric = [column for column in frame.columns if pd.api.types.is_numeric_dtype(frame[column])]
    categorical = [column for column in frame.columns if column not in numeric]
    preprocess = ColumnTransformer(
        [
            (
                "categorical",
                Pipeline(
                    [
                        ("impute", SimpleImputer(strategy="constant", fill_value="missing")),
                        ("encode", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
                    ]
                ),
                categorical,
            ),
            (
                "numeric",
                Pipeline([("impute", SimpleImputer(strategy="median")), ("scale", StandardScaler())]),
                numeric,
            ),
        ]
    )
    estimator_params = {"max_iter": 1000, **(params or {})}
    classifier = LogisticRegression(random_state=random_state, **estimator_params)
    return Pipeline([("preprocess", preprocess), ("classifier", classifier)])


def fit_model(
    features: pd.DataFrame,
    label: np.ndarray,
    family: str = "logistic_regression",
    params: dict[str, Any] | None = None,
    sample_weight: np.ndarray | None = None,
    random_state: int = 0,
) -> Pipeline:
    """Build and fit a classification pipeline, optionally with sample weights.

    Parameters
    ----------
    features : pandas.DataFrame
        Training features.
    label : numpy.ndarray
        Training labels as 0/1.
    family, params, random_state
        See :func:`build_model`.
    sample_weight : numpy.ndarray or None, default=None
        Per-row weights passed to the estimator's ``fit``.

    Returns
    -------
    sklearn.pipeline.Pipeline
        The fitted pipeline.
    """
    pipeline = build_model(features, family, params, random_state)
    fit_params = {} if sample_weight is None else {"classifier__sample_weight": sample_weight}
    pipeline.fit(to_model_frame(features), label, **fit_params)
    logger.info("Fitted %s on %d rows and %d columns", family, len(label), features.shape[1])
    return pipeline


def predict(pipeline: Pipeline, features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return hard 0/1 predictions and positive-class scores for ``features``."""
    frame = to_model_frame(features[list(pipeline.feature_names_in_)])
    predictions = pipeline.predict(frame).astype(np.int8)
    scores = pipeline.predict_proba(frame)[:, 1]
    return predictions, scores
