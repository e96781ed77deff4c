"""Checking a causal DAG against the data it describes.

A DAG is usable when it is acyclic, every node is either a data column or a
declared latent, the protected attribute and the label are observed nodes,
and no declared latent is also a data column. Each failure raises a
:class:`~fairtrack.errors.SpecError` that names the graph's file and the
node.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import networkx as nx

from fairtrack.errors import SpecError

CYCLE_MESSAGE = "has a cycle"
MISSING_ROLE_MESSAGE = "is not a node of the causal graph"
UNKNOWN_NODE_MESSAGE = "are neither data columns nor declared latent"
LATENT_ROLE_MESSAGE = "is declared latent"
LATENT_COLUMN_MESSAGE = "are declared latent but are data columns"

logger = logging.getLogger(__name__)


def validate_dag(
    graph: nx.DiGraph,
    columns: Iterable[str],
    attribute: str,
    outcome: str,
    source: str = "causal graph",
) -> tuple[str, ...]:
    """Check a causal DAG against the data's columns.

    Parameters
    ----------
    graph : networkx.DiGraph
        The DAG from :func:`fairtrack.causal.read_dag`; nodes may carry a
        boolean ``latent`` attribute.
    columns : iterable of str
        The columns a node can name (features, label, protected groups).
    attribute : str
        The protected attribute A.
    outcome : str
        The outcome Y (the label column).
    source : str, default="causal graph"
        The DOT file, for messages.

    Returns
    -------
    tuple of str
        The data columns that are not nodes of the graph, sorted. The
        analysis gives them no role, which the report states as an
        assumption.

    Raises
    ------
    SpecError
        If the graph has a cycle, misses A or Y, declares A or Y latent, has
        a node that is neither a column nor a declared latent, or declares a
        data column latent.
    """
    columns = set(columns)
    if not nx.is_directed_acyclic_graph(graph):
        cycle = nx.find_cycle(graph)
        path = " -> ".join(edge[0] for edge in cycle)
        raise SpecError(
            f"Causal graph {source!r} {CYCLE_MESSAGE} {path} -> {cycle[0][0]}; "
            "a causal graph must be acyclic. Remove one of these edges."
        )

    for role, node in (("protected attribute", attribute), ("label", outcome)):
        if node not in graph:
            raise SpecError(
                f"Causal graph {source!r}: the {role} {node!r} {MISSING_ROLE_MESSAGE}; "
                f"its nodes are {sorted(graph.nodes)!r}. Add {node!r} to the DOT file."
            )
        if graph.nodes[node].get("latent", False):
            raise SpecError(
                f"Causal graph {source!r}: the {role} {node!r} {LATENT_ROLE_MESSAGE}, but "
                "it is a column of the data; remove its latent attribute."
            )

    latent = {node for node, is_latent in graph.nodes(data="latent") if is_latent}
    unknown = sorted(node for node in graph if node not in columns and node not in latent)
    if unknown:
        raise SpecError(
            f"Causal graph {source!r}: node(s) {unknown!r} {UNKNOWN_NODE_MESSAGE}. "
            f"The data columns are {sorted(columns)!r}. Rename the node(s) to a column, or "
            "declare an unobserved variable with [latent=true], as in: U [latent=true];"
        )

    latent_columns = sorted(latent & columns)
    if latent_columns:
        raise SpecError(
            f"Causal graph {source!r}: node(s) {latent_columns!r} {LATENT_COLUMN_MESSAGE}. "
            "Remove their latent attribute, or rename the node(s) if they stand for "
            "another, unobserved variable."
        )

    outside = tuple(sorted(columns - set(graph.nodes)))
    if outside:
        logger.warning(
            "Column(s) %s of the data are not nodes of causal graph %s; the analysis gives them no role",
            ", ".join(outside),
            source,
        )
    return outside
