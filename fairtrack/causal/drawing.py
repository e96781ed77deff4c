"""Drawing a causal DAG with its node roles coloured, with networkx and matplotlib.

Nodes are laid out left to right in topological generations (each node one
column to the right of its latest parent), so every edge points rightwards.
Each node is a box coloured by its main role; latent nodes are hollow with a
dashed border. The figure is built on a
:class:`matplotlib.figure.Figure` without pyplot, so drawing neither needs
Graphviz nor touches matplotlib's global state.
"""

from __future__ import annotations

from pathlib import Path

import networkx as nx
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from fairtrack.causal.roles import ROLES, VariableRoles

ROLE_COLOURS = {
    "protected_attribute": "#d62728",
    "outcome": "#1f77b4",
    "mediator": "#ff7f0e",
    "confounder": "#9467bd",
    "collider": "#8c564b",
    "off_path_descendant": "#e377c2",
    "other": "#c7c7c7",
}
_FONT_SIZE = 8

ROLE_LABELS = {
    "protected_attribute": "protected attribute",
    "outcome": "outcome",
    "mediator": "mediator",
    "confounder": "confounder",
    "collider": "collider (and no earlier role)",
    "off_path_descendant": "descendant off the paths to the outcome",
    "other": "other",
}


def draw_dag(graph: nx.DiGraph, roles: VariableRoles, legitimate: tuple[str, ...] = ()) -> Figure:
    """Draw a DAG with each node coloured by its main role.

    Parameters
    ----------
    graph : networkx.DiGraph
        The DAG; nodes with a true ``latent`` attribute are drawn hollow.
    roles : VariableRoles
        The roles of its nodes.
    legitimate : tuple of str, default=()
        Legitimate mediators, drawn with a thick green border.

    Returns
    -------
    matplotlib.figure.Figure
        The figure, ready for ``savefig``.
    """
    layers = [list(layer) for layer in nx.topological_generations(graph)]
    positions = _layered_positions(graph, layers)
    widest = max((len(layer) for layer in layers), default=1)
    figure = Figure(figsize=(max(6.0, 2.6 * len(layers)), max(4.0, 0.8 * widest + 1.8)))
    axes = figure.subplots()
    axes.set_axis_off()

    for source, target in graph.edges:
        nx.draw_networkx_edges(
            graph,
            positions,
            edgelist=[(source, target)],
            ax=axes,
            edge_color="#7f7f7f",
            arrows=True,
            arrowsize=12,
            min_source_margin=_half_width(source),
            min_target_margin=_half_width(target),
            connectionstyle="arc3,rad=0.05",
        )
    for node in graph:
        colour = ROLE_COLOURS[roles.main_role(node)]
        latent = graph.nodes[node].get("latent", False)
        border = "#404040"
        if latent:
            border = colour
        if node in legitimate:
            border = "#2ca02c"
        axes.annotate(
            f"{node}\n(latent)" if latent else node,
            positions[node],
            ha="center",
            va="center",
            fontsize=_FONT_SIZE,
            bbox={
                "boxstyle": "round,pad=0.4",
                "facecolor": "white" if latent else colour,
                "edgecolor": border,
                "linewidth": 2.5 if node in legitimate or latent else 0.8,
                "linestyle": "--" if latent else "-",
            },
        )

    present = {roles.main_role(node) for node in graph}
    handles = [
        Line2D([], [], marker="s", linestyle="", markersize=10, markerfacecolor=ROLE_COLOURS[role],
               markeredgecolor="#404040", label=ROLE_LABELS[role])
        for role in ROLES
        if role in present
    ]
    if legitimate:
        handles.append(
            Line2D([], [], marker="s", linestyle="", markersize=10, markerfacecolor=ROLE_COLOURS["mediator"],
                   markeredgecolor="#2ca02c", markeredgewidth=2.5, label="legitimate mediator (kept)")
        )
    if any(latent for _, latent in graph.nodes(data="latent")):
        handles.append(
            Line2D([], [], marker="s", linestyle="", markersize=10, markerfacecolor="white",
                   markeredgecolor="#404040", label="latent (unobserved)")
        )
    axes.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=4, fontsize=8, frameon=False)
    axes.set_title(f"Causal graph: roles relative to {roles.attribute} and {roles.outcome}", fontsize=10)
    axes.margins(x=0.08, y=0.08)
    figure.tight_layout()
    return figure


def _layered_positions(graph: nx.DiGraph, layers: list[list[str]]) -> dict[str, tuple[float, float]]:
    """Place each layer in a column and order it to keep edges short.

    A few sweeps of the barycentre heuristic (Sugiyama, Tagawa and Toda,
    1981) sort each layer by the mean position of the node's neighbours in
    the layers already placed, which reduces edge crossings.
    """
    order = {node: float(index) for layer in layers for index, node in enumerate(sorted(layer))}
    for sweep in range(4):
        sequence = layers if sweep % 2 == 0 else layers[::-1]
        for layer in sequence:
            neighbours = graph.predecessors if sweep % 2 == 0 else graph.successors
            for node in layer:
                linked = [order[other] for other in neighbours(node)]
                if linked:
                    order[node] = sum(linked) / len(linked)
            for index, node in enumerate(sorted(layer, key=lambda name: (order[name], name))):
                order[node] = float(index)

    positions = {}
    for column, layer in enumerate(layers):
        offset = (len(layer) - 1) / 2
        for node in layer:
            positions[node] = (float(column), offset - order[node])
    return positions


def _half_width(node: str) -> float:
    """Half the width of a node's label box in points, where arrows stop."""
    return 0.28 * _FONT_SIZE * max(len(line) for line in str(node).splitlines()) + 4


def write_dag_images(figure: Figure, folder: str | Path, stem: str = "causal_graph") -> dict[str, str]:
    """Write a drawn DAG as PNG and SVG.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The output of :func:`draw_dag`.
    folder : str or pathlib.Path
        Where to write; created if missing.
    stem : str, default="causal_graph"
        The file name without suffix.

    Returns
    -------
    dict of str to str
        ``graph_png`` and ``graph_svg`` mapped to their paths.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"graph_png": folder / f"{stem}.png", "graph_svg": folder / f"{stem}.svg"}
    figure.savefig(paths["graph_png"], dpi=150, bbox_inches="tight")
    figure.savefig(paths["graph_svg"], bbox_inches="tight")
    return {name: str(path) for name, path in paths.items()}
