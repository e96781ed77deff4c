"""Suppression: retraining without the protected attribute and its proxies.

The proxies are the features that the causal graph places downstream of the
protected attribute. Features that the specification declares legitimate
mediators (a business necessity) are kept.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import pandas as pd

from fairtrack.errors import SpecError
from fairtrack.interventions.base import (
    PreprocessingResult,
    PreProcessor,
    check_labels,
    check_sample_weight,
    check_sensitive_features,
)

logger = logging.getLogger(__name__)


def suppress_proxies(
    feature_columns: Iterable[str],
    protected_columns: Iterable[str],
    proxy_candidates: Iterable[str],
    legitimate_mediators: Iterable[str] = (),
) -> PreprocessingResult:
    """Choose the feature columns to drop: protected attributes and their proxies.

    Parameters
    ----------
    feature_columns : iterable of str
        The model's feature columns.
    protected_columns : iterable of str
        The protected attributes.
    proxy_candidates : iterable of str
        Features downstream of the protected attribute in the causal graph.
    legitimate_mediators : iterable of str, default=()
        Features to keep even when they are proxies.

    Returns
    -------
    PreprocessingResult
        Technique ``"suppression"`` with the columns to drop.
    """
    features = list(feature_columns)
    kept_on_purpose = set(legitimate_mediators)
    wanted = set(protected_columns) | (set(proxy_candidates) - kept_on_purpose)
    dropped = tuple(column for column in features if column in wanted)

    if len(dropped) == len(features):
        raise SpecError(
            f"Suppression would drop every feature column {features!r}. Declare the features "
            "that are a business necessity under features.legitimate_mediators, or choose "
            "interventions.pre_processing: reweighing."
        )

    logger.info("Suppression drops %d column(s): %s", len(dropped), ", ".join(dropped))
    return PreprocessingResult(
        technique="suppression",
        params={
            "dropped_features": list(dropped),
            "kept_legitimate_mediators": sorted(kept_on_purpose & set(features)),
        },
        dropped_features=dropped,
    )


class ProxySuppression(PreProcessor):
    """Drop the protected attributes and their proxies from the features.

    The columns to drop are chosen by :func:`suppress_proxies` from the
    columns seen in ``fit``; rows and weights pass through unchanged.

    Parameters
    ----------
    protected_columns : sequence of str, default=()
        Feature columns that hold protected attributes.
    proxy_features : sequence of str, default=()
        Features that the causal graph places downstream of the protected
        attribute.
    legitimate_mediators : sequence of str, default=()
        Proxies to keep as a business necessity.

    Attributes
    ----------
    dropped_features_ : tuple of str
        The columns that ``transform`` drops.
    sample_weight_ : numpy.ndarray or None
        The incoming weights, unchanged.
    """

    technique = "suppression"

    def __init__(
        self,
        protected_columns: Sequence[str] = (),
        proxy_features: Sequence[str] = (),
        legitimate_mediators: Sequence[str] = (),
    ):
        self.protected_columns = protected_columns
        self.proxy_features = proxy_features
        self.legitimate_mediators = legitimate_mediators

    def fit(self, X, y, *, sensitive_features, sample_weight=None) -> ProxySuppression:
        """Choose the columns to drop; return ``self``."""
        check_labels(y, len(X))
        check_sensitive_features(sensitive_features, len(X))
        self.sample_weight_ = check_sample_weight(sample_weight, len(X))

        result = suppress_proxies(
            X.columns,
            protected_columns=self.protected_columns,
            proxy_candidates=self.proxy_features,
            legitimate_mediators=self.legitimate_mediators,
        )
        self.dropped_features_ = result.dropped_features
        self.feature_names_in_ = list(X.columns)
        return self

    def transform(self, X, sensitive_features) -> pd.DataFrame:
        """Return ``X`` without the dropped columns."""
        check_sensitive_features(sensitive_features, len(X))
        return X.drop(columns=[column for column in self.dropped_features_ if column in X.columns])
