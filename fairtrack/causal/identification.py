"""Identification of the effect of a protected attribute on the outcome.

The total effect of A on Y is identified by DoWhy's back-door criterion
(``CausalModel.identify_effect``). DoWhy searches the observed variables for
sets that block every back-door path from A to Y without containing a
descendant of A, and proposes the smallest one it finds. Identification is
checked before any estimate, because DoWhy 0.14 estimating an unidentified
back-door estimand can end in an unrelated ``TypeError``.

The natural direct and indirect effects are identified here, with the
graph. They need three things (Pearl, "Direct and indirect effects", UAI
2001). The mediators must be observed. An adjustment set of non-descendants
of A must block the back-door paths from A to Y and from A to the mediators.
That set with A must block the back-door paths from the mediators to Y. All
mediators are treated as one block, so no mediator-outcome confounder can be
a descendant of A.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from fairtrack.causal.encoding import CausalFrame
from fairtrack.causal.roles import VariableRoles

BACKDOOR_METHOD = "back-door criterion (DoWhy CausalModel.identify_effect, smallest valid set)"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Identification:
    """Whether an effect is identified, with which adjustment set and why.

    Attributes
    ----------
    effect : str
        ``"total"`` or ``"natural"`` (the direct and indirect effects).
    identified : bool
        Whether the effect can be estimated from the observed data.
    adjustment_set : tuple of str
        The variables to adjust for; empty when none are needed or the effect
        is not identified.
    reason : str
        Why the effect is or is not identified, in words.
    method : str
        How identification was done.
    mediators : tuple of str
        For natural effects, the mediators held fixed.
    """

    effect: str
    identified: bool
    adjustment_set: tuple[str, ...]
    reason: str
    method: str
    mediators: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """Return the identification as plain values for JSON."""
        return {
            "effect": self.effect,
            "identified": self.identified,
            "adjustment_set": list(self.adjustment_set),
            "reason": self.reason,
            "method": self.method,
            "mediators": list(self.mediators),
        }


@dataclass(frozen=True)
class DoWhyIdentification:
    """DoWhy's model and estimand for the total effect, next to the summary."""

    identification: Identification
    model: Any = field(repr=False, default=None)
    estimand: Any = field(repr=False, default=None)


def identify_total_effect(graph: nx.DiGraph, data: CausalFrame) -> DoWhyIdentification:
    """Find a back-door adjustment set for the effect of A on Y with DoWhy.

    Parameters
    ----------
    graph : networkx.DiGraph
        The validated DAG; nodes missing from ``data.frame`` are unobserved.
    data : CausalFrame
        The encoded observed columns.

    Returns
    -------
    DoWhyIdentification
        The identification summary, and DoWhy's ``CausalModel`` and
        ``IdentifiedEstimand`` when the effect is identified.
    """
    # DoWhy imports sympy and takes seconds to import; the quick depth never needs it.
    from dowhy import CausalModel

    attribute, outcome = data.attribute, data.outcome
    if not nx.has_path(graph, attribute, outcome):
        reason = (
            f"The graph has no directed path from {attribute!r} to {outcome!r}, so the total "
            "effect is zero by assumption and is not estimated."
        )
        return DoWhyIdentification(Identification("total", False, (), reason, BACKDOOR_METHOD))

    with warnings.catch_warnings():
        # Declared latent nodes are unobserved on purpose.
        warnings.filterwarnings("ignore", message=r"\d+ variables are assumed unobserved", category=UserWarning)
        model = CausalModel(data=data.frame, treatment=attribute, outcome=outcome, graph=nx.DiGraph(graph))
        estimand = model.identify_effect(proceed_when_unidentifiable=False)

    if estimand.estimands.get("backdoor") is None:
        identification = Identification(
            "total", False, (), _unidentified_reason(graph, estimand, attribute, outcome), BACKDOOR_METHOD
        )
        logger.warning("Total effect of %s on %s is not identified: %s", attribute, outcome, identification.reason)
        return DoWhyIdentification(identification)

    adjustment = tuple(sorted(estimand.get_backdoor_variables()))
    reason = (
        f"Adjusting for {', '.join(adjustment)} blocks every back-door path from {attribute!r} to {outcome!r}."
        if adjustment
        else f"No back-door path from {attribute!r} to {outcome!r} is open, so no adjustment is needed."
    )
    logger.info("Back-door set for %s -> %s: %s", attribute, outcome, list(adjustment))
    return DoWhyIdentification(
        Identification("total", True, adjustment, reason, BACKDOOR_METHOD), model=model, estimand=estimand
    )


