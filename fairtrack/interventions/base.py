"""The interfaces that every intervention implements, and their input checks.

fairtrack's interventions come in three kinds, one per stage of the
sequential pipeline:

- a pre-processor (:class:`PreProcessor`) is fitted on the training rows and
  then transforms features; it may also give the training rows new sample
  weights (``sample_weight_``);
- an in-processing classifier (:class:`FairClassifier`) is fitted on the
  training rows, with a validation split where it needs one, and predicts;
- a post-processor (:class:`PostProcessor`) wraps an already fitted
  classifier and is fitted on validation rows only.

Every method that receives rows also takes the protected attribute of those rows
as ``sensitive_features`` (fairlearn's name): one group label per row, for the
attribute the intervention targets. :class:`~fairtrack.interventions.chain.FairPipeline`
puts one of each kind together behind the single interface ``fit`` /
``predict(X, sensitive_features)`` / ``predict_proba(X, sensitive_features)``.

Labels are 0/1 with 1 the positive class. Every class follows scikit-learn's
estimator contract: ``__init__`` only stores parameters, ``fit`` validates,
computes and returns ``self``, and fitted state ends in ``_``.
"""

from __future__ import annotations

import logging
from abc import ABCMeta, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from fairtrack import metrics
from fairtrack.errors import DataError

Stage = Literal["pre_processing", "in_processing", "post_processing"]
STAGES: tuple[Stage, ...] = ("pre_processing", "in_processing", "post_processing")
DisparityMetric = Literal["demographic_parity_difference", "equalized_odds_difference"]
DISPARITY_METRICS: tuple[str, ...] = ("demographic_parity_difference", "equalized_odds_difference")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PreprocessingResult:
    """The outcome of a pre-processing technique.

    Attributes
    ----------
    technique : str
        The technique's name, as in the specification.
    params : dict
        The parameters it ran with, for the intervention log.
    sample_weight : numpy.ndarray or None
        Weights for the training rows, or None for equal weights.
    dropped_features : tuple of str
        Feature columns to leave out when retraining.
    """

    technique: str
    params: dict[str, Any] = field(default_factory=dict)
    sample_weight: np.ndarray | None = None
    dropped_features: tuple[str, ...] = ()


class PreProcessor(BaseEstimator, metaclass=ABCMeta):
    """Base class of pre-processing interventions.

    A subclass implements ``fit`` and ``transform``. After ``fit``,
    ``sample_weight_`` contains the weights the classifier should train with on
    the rows passed to ``fit``, in their order (the incoming weights times
    the technique's own), or None when every row weighs the same.
    """

    stage: ClassVar[Stage] = "pre_processing"
    technique: ClassVar[str]

    @abstractmethod
    def fit(
        self,
        X: pd.DataFrame,
        y: Sequence[int] | np.ndarray,
        *,
        sensitive_features: Sequence[Any] | np.ndarray | pd.Series,
        sample_weight: np.ndarray | None = None,
    ) -> PreProcessor:
        """Learn the transformation from the training rows; return ``self``."""

    @abstractmethod
    def transform(
        self, X: pd.DataFrame, sensitive_features: Sequence[Any] | np.ndarray | pd.Series
    ) -> pd.DataFrame:
        """Return the transformed features of ``X``, one row per input row, same index."""

    def fit_transform(
        self,
        X: pd.DataFrame,
        y: Sequence[int] | np.ndarray,
        *,
        sensitive_features: Sequence[Any] | np.ndarray | pd.Series,
        sample_weight: np.ndarray | None = None,
    ) -> pd.DataFrame:
        """Fit on the training rows and return their transformed features."""
        self.fit(X, y, sensitive_features=sensitive_features, sample_weight=sample_weight)
        return self.transform(X, sensitive_features)


class FairClassifier(BaseEstimator, metaclass=ABCMeta):
    """Base class of classifiers that see the protected attribute when fitted.

    Subclasses implement ``fit`` and ``predict_proba``; ``predict``
    thresholds the positive-class probability at 0.5 unless a subclass
    randomises its predictions.
    """

    stage: ClassVar[Stage] = "in_processing"
    technique: ClassVar[str]

    @abstractmethod
    def fit(
        self,
        X: pd.DataFrame,
        y: Sequence[int] | np.ndarray,
        *,
        sensitive_features: Sequence[Any] | np.ndarray | pd.Series,
        sample_weight: np.ndarray | None = None,
        X_val: pd.DataFrame | None = None,
        y_val: Sequence[int] | np.ndarray | None = None,
        sensitive_features_val: Sequence[Any] | np.ndarray | pd.Series | None = None,
    ) -> FairClassifier:
        """Fit on the training rows, using the validation rows where the method needs them."""

    @abstractmethod
    def predict_proba(
        self, X: pd.DataFrame, sensitive_features: Sequence[Any] | np.ndarray | pd.Series
    ) -> np.ndarray:
        """Return an array of shape (n_rows, 2): the probabilities of labels 0 and 1."""

    def predict(
        self, X: pd.DataFrame, sensitive_features: Sequence[Any] | np.ndarray | pd.Series
    ) -> np.ndarray:
        """Return 0/1 predictions: 1 where the positive-class probability is at least 0.5."""
        return (self.predict_proba(X, sensitive_features)[:, 1] >= 0.5).astype(np.int8)


