"""Reading a system's causal DAG and the roles of its variables.

The DAG comes from a DOT file whose node names are data columns. A node that
the data does not contain is declared latent with the attribute
``latent=true`` (DoWhy's ``observed="no"`` is accepted too). A ``//`` comment
at the end of an edge's line is kept as that edge's reason.

For the protected attribute A and the outcome Y this module finds the
confounders (common causes of A and Y) and the proxy candidates (descendants
of A other than Y, which can carry A's influence into the model).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import pydot

from fairtrack.causal.roles import classify_roles
from fairtrack.errors import SpecError

# One edge per line, optionally with attributes, then a // comment: its reason.
_EDGE_WITH_REASON = re.compile(
    r'^\s*(?P<source>"[^"]+"|[\w.]+)\s*->\s*(?P<target>"[^"]+"|[\w.]+)\s*(\[[^\]]*\])?\s*;?\s*//\s*(?P<reason>.+?)\s*$'
)
_DOT_KEYWORDS = ("node", "edge", "graph")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CausalSummary:
    """The roles of the graph's variables relative to a protected attribute.

    Attributes
    ----------
    attribute : str
        The protected attribute A.
    outcome : str
        The outcome Y.
    confounders : tuple of str
        Variables with a directed path to A and one to Y that avoids A.
    proxy_candidates : tuple of str
        Descendants of A other than Y.
    mediators : tuple of str
        Proxy candidates on a directed path from A to Y.
    legitimate_mediators : tuple of str
        Mediators that the specification keeps as a business necessity.
    edges : tuple of tuple of str
        The graph's edges, for the report.
    """

    attribute: str
    outcome: str
    confounders: tuple[str, ...]
    proxy_candidates: tuple[str, ...]
    mediators: tuple[str, ...]
    legitimate_mediators: tuple[str, ...]
    edges: tuple[tuple[str, str], ...]

    def to_dict(self) -> dict:
        """Return the summary as plain lists for JSON."""
        return {
            "attribute": self.attribute,
            "outcome": self.outcome,
            "confounders": list(self.confounders),
            "proxy_candidates": list(self.proxy_candidates),
            "mediators": list(self.mediators),
            "legitimate_mediators": list(self.legitimate_mediators),
            "edges": [list(edge) for edge in self.edges],
        }


def read_dag(path: str | Path) -> nx.DiGraph:
    """Read a directed acyclic graph from a DOT file.

    Parameters
    ----------
    path : str or pathlib.Path
        The DOT file; node names must match column names (quote names with
        hyphens, as in ``"education-num"``). Unobserved nodes carry
        ``latent=true`` (or ``observed="no"``).

    Returns
    -------
    networkx.DiGraph
        The graph. Each node has a boolean ``latent`` attribute; each edge
        whose line ends in a ``//`` comment has that comment as ``reason``.

    Raises
    ------
    SpecError
        If the file is missing, unparseable, undirected or cyclic.
    """
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"Causal graph {str(path)!r} not found; check causal.graph in the specification.")

    text = path.read_text(encoding="utf-8")
    parsed = pydot.graph_from_dot_data(text)
    if not parsed:
        raise SpecError(f"Causal graph {str(path)!r} is not valid DOT.")
    dot = parsed[0]
    if dot.get_type() != "digraph":
        raise SpecError(f"Causal graph {str(path)!r} must be a 'digraph', got {dot.get_type()!r}.")

    graph = nx.DiGraph()
    for node in dot.get_nodes():
        name = _unquote(node.get_name())
        if name in _DOT_KEYWORDS:
            continue
        latent = _is_latent(node.get_attributes()) or graph.nodes.get(name, {}).get("latent", False)
        graph.add_node(name, latent=latent)
    for edge in dot.get_edges():
        graph.add_edge(_unquote(edge.get_source()), _unquote(edge.get_destination()))
    for node in graph.nodes:
        graph.nodes[node].setdefault("latent", False)
    _attach_edge_reasons(graph, text)

    if not nx.is_directed_acyclic_graph(graph):
        cycle = nx.find_cycle(graph)
        raise SpecError(
            f"Causal graph {str(path)!r} has a cycle {' -> '.join(edge[0] for edge in cycle)} -> "
            f"{cycle[0][0]}; a causal graph must be acyclic."
        )
    return graph


def summarise_graph(
    graph: nx.DiGraph,
    attribute: str,
    outcome: str,
    legitimate_mediators: tuple[str, ...] = (),
    source: str = "causal graph",
) -> CausalSummary:
    """Find the confounders, proxy candidates and mediators of A and Y.

    Parameters
    ----------
    graph : networkx.DiGraph
        The causal DAG.
    attribute : str
        The protected attribute A.
    outcome : str
        The outcome Y (the label column).
    legitimate_mediators : tuple of str, default=()
        Mediators the specification keeps as a business necessity.
    source : str, default="causal graph"
        Where the graph came from, for messages.

    Returns
    -------
    CausalSummary
        The roles of the graph's variables.

    Raises
    ------
    SpecError
        If A or Y is not a node of the graph.
    """
    for role, node in (("protected attribute", attribute), ("label", outcome)):
        if node not in graph:
            raise SpecError(
                f"{source}: the {role} {node!r} is not a node of the causal graph; "
                f"its nodes are {sorted(graph.nodes)!r}. Add it to the DOT file."
            )

    roles = classify_roles(graph, attribute, outcome)
    confounders = list(roles.confounders)
    proxies = sorted(set(roles.mediators) | set(roles.off_path_descendants))
    mediators = list(roles.mediators)

    summary = CausalSummary(
        attribute=attribute,
        outcome=outcome,
        confounders=tuple(confounders),
        proxy_candidates=tuple(proxies),
        mediators=tuple(mediators),
        legitimate_mediators=tuple(sorted(set(legitimate_mediators) & set(mediators))),
        edges=tuple(sorted(graph.edges)),
    )
    logger.info(
        "Causal graph for %s -> %s: %d confounder(s), %d proxy candidate(s)",
        attribute,
        outcome,
        len(confounders),
        len(proxies),
    )
    return summary


def _unquote(name: str) -> str:
    return name.strip().strip('"')


def _is_latent(attributes: dict) -> bool:
    values = {key: _unquote(str(value)).lower() for key, value in attributes.items()}
    return values.get("latent") == "true" or values.get("observed") == "no"


def _attach_edge_reasons(graph: nx.DiGraph, text: str) -> None:
    for line in text.splitlines():
        match = _EDGE_WITH_REASON.match(line)
        if match is None:
            continue
        edge = (_unquote(match["source"]), _unquote(match["target"]))
        if graph.has_edge(*edge):
            graph.edges[edge]["reason"] = match["reason"]
