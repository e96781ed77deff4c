"""The causal analysis stage: one entry point at three depths.

:func:`analyse_causal` reads the system's DAG, checks it against the data,
classifies the variables relative to the primary protected attribute A and
the label Y, and recommends intervention points. From the standard depth on
it also identifies the back-door adjustment set with DoWhy, estimates the
total effect and the natural direct and indirect effects, and runs the
placebo, random-common-cause and data-subset refuters. The comprehensive
depth adds the sensitivity to an unobserved common cause and tests of the
DAG's implied conditional independences.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import networkx as nx

from fairtrack.causal.effects import EffectEstimate, estimate_natural_effects, estimate_total_effect
from fairtrack.causal.encoding import CausalFrame, available_columns, build_causal_frame
from fairtrack.causal.graph import CausalSummary, read_dag, summarise_graph
from fairtrack.causal.identification import (
    DoWhyIdentification,
    Identification,
    identify_natural_effects,
    identify_total_effect,
)
from fairtrack.causal.independence import IndependenceReport, check_implied_independences
from fairtrack.causal.recommendation import Recommendation, recommend_interventions
from fairtrack.causal.refutation import Refutation, refute_total_effect
from fairtrack.causal.roles import VariableRoles, classify_roles
from fairtrack.causal.sensitivity import (
    OUTCOME_STRENGTHS_IN_SD,
    TREATMENT_FLIP_PROBABILITIES,
    SensitivityAnalysis,
    simulate_unobserved_confounding,
)
from fairtrack.causal.validation import validate_dag
from fairtrack.data import PreparedData
from fairtrack.errors import SpecError
from fairtrack.spec import SystemSpec

DEPTHS = ("quick", "standard", "comprehensive")
DEFAULT_SIMULATIONS = 100
# DoWhy's refuter tests need a spread of re-estimates; below 10 it is too thin to judge.
MIN_SIMULATIONS = 10

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CausalAnalysis:
    """The result of the causal analysis stage.

    Attributes
    ----------
    system : str
        The system's name.
    depth : str
        One of :data:`DEPTHS`.
    graph_source : str
        The DOT file.
    graph : networkx.DiGraph
        The DAG, with ``latent`` node and ``reason`` edge attributes.
    summary : CausalSummary
        Confounders, proxy candidates and mediators, as the quick track and
        the suppression technique use them.
    roles : VariableRoles
        Every node's roles relative to A and Y.
    privileged : tuple of str
        The groups of A encoded as 1.
    favorable : int
        The favourable label value.
    n_rows : int
        Rows analysed.
    encoding : dict of str to str
        How each column was encoded.
    columns_outside_graph : tuple of str
        Data columns that are not nodes of the DAG.
    recommendation : Recommendation
        Intervention points.
    identification : Identification or None
        The total effect's identification (standard depth on).
    natural_identification : Identification or None
        The natural effects' identification (standard depth on).
    effects : tuple of EffectEstimate
        Total, natural direct and natural indirect effects (standard depth on).
    refutations : tuple of Refutation
        Placebo, random common cause and data subset (standard depth on).
    sensitivity : SensitivityAnalysis or None
        The unobserved-common-cause grid (comprehensive depth).
    independences : IndependenceReport or None
        The tests of the DAG's implied independences (comprehensive depth).
    assumptions : tuple of str
        What a reviewer must accept for the results to hold.
    notes : tuple of str
        What the preparation changed.
    seconds : dict of str to float
        Wall-clock time of each step.
    random_state : int
        The seed of every stochastic step.
    confidence_level : float
        The level of every interval.
    """

    system: str
    depth: str
    graph_source: str
    graph: nx.DiGraph = field(repr=False)
    summary: CausalSummary
    roles: VariableRoles
    privileged: tuple[str, ...]
    favorable: int
    n_rows: int
    encoding: dict[str, str]
    columns_outside_graph: tuple[str, ...]
    recommendation: Recommendation
    identification: Identification | None = None
    natural_identification: Identification | None = None
    effects: tuple[EffectEstimate, ...] = ()
    refutations: tuple[Refutation, ...] = ()
    sensitivity: SensitivityAnalysis | None = None
    independences: IndependenceReport | None = None
    assumptions: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    seconds: dict[str, float] = field(default_factory=dict)
    random_state: int = 0
    confidence_level: float = 0.95

    @property
    def attribute(self) -> str:
        """The protected attribute A."""
        return self.roles.attribute

    @property
    def outcome(self) -> str:
        """The outcome Y."""
        return self.roles.outcome

    def effect(self, name: str) -> EffectEstimate | None:
        """Return the effect called ``name``, or None if it was not estimated."""
        return next((effect for effect in self.effects if effect.name == name), None)

    def metrics(self) -> dict[str, float]:
        """Return the numbers to log to MLflow, with ``_ci_low`` and ``_ci_high`` companions."""
        metrics = {}
        for effect in self.effects:
            if effect.value is None:
                continue
            metrics[f"causal_{effect.name}"] = effect.value
            metrics[f"causal_{effect.name}_ci_low"] = effect.ci[0]
            metrics[f"causal_{effect.name}_ci_high"] = effect.ci[1]
        if self.refutations:
            metrics["causal_refutations_passed"] = float(sum(item.survives for item in self.refutations))
            metrics["causal_refutations_run"] = float(len(self.refutations))
        if self.independences is not None:
            metrics["causal_independences_tested"] = float(self.independences.n_tested)
            metrics["causal_independences_rejected"] = float(self.independences.n_rejected)
        return metrics

    def to_dict(self) -> dict:
        """Return the analysis as plain values for JSON; aggregates only, no rows."""
        return {
            "system": self.system,
            "depth": self.depth,
            "graph": {
                "source": self.graph_source,
                "nodes": [
                    {
                        "name": node,
                        "latent": bool(self.graph.nodes[node].get("latent", False)),
                        "roles": list(self.roles.roles_of(node)),
                    }
                    for node in sorted(self.graph.nodes)
                ],
                "edges": [
                    {"source": source, "target": target, "reason": self.graph.edges[source, target].get("reason")}
                    for source, target in sorted(self.graph.edges)
                ],
            },
            "attribute": self.attribute,
            "privileged": list(self.privileged),
            "outcome": self.outcome,
            "favorable": self.favorable,
            "n_rows": self.n_rows,
            "encoding": dict(self.encoding),
            "columns_outside_graph": list(self.columns_outside_graph),
            "summary": self.summary.to_dict(),
            "roles": self.roles.to_dict(),
            "recommendation": self.recommendation.to_dict(),
            "identification": self.identification.to_dict() if self.identification else None,
            "natural_identification": (
                self.natural_identification.to_dict() if self.natural_identification else None
            ),
            "effects": {effect.name: effect.to_dict() for effect in self.effects},
            "refutations": [item.to_dict() for item in self.refutations],
            "sensitivity": self.sensitivity.to_dict() if self.sensitivity else None,
            "independences": self.independences.to_dict() if self.independences else None,
            "assumptions": list(self.assumptions),
            "notes": list(self.notes),
            "seconds": dict(self.seconds),
            "random_state": self.random_state,
            "confidence_level": self.confidence_level,
        }


def analyse_causal(
    spec: SystemSpec,
    data: PreparedData,
    depth: Literal["quick", "standard", "comprehensive"] = "quick",
    random_state: int | None = None,
    n_simulations: int = DEFAULT_SIMULATIONS,
    sensitivity_grid: tuple[tuple[float, ...], tuple[float, ...]] | None = None,
) -> CausalAnalysis:
    """Run the causal analysis of a system's primary protected attribute.

    Parameters
    ----------
    spec : SystemSpec
        The system; ``causal.graph`` must name its DOT file.
    data : PreparedData
        The rows to analyse. Pass the training part of the split so that the
        test part stays unseen.
    depth : {"quick", "standard", "comprehensive"}, default="quick"
        ``"quick"``: validation, roles and intervention points.
        ``"standard"``: plus the back-door set, the total, natural direct and
        natural indirect effects and three refutations. ``"comprehensive"``:
        plus the unobserved-common-cause grid and the tests of the DAG's
        implied conditional independences.
    random_state : int or None, default=None
        Seeds the refuters; the specification's seed when None.
    n_simulations : int, default=100
        Re-estimates per refuter.
    sensitivity_grid : tuple of two tuples of float or None, default=None
        Flip probabilities of A and effects on Y in standard deviations of Y
        for the unobserved-common-cause grid; the defaults of
        :mod:`fairtrack.causal.sensitivity` when None.

    Returns
    -------
    CausalAnalysis
        The results, ready for :func:`fairtrack.causal.write_causal_document`.

    Raises
    ------
    SpecError
        If the depth, ``n_simulations`` or ``sensitivity_grid`` is invalid,
        the specification names no graph, or the graph is invalid for the
        data.
    DataError
        If no complete row is left or A has a single encoded value.
    """
    if depth not in DEPTHS:
        raise SpecError(f"Causal analysis depth {depth!r} is not supported; only the following are: {sorted(DEPTHS)!r}.")
    if spec.causal_graph is None:
        raise SpecError(
            f"System {spec.name!r} names no causal graph; set causal.graph in its specification "
            "to a DOT file."
        )
    if isinstance(n_simulations, bool) or not isinstance(n_simulations, int) or n_simulations < MIN_SIMULATIONS:
        raise SpecError(
            f"n_simulations must be an integer of at least {MIN_SIMULATIONS}, got {n_simulations!r}."
        )
    grid = _checked_grid(sensitivity_grid)
    random_state = spec.seed if random_state is None else random_state
    significance_level = round(1 - spec.confidence_level, 10)
    seconds: dict[str, float] = {}
    attribute, outcome = spec.primary_attribute.column, spec.label.column
    source = str(spec.causal_graph)

    started = time.perf_counter()
    graph = read_dag(spec.causal_graph)
    outside = validate_dag(graph, available_columns(spec, data), attribute, outcome, source)
    roles = classify_roles(graph, attribute, outcome)
    summary = summarise_graph(graph, attribute, outcome, spec.features.legitimate_mediators, source)
    frame = build_causal_frame(spec, data, graph)
    recommendation = recommend_interventions(
        graph, roles, data.features.columns, spec.features.legitimate_mediators
    )
    seconds["graph_and_roles"] = time.perf_counter() - started

    estimates = _Estimates()
    if depth in ("standard", "comprehensive"):
        estimates = _estimate_and_refute(
            graph, roles, frame, spec.confidence_level, n_simulations, random_state, seconds
        )

    sensitivity, independences = None, None
    if depth == "comprehensive":
        started = time.perf_counter()
        if estimates.dowhy_estimate is not None:
            sensitivity = simulate_unobserved_confounding(
                estimates.identified,
                estimates.dowhy_estimate,
                outcome_sd=float(frame.frame[outcome].std()),
                treatment_strengths=grid[0],
                outcome_strengths_in_sd=grid[1],
            )
        seconds["sensitivity"] = time.perf_counter() - started
        started = time.perf_counter()
        independences = check_implied_independences(graph, frame, significance_level)
        seconds["independences"] = time.perf_counter() - started

    analysis = CausalAnalysis(
        system=spec.name,
        depth=depth,
        graph_source=source,
        graph=graph,
        summary=summary,
        roles=roles,
        privileged=frame.privileged,
        favorable=spec.label.favorable,
        n_rows=len(frame.frame),
        encoding=frame.encoding,
        columns_outside_graph=outside,
        recommendation=recommendation,
        identification=estimates.identified.identification if estimates.identified else None,
        natural_identification=estimates.natural,
        effects=estimates.effects,
        refutations=estimates.refutations,
        sensitivity=sensitivity,
        independences=independences,
        assumptions=_assumptions(graph, roles, frame, outside, depth),
        notes=frame.notes,
        seconds=seconds,
        random_state=random_state,
        confidence_level=spec.confidence_level,
    )
    logger.info(
        "Causal analysis of %s at %s depth took %.1f s", spec.name, depth, sum(seconds.values())
    )
    return analysis


@dataclass(frozen=True)
class _Estimates:
    """The standard depth's identification, effects and refutations."""

    identified: DoWhyIdentification | None = None
    natural: Identification | None = None
    effects: tuple[EffectEstimate, ...] = ()
    dowhy_estimate: Any = None
    refutations: tuple[Refutation, ...] = ()


