"""Roles of a causal DAG's variables relative to a protected attribute and an outcome.

For the protected attribute A and the outcome Y every other node gets one or
more of these roles:

- confounder: an ancestor of A with a directed path to Y that avoids A;
- mediator: a descendant of A and an ancestor of Y, so on a directed path
  from A to Y;
- collider: a node where two arrowheads meet on some path between A and Y
  (adjusting for it, or a descendant, opens that path). The M-bias node
  ``A <- U1 -> C <- U2 -> Y`` is one;
- off-path descendant: a descendant of A that is not an ancestor of Y;
- other: none of the above (causes of Y alone, causes of A alone, unrelated
  variables).

A node is a collider on a path between A and Y when two of its parents P1
and P2 are joined to A and Y by vertex-disjoint paths that avoid the node.
By Menger's theorem that is a maximum flow of 2 in the skeleton with unit
vertex capacities, which keeps the check polynomial where listing every
path would not be.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from itertools import combinations

import networkx as nx

ROLES = (
    "protected_attribute",
    "outcome",
    "mediator",
    "confounder",
    "collider",
    "off_path_descendant",
    "other",
)
"""Every role, in the order that picks a node's main role when it has several."""

_SOURCE = (None, "source")
_SINK = (None, "sink")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class VariableRoles:
    """The roles of a DAG's nodes relative to A and Y.

    Roles can overlap: in ``A -> M <- U -> Y`` with ``M -> Y``, the node M is
    both a mediator and a collider.

    Attributes
    ----------
    attribute : str
        The protected attribute A.
    outcome : str
        The outcome Y.
    confounders : tuple of str
        Ancestors of A with a directed path to Y that avoids A.
    mediators : tuple of str
        Nodes on a directed path from A to Y.
    colliders : tuple of str
        Nodes that are a collider on at least one path between A and Y.
    off_path_descendants : tuple of str
        Descendants of A that are not ancestors of Y (Y excluded).
    other : tuple of str
        Nodes with none of the roles above.
    latent : tuple of str
        Nodes declared latent (unobserved), whatever their role.
    """

    attribute: str
    outcome: str
    confounders: tuple[str, ...]
    mediators: tuple[str, ...]
    colliders: tuple[str, ...]
    off_path_descendants: tuple[str, ...]
    other: tuple[str, ...]
    latent: tuple[str, ...] = ()

    def roles_of(self, node: str) -> tuple[str, ...]:
        """Return every role of ``node``, in the order of :data:`ROLES`."""
        if node == self.attribute:
            return ("protected_attribute",)
        if node == self.outcome:
            return ("outcome",)
        members = {
            "mediator": self.mediators,
            "confounder": self.confounders,
            "collider": self.colliders,
            "off_path_descendant": self.off_path_descendants,
            "other": self.other,
        }
        return tuple(role for role in ROLES if node in members.get(role, ()))

    def main_role(self, node: str) -> str:
        """Return the first role of ``node`` in the order of :data:`ROLES`."""
        found = self.roles_of(node)
        return found[0] if found else "other"

    def to_dict(self) -> dict:
        """Return the roles as plain lists for JSON."""
        return {
            "attribute": self.attribute,
            "outcome": self.outcome,
            "confounders": list(self.confounders),
            "mediators": list(self.mediators),
            "colliders": list(self.colliders),
            "off_path_descendants": list(self.off_path_descendants),
            "other": list(self.other),
            "latent": list(self.latent),
        }


def classify_roles(graph: nx.DiGraph, attribute: str, outcome: str) -> VariableRoles:
    """Classify every node of a DAG relative to a protected attribute and an outcome.

    Parameters
    ----------
    graph : networkx.DiGraph
        The causal DAG; nodes may carry a boolean ``latent`` attribute.
    attribute : str
        The protected attribute A, a node of ``graph``.
    outcome : str
        The outcome Y, a node of ``graph``.

    Returns
    -------
    VariableRoles
        The confounders, mediators, colliders, off-path descendants and the
        other nodes, each sorted by name.
    """
    descendants = nx.descendants(graph, attribute)
    ancestors_of_outcome = nx.ancestors(graph, outcome)
    without_attribute = graph.subgraph(node for node in graph if node != attribute)
    others = [node for node in graph if node not in (attribute, outcome)]

    confounders = sorted(
        node
        for node in nx.ancestors(graph, attribute)
        if node in without_attribute and nx.has_path(without_attribute, node, outcome)
    )
    mediators = sorted(descendants & ancestors_of_outcome)
    off_path = sorted(descendants - ancestors_of_outcome - {outcome})

    skeleton = graph.to_undirected(as_view=True)
    colliders = sorted(
        node for node in others if _is_collider_between(graph, skeleton, node, attribute, outcome)
    )

    with_role = set(confounders) | set(mediators) | set(colliders) | set(off_path)
    roles = VariableRoles(
        attribute=attribute,
        outcome=outcome,
        confounders=tuple(confounders),
        mediators=tuple(mediators),
        colliders=tuple(colliders),
        off_path_descendants=tuple(off_path),
        other=tuple(sorted(node for node in others if node not in with_role)),
        latent=tuple(sorted(node for node, latent in graph.nodes(data="latent") if latent)),
    )
    logger.debug("Roles relative to %s and %s: %s", attribute, outcome, roles.to_dict())
    return roles


def _is_collider_between(
    graph: nx.DiGraph, skeleton: nx.Graph, node: str, attribute: str, outcome: str
) -> bool:
    parents = list(graph.predecessors(node))
    if len(parents) < 2:
        return False

    rest = skeleton.subgraph(other for other in skeleton if other != node)
    return any(
        _linked_by_disjoint_paths(rest, (attribute, outcome), pair)
        for pair in combinations(parents, 2)
    )


def _linked_by_disjoint_paths(
    skeleton: nx.Graph, sources: tuple[str, str], targets: tuple[str, str]
) -> bool:
    """Check whether two vertex-disjoint paths join the two sources to the two targets."""
    flow = nx.DiGraph()
    for vertex in skeleton:
        flow.add_edge((vertex, "in"), (vertex, "out"), capacity=1)
    for first, second in skeleton.edges:
        flow.add_edge((first, "out"), (second, "in"), capacity=1)
        flow.add_edge((second, "out"), (first, "in"), capacity=1)
    for source in sources:
        flow.add_edge(_SOURCE, (source, "in"), capacity=1)
    for target in targets:
        flow.add_edge((target, "out"), _SINK, capacity=1)
    return nx.maximum_flow_value(flow, _SOURCE, _SINK) >= 2
