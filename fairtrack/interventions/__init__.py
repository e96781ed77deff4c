"""Fairness interventions: pre-processing, in-processing and post-processing.

Every technique targets one protected attribute, given to it as
``sensitive_features`` (one group per row). :class:`FairPipeline` chains one
technique per stage behind one interface (``fit``, then ``predict`` and
``predict_proba`` with the protected attribute), and :func:`fit_stage` and
:func:`fit_chain` fit stages on top of each other and report each for the
intervention log. :func:`make_intervention` builds a technique from its name.

The quick track's functions :func:`run_pre_processing` and
:func:`fit_with_pre_processing` (in ``pre_processing``) return a
:class:`PreprocessingResult` that describes how to retrain: with sample weights,
without some columns, or both.
"""

from __future__ import annotations

from typing import Any

from fairtrack.interventions.adversarial import AdversarialDebiasing
from fairtrack.interventions.base import (
    STAGES,
    FairClassifier,
    PostProcessor,
    PreprocessingResult,
    PreProcessor,
    disparity,
)
from fairtrack.interventions.calibrated_equalized_odds import CalibratedEqualizedOdds
from fairtrack.interventions.chain import ChainResult, FairPipeline, StageResult, fit_chain, fit_stage
from fairtrack.interventions.correlation_removal import CorrelationRemoval
from fairtrack.interventions.disparate_impact_repair import DisparateImpactRepair, repair_disparate_impact
from fairtrack.interventions.exponentiated_gradient import ExponentiatedGradientReduction
from fairtrack.interventions.reject_option import RejectOptionClassification, search_reject_option
from fairtrack.interventions.reweighing import Reweighing, reweigh
from fairtrack.interventions.suppression import ProxySuppression, suppress_proxies
from fairtrack.interventions.system_model import SystemModel
from fairtrack.interventions.threshold_optimizer import ThresholdOptimization

TECHNIQUES: dict[str, type] = {
    cls.technique: cls
    for cls in (
        Reweighing,
        ProxySuppression,
        CorrelationRemoval,
        DisparateImpactRepair,
        AdversarialDebiasing,
        ExponentiatedGradientReduction,
        ThresholdOptimization,
        CalibratedEqualizedOdds,
        RejectOptionClassification,
    )
}


def make_intervention(technique: str, **params: Any) -> PreProcessor | FairClassifier | PostProcessor:
    """Build an intervention from its technique name and parameters.

    Parameters
    ----------
    technique : str
        One of the keys of ``TECHNIQUES``.
    **params
        Keyword arguments of the technique's class.

    Returns
    -------
    PreProcessor, FairClassifier or PostProcessor
        The unfitted intervention; its ``stage`` attribute names its stage.

    Raises
    ------
    ValueError
        If the technique is unknown.
    """
    if technique not in TECHNIQUES:
        raise ValueError(f"Unknown intervention {technique!r}; the techniques are {sorted(TECHNIQUES)!r}.")
    return TECHNIQUES[technique](**params)


__all__ = [
    "STAGES",
    "TECHNIQUES",
    "AdversarialDebiasing",
    "CalibratedEqualizedOdds",
    "ChainResult",
    "CorrelationRemoval",
    "DisparateImpactRepair",
    "ExponentiatedGradientReduction",
    "FairClassifier",
    "FairPipeline",
    "PostProcessor",
    "PreProcessor",
    "PreprocessingResult",
    "ProxySuppression",
    "RejectOptionClassification",
    "Reweighing",
    "StageResult",
    "SystemModel",
    "ThresholdOptimization",
    "disparity",
    "fit_chain",
    "fit_stage",
    "make_intervention",
    "repair_disparate_impact",
    "reweigh",
    "search_reject_option",
    "suppress_proxies",
]
