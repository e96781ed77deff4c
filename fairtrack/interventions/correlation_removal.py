"""Correlation removal on proxy features, with fairlearn's ``CorrelationRemover``.

Each proxy feature z is replaced by its residual after a least-squares
projection onto the centred group indicators S of the protected attribute:
z* = z - (S - mean(S)) w*, blended as alpha z* + (1 - alpha) z. With
alpha = 1 every proxy column is linearly uncorrelated with group membership on
the training rows; dependence beyond correlation can remain, so the method
suits linear models best.

The proxies are the columns the causal analysis names. A categorical proxy is
one-hot encoded first (dense) and each indicator column is decorrelated, so
the transformed proxies are numeric columns named ``"column=value"``. The
protected attribute's own feature columns are dropped, as fairlearn drops its
sensitive columns. Sample weights pass through unchanged, and the projection
is fitted on unweighted rows, because ``CorrelationRemover`` takes no weights.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd
from fairlearn.preprocessing import CorrelationRemover
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import OneHotEncoder

from fairtrack.errors import DataError
from fairtrack.interventions.base import (
    PreProcessor,
    check_group_sizes,
    check_labels,
    check_sample_weight,
    check_sensitive_features,
)
from fairtrack.model import to_model_frame

INDICATOR_PREFIX = "__group__="

logger = logging.getLogger(__name__)


class CorrelationRemoval(PreProcessor):
    """Remove the linear correlation between proxy features and the protected attribute.

    Parameters
    ----------
    proxy_features : sequence of str
        The feature columns to decorrelate, usually the proxy candidates of
        the causal analysis less the legitimate mediators.
    alpha : float, default=1.0
        How much to filter, from 0 (proxies unchanged) to 1 (fully
        decorrelated), as in fairlearn's ``CorrelationRemover``.
    protected_columns : sequence of str, default=()
        Feature columns that hold protected attributes; they are dropped.

    Attributes
    ----------
    remover_ : fairlearn.preprocessing.CorrelationRemover
        The fitted projection.
    groups_ : list of str
        The groups seen in ``fit``; the first is the reference group without
        an indicator column.
    proxy_columns_ : list of str
        The names of the transformed proxy columns.
    sample_weight_ : numpy.ndarray or None
        The incoming weights, unchanged.

    Notes
    -----
    fairlearn's documentation of ``CorrelationRemover`` (version 0.15) gives
    the projection; the idea goes back to Calders, Kamiran and Pechenizkiy,
    "Building classifiers with independency constraints", ICDM Workshops 2009.
    """

    technique = "correlation_removal"

    def __init__(
        self,
        proxy_features: Sequence[str] = (),
        alpha: float = 1.0,
        protected_columns: Sequence[str] = (),
    ):
        self.proxy_features = proxy_features
        self.alpha = alpha
        self.protected_columns = protected_columns

    def fit(self, X, y, *, sensitive_features, sample_weight=None) -> CorrelationRemoval:
        """Fit the encoders and the projection on the training rows; return ``self``."""
        check_labels(y, len(X))
        groups = check_sensitive_features(sensitive_features, len(X))
        self.sample_weight_ = check_sample_weight(sample_weight, len(X))
        check_group_sizes(groups, minimum=1, purpose="Correlation removal")
        if not 0.0 <= float(self.alpha) <= 1.0:
            raise ValueError(f"alpha must be in [0, 1]; got {self.alpha!r}.")
        proxies = list(self.proxy_features)
        if not proxies:
            raise ValueError("Correlation removal needs at least one proxy feature; got proxy_features=[].")
        missing = sorted(set(proxies) - set(X.columns))
        if missing:
            raise DataError(
                f"Proxy features {missing!r} are not feature columns; the features are "
                f"{sorted(X.columns)!r}."
            )

        frame = to_model_frame(X[proxies])
        self.numeric_proxies_ = [column for column in proxies if pd.api.types.is_numeric_dtype(frame[column])]
        self.categorical_proxies_ = [column for column in proxies if column not in self.numeric_proxies_]
        self.groups_ = sorted(set(groups.tolist()))

        if self.numeric_proxies_:
            self.numeric_imputer_ = SimpleImputer(strategy="median").fit(frame[self.numeric_proxies_])
        if self.categorical_proxies_:
            self.encoder_ = OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(
                frame[self.categorical_proxies_].fillna("missing")
            )

        encoded = self._encode(X, groups)
        self.remover_ = CorrelationRemover(
            sensitive_feature_ids=self._indicator_columns(), alpha=float(self.alpha)
        ).fit(encoded)
        self.proxy_columns_ = [
            str(name) for name in self.remover_.get_feature_names_out() if not str(name).startswith(INDICATOR_PREFIX)
        ]
        self.feature_names_in_ = list(X.columns)

        logger.info(
            "Correlation removal decorrelates %d proxy column(s) (%d after one-hot encoding) from %d groups",
            len(proxies),
            len(self.proxy_columns_),
            len(self.groups_),
        )
        return self

    def transform(self, X, sensitive_features) -> pd.DataFrame:
        """Return ``X`` with the proxies replaced by their decorrelated columns.

        Rows keep their order and index; the protected columns are dropped.
        """
        groups = check_sensitive_features(sensitive_features, len(X))
        unseen = sorted(set(groups.tolist()) - set(self.groups_))
        if unseen:
            # An unseen group has no indicator column, so it is treated like
            # the reference group. A warning is better than failing on new data.
            logger.warning(
                "Correlation removal saw %d group(s) not present when fitted; they are treated "
                "as the reference group %r",
                len(unseen),
                self.groups_[0],
            )

        decorrelated = self.remover_.transform(self._encode(X, groups))
        kept = X.drop(
            columns=[column for column in [*self.proxy_features, *self.protected_columns] if column in X.columns]
        )
        replacement = pd.DataFrame(decorrelated, columns=self.proxy_columns_, index=X.index)
        return pd.concat([kept, replacement], axis=1)

    def _indicator_columns(self) -> list[str]:
        return [INDICATOR_PREFIX + group for group in self.groups_[1:]]

    def _encode(self, X: pd.DataFrame, groups: np.ndarray) -> pd.DataFrame:
        """Build the numeric frame of group indicators and encoded proxies."""
        frame = to_model_frame(X[list(self.proxy_features)])
        parts = [
            pd.DataFrame(
                {INDICATOR_PREFIX + group: (groups == group).astype(np.float64) for group in self.groups_[1:]}
            )
        ]
        if self.numeric_proxies_:
            values = self.numeric_imputer_.transform(frame[self.numeric_proxies_])
            parts.append(pd.DataFrame(values, columns=self.numeric_proxies_))
        if self.categorical_proxies_:
            values = self.encoder_.transform(frame[self.categorical_proxies_].fillna("missing"))
            names = [
                f"{column}={category}"
                for column, categories in zip(self.categorical_proxies_, self.encoder_.categories_)
                for category in categories
            ]
            parts.append(pd.DataFrame(values, columns=names))
        return pd.concat(parts, axis=1)
