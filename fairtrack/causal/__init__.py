"""Causal analysis of a system from its DAG.

:func:`analyse_causal` runs the stage at the quick, standard or
comprehensive depth and :func:`write_causal_document` writes its document.
The other names are the steps, for callers that need one of them alone.
"""

from fairtrack.causal.analysis import DEPTHS, CausalAnalysis, analyse_causal
from fairtrack.causal.document import render_causal_document, write_causal_document
from fairtrack.causal.effects import EffectEstimate, estimate_natural_effects, estimate_total_effect
from fairtrack.causal.encoding import CausalFrame, build_causal_frame
from fairtrack.causal.graph import CausalSummary, read_dag, summarise_graph
from fairtrack.causal.identification import Identification, identify_natural_effects, identify_total_effect
from fairtrack.causal.independence import IndependenceReport, check_implied_independences, implied_independences
from fairtrack.causal.recommendation import Recommendation, recommend_interventions
from fairtrack.causal.refutation import Refutation, refute_total_effect
from fairtrack.causal.roles import ROLES, VariableRoles, classify_roles
from fairtrack.causal.sensitivity import SensitivityAnalysis, simulate_unobserved_confounding
from fairtrack.causal.validation import validate_dag

__all__ = [
    "DEPTHS",
    "ROLES",
    "CausalAnalysis",
    "CausalFrame",
    "CausalSummary",
    "EffectEstimate",
    "Identification",
    "IndependenceReport",
    "Recommendation",
    "Refutation",
    "SensitivityAnalysis",
    "VariableRoles",
    "analyse_causal",
    "build_causal_frame",
    "check_implied_independences",
    "classify_roles",
    "estimate_natural_effects",
    "estimate_total_effect",
    "identify_natural_effects",
    "identify_total_effect",
    "implied_independences",
    "read_dag",
    "recommend_interventions",
    "refute_total_effect",
    "render_causal_document",
    "simulate_unobserved_confounding",
    "summarise_graph",
    "validate_dag",
    "write_causal_document",
]
