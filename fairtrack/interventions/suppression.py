"""Suppression: retraining without the protected attribute and its proxies.

The proxies are the features that the causal graph places downstream of the
protected attribute. Features that the specification declares legitimate
mediators (a business necessity) are kept.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from fairtrack.errors import SpecError
from fairtrack.interventions.base import PreprocessingResult

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