class PostProcessor(BaseEstimator, metaclass=ABCMeta):
    """Base class of post-processing interventions.

    A post-processor wraps a fitted classifier (``estimator``, anything with
    ``predict_proba(X, sensitive_features)``) and adjusts its positive-class
    scores per group. It is fitted on validation rows, because on the rows
    the classifier was trained on the scores are overconfident, and fitting
    on test rows would leak the test split into the model.

    Subclasses implement ``_fit_scores`` and ``_adjust``.
    """

    stage: ClassVar[Stage] = "post_processing"
    technique: ClassVar[str]

    def fit(
        self,
        X: pd.DataFrame,
        y: Sequence[int] | np.ndarray,
        *,
        sensitive_features: Sequence[Any] | np.ndarray | pd.Series,
    ) -> PostProcessor:
        """Fit the adjustment on validation rows scored by the wrapped classifier.

        Parameters
        ----------
        X : pandas.DataFrame
            Features of validation rows, never of test rows.
        y : array-like of shape (n_rows,)
            Their labels as 0/1.
        sensitive_features : array-like of shape (n_rows,)
            Their group for the targeted protected attribute.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            If no fitted ``estimator`` was given.
        DataError
            If labels or groups are invalid.
        """
        if self.estimator is None or not hasattr(self.estimator, "predict_proba"):
            raise ValueError(
                f"{type(self).__name__} needs a fitted estimator with "
                f"predict_proba(X, sensitive_features); got estimator={self.estimator!r}."
            )
        y = check_labels(y, len(X))
        groups = check_sensitive_features(sensitive_features, len(X))
        check_group_sizes(groups, minimum=2, purpose=f"fitting {type(self).__name__}")

        scores = self.estimator.predict_proba(X, groups)[:, 1]
        self._fit_scores(scores, y, groups)
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(
        self, X: pd.DataFrame, sensitive_features: Sequence[Any] | np.ndarray | pd.Series
    ) -> np.ndarray:
        """Return an array of shape (n_rows, 2): the probabilities of predicting 0 and 1."""
        _, positive = self._predict(X, sensitive_features)
        return np.column_stack([1.0 - positive, positive])

    def predict(
        self, X: pd.DataFrame, sensitive_features: Sequence[Any] | np.ndarray | pd.Series
    ) -> np.ndarray:
        """Return the adjusted 0/1 predictions."""
        predictions, _ = self._predict(X, sensitive_features)
        return predictions

    def _predict(self, X: pd.DataFrame, sensitive_features: Any) -> tuple[np.ndarray, np.ndarray]:
        if not hasattr(self, "classes_"):
            raise ValueError(f"This {type(self).__name__} is not fitted yet; call fit first.")
        groups = check_sensitive_features(sensitive_features, len(X))
        scores = self.estimator.predict_proba(X, groups)[:, 1]
        predictions, positive = self._adjust(scores, groups)
        return np.asarray(predictions, dtype=np.int8), np.asarray(positive, dtype=np.float64)

    @abstractmethod
    def _fit_scores(self, scores: np.ndarray, y: np.ndarray, groups: np.ndarray) -> None:
        """Fit the adjustment from positive-class scores, labels and groups."""

    @abstractmethod
    def _adjust(self, scores: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Return adjusted 0/1 predictions and positive-class probabilities."""


def check_sensitive_features(
    sensitive_features: Sequence[Any] | np.ndarray | pd.Series | pd.DataFrame, n_rows: int
) -> np.ndarray:
    """Validate the protected attribute of ``n_rows`` rows and return it as strings.

    Values are compared as strings everywhere in fairtrack (the groups of a
    :class:`~fairtrack.data.PreparedData` are strings), and a pandas object is
    read by position, never aligned on its index.

    Parameters
    ----------
    sensitive_features : array-like of shape (n_rows,), or a one-column DataFrame
        Each row's group.
    n_rows : int
        The number of rows of the features they belong to.

    Returns
    -------
    numpy.ndarray of shape (n_rows,), dtype object
        The groups as strings.

    Raises
    ------
    DataError
        If there is more than one column, the length differs from
        ``n_rows``, or a value is missing.
    """
    if isinstance(sensitive_features, pd.DataFrame):
        if sensitive_features.shape[1] != 1:
            raise DataError(
                "sensitive_features must name one protected attribute; got the columns "
                f"{list(sensitive_features.columns)!r}. Pass the targeted column, "
                "for example groups[spec.primary_attribute.column]."
            )
        sensitive_features = sensitive_features.iloc[:, 0]

    values = pd.Series(np.asarray(sensitive_features, dtype=object).ravel())
    if len(values) != n_rows:
        raise DataError(
            f"sensitive_features has {len(values)} values but the features have {n_rows} rows; "
            "pass one group per row, in the same order."
        )
    missing = int(values.isna().sum())
    if missing:
        raise DataError(
            f"sensitive_features has {missing} missing value(s); every row needs its group."
        )
    return values.astype(str).to_numpy(dtype=object)


def check_labels(y: Sequence[int] | np.ndarray, n_rows: int) -> np.ndarray:
    """Validate 0/1 labels of ``n_rows`` rows and return them as ``int64``.

    Raises
    ------
    DataError
        If the length differs from ``n_rows`` or a value is not 0 or 1.
    """
    labels = np.asarray(y).ravel()
    if len(labels) != n_rows:
        raise DataError(f"y has {len(labels)} values but the features have {n_rows} rows.")
    found = set(pd.unique(labels).tolist())
    if not found <= {0, 1}:
        raise DataError(
            f"Labels must be 0 and 1 with 1 the positive class; found {sorted(map(str, found))!r}. "
            "Map the label column to 0/1 first (fairtrack.data does this from the specification)."
        )
    return labels.astype(np.int64)


def check_sample_weight(sample_weight: np.ndarray | None, n_rows: int) -> np.ndarray | None:
    """Validate non-negative sample weights of ``n_rows`` rows; None stays None.

    Raises
    ------
    DataError
        If the length differs from ``n_rows``, a weight is negative or not
        finite, or all weights are zero.
    """
    if sample_weight is None:
        return None
    weights = np.asarray(sample_weight, dtype=np.float64).ravel()
    if len(weights) != n_rows:
        raise DataError(f"sample_weight has {len(weights)} values but the features have {n_rows} rows.")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
        raise DataError(
            "sample_weight must be finite and non-negative with a positive sum; "
            f"got values from {weights.min()!r} to {weights.max()!r}."
        )
    return weights


def check_group_sizes(groups: np.ndarray, minimum: int, purpose: str) -> None:
    """Check that there are at least two groups, each with ``minimum`` rows.

    Raises
    ------
    DataError
        If there is only one group, or a group has fewer rows than
        ``minimum``; the message names the group and its count.
    """
    names, counts = np.unique(groups, return_counts=True)
    if len(names) < 2:
        raise DataError(
            f"{purpose} needs at least two groups of the protected attribute; "
            f"found only {names.tolist()!r}."
        )
    small = {str(name): int(count) for name, count in zip(names, counts) if count < minimum}
    if small:
        raise DataError(
            f"{purpose} needs at least {minimum} rows per group; these groups have fewer: {small!r}."
        )


def check_privileged(privileged: Sequence[Any], groups: np.ndarray) -> np.ndarray:
    """Return a boolean array that marks rows of a privileged group.

    Raises
    ------
    DataError
        If ``privileged`` is empty, or if every row or no row is privileged,
        so that there is nothing to compare.
    """
    wanted = [str(value) for value in privileged]
    if not wanted:
        raise DataError("privileged must name at least one group of the protected attribute.")
    is_privileged = np.isin(groups, wanted)
    if is_privileged.all() or not is_privileged.any():
        raise DataError(
            f"The privileged groups {wanted!r} must cover some rows but not all; the groups "
            f"present are {sorted(set(groups.tolist()))!r}."
        )
    return is_privileged


def disparity(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    sensitive_features: Sequence[Any] | np.ndarray | pd.Series,
    metric: DisparityMetric,
) -> float:
    """Compute a between-group disparity of 0/1 predictions, as fairlearn defines it.

    Parameters
    ----------
    y_true, y_pred : numpy.ndarray of shape (n_rows,)
        Labels and predictions as 0/1.
    sensitive_features : array-like of shape (n_rows,)
        Each row's group.
    metric : {"demographic_parity_difference", "equalized_odds_difference"}
        The disparity to compute.

    Returns
    -------
    float
        NaN when it is undefined (for example a single group).
    """
    if metric not in DISPARITY_METRICS:
        raise ValueError(f"metric must be one of {sorted(DISPARITY_METRICS)!r}; got {metric!r}.")
    codes, names = pd.factorize(np.asarray(sensitive_features, dtype=object))
    counts = metrics.confusion_counts(y_true, y_pred, codes, len(names))
    return float(metrics.disparities(metrics.group_rates(counts))[metric])


def utility(y_true: np.ndarray, y_pred: np.ndarray, metric: Literal["accuracy", "balanced_accuracy"]) -> float:
    """Compute the accuracy or balanced accuracy of 0/1 predictions."""
    counts = metrics.confusion_counts(y_true, y_pred, np.zeros(len(y_true), dtype=np.int64), 1)
    return float(metrics.overall_metrics(counts)[metric])


def log_params(intervention: BaseEstimator) -> dict[str, Any]:
    """Return an intervention's parameters as JSON-friendly values for the intervention log.

    Nested estimators are named by their class; tuples become lists.
    """
    params = {}
    for name, value in intervention.get_params(deep=False).items():
        if isinstance(value, BaseEstimator):
            params[name] = type(value).__name__
        elif isinstance(value, tuple):
            params[name] = list(value)
        elif value is None or isinstance(value, (bool, int, float, str, list, dict)):
            params[name] = value
        else:
            params[name] = repr(value)
    return params