def _estimate_and_refute(
    graph: nx.DiGraph,
    roles: VariableRoles,
    frame: CausalFrame,
    confidence_level: float,
    n_simulations: int,
    random_state: int,
    seconds: dict[str, float],
) -> _Estimates:
    started = time.perf_counter()
    identified = identify_total_effect(graph, frame)
    natural = identify_natural_effects(
        graph, roles, identified.identification, set(frame.frame.columns)
    )
    seconds["identification"] = time.perf_counter() - started

    started = time.perf_counter()
    total, dowhy_estimate = estimate_total_effect(identified, confidence_level)
    direct, indirect = estimate_natural_effects(frame, natural, confidence_level)
    seconds["estimation"] = time.perf_counter() - started

    started = time.perf_counter()
    refutations: tuple[Refutation, ...] = ()
    if dowhy_estimate is not None:
        refutations = refute_total_effect(
            identified, dowhy_estimate, n_simulations, round(1 - confidence_level, 10), random_state
        )
    seconds["refutations"] = time.perf_counter() - started
    return _Estimates(identified, natural, (total, direct, indirect), dowhy_estimate, refutations)


def _checked_grid(
    grid: tuple[tuple[float, ...], tuple[float, ...]] | None,
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    if grid is None:
        return TREATMENT_FLIP_PROBABILITIES, OUTCOME_STRENGTHS_IN_SD
    flips, strengths = (tuple(float(value) for value in values) for values in grid)
    if not flips or not strengths:
        raise SpecError(f"sensitivity_grid needs at least one strength on each axis, got {grid!r}.")
    if any(not 0 <= flip <= 0.5 for flip in flips):
        raise SpecError(
            f"sensitivity_grid flip probabilities must lie between 0 and 0.5, got {list(flips)!r}."
        )
    if any(strength < 0 for strength in strengths):
        raise SpecError(
            f"sensitivity_grid outcome strengths must be at least 0 (standard deviations), got {list(strengths)!r}."
        )
    return flips, strengths


def _assumptions(
    graph: nx.DiGraph,
    roles: VariableRoles,
    frame: CausalFrame,
    outside: tuple[str, ...],
    depth: str,
) -> tuple[str, ...]:
    attribute, outcome = roles.attribute, roles.outcome
    assumptions = [
        "The graph is complete: every common cause of two of its variables is a node of the graph, "
        + (
            f"observed or declared latent ({', '.join(roles.latent)})."
            if roles.latent
            else "and every node is observed."
        ),
        "Each edge states a direct causal influence, and a missing edge states that there is none.",
        f"{attribute!r} is analysed as privileged ({', '.join(frame.privileged)}) against all other "
        "groups pooled.",
    ]
    unexplained = sorted(f"{source} -> {target}" for source, target in graph.edges if not graph.edges[source, target].get("reason"))
    if unexplained:
        assumptions.append(f"These edges have no stated reason in the DOT file: {', '.join(unexplained)}.")
    if outside:
        assumptions.append(
            f"Data columns outside the graph ({', '.join(outside)}) neither cause nor are caused by "
            "its variables; they get no role and are not intervention points."
        )
    if depth != "quick":
        assumptions += [
            f"The effect of {attribute!r} on {outcome!r} is the same for everyone and adds linearly to "
            "numeric covariates and to each category of a categorical one (linear regression); with a "
            "0/1 outcome the effects are differences in probability.",
            f"The natural direct and indirect effects assume no interaction between {attribute!r} and "
            "the mediators.",
            "Both encoded groups of the protected attribute occur at every combination of the "
            "adjustment variables (positivity).",
        ]
    return tuple(assumptions)
