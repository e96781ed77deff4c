"""Running the pre-processing technique that a specification names, then retraining."""

from __future__ import annotations

import logging

import numpy as np
from sklearn.pipeline import Pipeline

from fairtrack.causal import CausalSummary
from fairtrack.data import PreparedData
from fairtrack.errors import SpecError
from fairtrack.interventions.base import PreprocessingResult
from fairtrack.interventions.reweighing import reweigh
from fairtrack.interventions.suppression import suppress_proxies
from fairtrack.model import fit_model
from fairtrack.spec import SystemSpec

logger = logging.getLogger(__name__)


def run_pre_processing(
    spec: SystemSpec, train: PreparedData, causal: CausalSummary | None
) -> PreprocessingResult:
    """Apply the specification's pre-processing technique to the training rows.

    Parameters
    ----------
    spec : SystemSpec
        Names the technique (``interventions.pre_processing``) and the
        targeted protected attribute.
    train : PreparedData
        The training part.
    causal : CausalSummary or None
        The causal summary; suppression needs its proxy candidates.

    Returns
    -------
    PreprocessingResult
        Sample weights or columns to drop.

    Raises
    ------
    SpecError
        If suppression is requested without a causal graph.
    """
    attribute = spec.primary_attribute
    if spec.pre_processing == "reweighing":
        return reweigh(
            train.label,
            train.groups[attribute.column],
            privileged=attribute.privileged,
            favorable=spec.label.favorable,
        )

    if causal is None:
        raise SpecError(
            f"Suppression on {spec.name!r} needs the proxy features from a causal graph; "
            "set causal.graph in the specification."
        )
    return suppress_proxies(
        train.features.columns,
        protected_columns=spec.protected_columns,
        proxy_candidates=causal.proxy_candidates,
        legitimate_mediators=spec.features.legitimate_mediators,
    )


def fit_with_pre_processing(
    spec: SystemSpec, train: PreparedData, result: PreprocessingResult
) -> Pipeline:
    """Retrain the system's model on the pre-processed training rows."""
    features = train.features.drop(columns=list(result.dropped_features))
    weights = None if result.sample_weight is None else np.asarray(result.sample_weight)
    return fit_model(
        features,
        train.label,
        family=spec.model_family,
        params=spec.model_params,
        sample_weight=weights,
        random_state=spec.seed,
    )