def identify_natural_effects(
    graph: nx.DiGraph, roles: VariableRoles, total: Identification, observed: set[str]
) -> Identification:
    """Decide whether the natural direct and indirect effects of A on Y are identified.

    Parameters
    ----------
    graph : networkx.DiGraph
        The validated DAG.
    roles : VariableRoles
        The roles of its nodes relative to A and Y.
    total : Identification
        The identification of the total effect; its adjustment set is tried
        first.
    observed : set of str
        The observed nodes.

    Returns
    -------
    Identification
        With ``effect="natural"``, the mediators and the adjustment set for
        the outcome regression, or the reason the effects are not
        identified.
    """
    method = "mediation formula with all mediators as one block (graph check with networkx d-separation)"
    attribute, outcome = roles.attribute, roles.outcome
    mediators = tuple(roles.mediators)
    if not total.identified:
        return Identification("natural", False, (), f"The total effect is not identified. {total.reason}", method)
    if not mediators:
        reason = f"No variable mediates the effect of {attribute!r} on {outcome!r}; the whole effect is direct."
        return Identification("natural", False, (), reason, method)

    latent = sorted(set(mediators) - observed)
    if latent:
        reason = f"Mediator(s) {latent!r} are latent, so the mediators cannot be held fixed."
        return Identification("natural", False, (), reason, method, mediators)

    candidates = [total.adjustment_set]
    extended = _pre_attribute_causes_of_outcome(graph, roles, observed)
    if set(extended) != set(total.adjustment_set):
        candidates.append(tuple(sorted(set(total.adjustment_set) | set(extended))))

    failure = ""
    for adjustment in candidates:
        failure = _natural_effect_failure(graph, attribute, outcome, mediators, set(adjustment))
        if failure is None:
            reason = (
                f"With {', '.join(adjustment) or 'no adjustment'} (and {attribute!r} for the mediators), "
                f"no back-door path from {attribute!r} to the mediators or from the mediators to "
                f"{outcome!r} is open."
            )
            return Identification("natural", True, adjustment, reason, method, mediators)

    # The reason given is that of the last, largest set tried.
    without_mediators = graph.subgraph(node for node in graph if node not in mediators)
    confounding = sorted(
        node
        for node in set(graph) - observed
        if nx.descendants(graph, node) & set(mediators) and nx.has_path(without_mediators, node, outcome)
    )
    if confounding:
        failure += f" Latent node(s) {confounding!r} cause both a mediator and {outcome!r}."
    return Identification("natural", False, (), failure, method, mediators)


def _natural_effect_failure(
    graph: nx.DiGraph, attribute: str, outcome: str, mediators: tuple[str, ...], adjustment: set[str]
) -> str | None:
    """Return why ``adjustment`` fails to identify natural effects, or None if it works."""
    without_attribute_exits = graph.copy()
    without_attribute_exits.remove_edges_from(list(graph.out_edges(attribute)))
    if not nx.is_d_separator(without_attribute_exits, {attribute}, {outcome}, adjustment):
        return (
            f"Adjusting for {sorted(adjustment)!r} leaves a back-door path from {attribute!r} "
            f"to {outcome!r} open."
        )
    if not nx.is_d_separator(without_attribute_exits, {attribute}, set(mediators), adjustment):
        return (
            f"Adjusting for {sorted(adjustment)!r} leaves a back-door path from {attribute!r} "
            "to the mediators open."
        )

    without_mediator_exits = graph.copy()
    without_mediator_exits.remove_edges_from([edge for node in mediators for edge in graph.out_edges(node)])
    if not nx.is_d_separator(without_mediator_exits, set(mediators), {outcome}, adjustment | {attribute}):
        return (
            f"Adjusting for {sorted(adjustment | {attribute})!r} leaves a back-door path from the "
            f"mediators to {outcome!r} open (a mediator-outcome confounder is unobserved or not adjusted for)."
        )
    return None


def _pre_attribute_causes_of_outcome(
    graph: nx.DiGraph, roles: VariableRoles, observed: set[str]
) -> tuple[str, ...]:
    """Observed ancestors of Y that are not descendants of A: candidates for mediator-outcome confounders."""
    descendants = nx.descendants(graph, roles.attribute)
    return tuple(
        sorted(
            node
            for node in nx.ancestors(graph, roles.outcome)
            if node in observed and node != roles.attribute and node not in descendants
        )
    )


def _unidentified_reason(graph: nx.DiGraph, estimand: Any, attribute: str, outcome: str) -> str:
    latent = sorted(node for node, is_latent in graph.nodes(data="latent") if is_latent)
    reason = (
        f"DoWhy found no set of observed variables that blocks every back-door path from "
        f"{attribute!r} to {outcome!r}"
    )
    reason += f"; the open paths run through the latent node(s) {latent!r}." if latent else "."

    alternatives = [name for name in ("frontdoor", "iv") if estimand.estimands.get(name) is not None]
    if alternatives:
        reason += (
            f" DoWhy did find a {' and an '.join(alternatives)} estimand, which fairtrack does not "
            "estimate."
        )
    return reason
