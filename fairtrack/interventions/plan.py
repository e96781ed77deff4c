"""The techniques the standard track tries at each stage, and their parameters.

The parameters follow from the specification and the causal analysis: the
constraint matches the fairness metric of record, the privileged groups come
from the primary protected attribute, and the proxy features are the causal
stage's intervention targets.
"""

from __future__ import annotations

from typing import Any

from fairtrack.causal import CausalSummary
from fairtrack.spec import SystemSpec

STAGE_TECHNIQUES = {
    "pre_processing": ("reweighing", "correlation_removal", "suppression", "disparate_impact_repair"),
    "in_processing": ("adversarial_debiasing", "exponentiated_gradient"),
    "post_processing": ("threshold_optimizer", "calibrated_equalized_odds", "reject_option_classification"),
}

# The constraint each technique family optimises for each fairness metric of record.
REDUCTION_CONSTRAINTS = {
    "demographic_parity_difference": "demographic_parity",
    "equalized_odds_difference": "equalized_odds",
    "equal_opportunity_difference": "equalized_odds",
}
THRESHOLD_CONSTRAINTS = {
    "demographic_parity_difference": "demographic_parity",
    "equalized_odds_difference": "equalized_odds",
    "equal_opportunity_difference": "true_positive_rate_parity",
}
REJECT_OPTION_METRICS = {
    "demographic_parity_difference": "statistical_parity_difference",
    "equalized_odds_difference": "average_odds_difference",
    "equal_opportunity_difference": "equal_opportunity_difference",
}


def technique_params(technique: str, spec: SystemSpec, causal: CausalSummary | None, proxies: list[str]) -> dict[str, Any]:
    """Return the parameters of a technique for a system.

    Parameters
    ----------
    technique : str
        A name from :data:`STAGE_TECHNIQUES`.
    spec : SystemSpec
        The system specification.
    causal : CausalSummary or None
        The causal summary, for the legitimate mediators.
    proxies : list of str
        The features the causal stage recommends as intervention targets.

    Returns
    -------
    dict
        Keyword arguments for :func:`fairtrack.interventions.make_intervention`.
    """
    attribute = spec.primary_attribute
    privileged = [str(value) for value in attribute.privileged]
    metric = spec.fairness.metric
    seed = spec.seed

    if technique == "reweighing":
        return {"privileged": privileged, "favorable": spec.label.favorable}
    if technique == "correlation_removal":
        return {"proxy_features": proxies, "protected_columns": [attribute.column]}
    if technique == "suppression":
        return {
            "protected_columns": list(spec.protected_columns),
            "proxy_features": proxies,
            "legitimate_mediators": list(spec.features.legitimate_mediators),
        }
    if technique == "disparate_impact_repair":
        return {"repair_level": 1.0, "protected_columns": [attribute.column]}
    if technique == "adversarial_debiasing":
        return {"constraints": REDUCTION_CONSTRAINTS[metric], "random_state": seed}
    if technique == "exponentiated_gradient":
        return {"constraints": REDUCTION_CONSTRAINTS[metric], "model_params": dict(spec.model_params), "random_state": seed}
    if technique == "threshold_optimizer":
        return {"constraints": THRESHOLD_CONSTRAINTS[metric], "objective": "balanced_accuracy_score", "random_state": seed}
    if technique == "calibrated_equalized_odds":
        return {"privileged": privileged, "favorable": spec.label.favorable, "random_state": seed}
    if technique == "reject_option_classification":
        return {"privileged": privileged, "favorable": spec.label.favorable, "metric_name": REJECT_OPTION_METRICS[metric]}
    raise ValueError(f"Unknown technique {technique!r}; the standard track knows {sorted(_all_techniques())!r}.")


def _all_techniques() -> set[str]:
    return {name for names in STAGE_TECHNIQUES.values() for name in names}
