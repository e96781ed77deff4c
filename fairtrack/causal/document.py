"""The causal analysis document: Markdown with the DAG drawn as PNG and SVG.

The document gives the DAG as a picture and as text (every edge with its
reason), the roles of the variables and the intervention points. From the
standard depth on it adds the adjustment set, the estimates and the
refutations. The comprehensive depth adds the sensitivity grid and the
independence tests. The document closes with the assumptions a reviewer
must accept. It contains aggregates only, never rows.
"""

from __future__ import annotations

import json
from pathlib import Path

from fairtrack.causal.analysis import CausalAnalysis
from fairtrack.causal.drawing import ROLE_LABELS, draw_dag, write_dag_images
from fairtrack.causal.roles import ROLES

DOCUMENT_FILE = "causal_analysis.md"
JSON_FILE = "causal_analysis.json"
GRAPH_STEM = "causal_graph"
SHOWN_INDEPENDENCES = 15

_EFFECT_TITLES = {
    "total_effect": "Total effect",
    "natural_direct_effect": "Natural direct effect",
    "natural_indirect_effect": "Natural indirect effect",
}


def write_causal_document(analysis: CausalAnalysis, folder: str | Path) -> dict[str, str]:
    """Write the causal analysis document, the DAG's pictures and the JSON results.

    Parameters
    ----------
    analysis : CausalAnalysis
        The output of :func:`fairtrack.causal.analyse_causal`.
    folder : str or pathlib.Path
        Where to write; created if missing.

    Returns
    -------
    dict of str to str
        ``document`` (Markdown), ``graph_png``, ``graph_svg`` and ``json``
        mapped to their paths.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    figure = draw_dag(analysis.graph, analysis.roles, analysis.recommendation.kept_mediators)
    paths = write_dag_images(figure, folder, GRAPH_STEM)

    document = folder / DOCUMENT_FILE
    document.write_text(render_causal_document(analysis, Path(paths["graph_png"]).name), encoding="utf-8")
    results = folder / JSON_FILE
    results.write_text(json.dumps(analysis.to_dict(), indent=2), encoding="utf-8")
    return {"document": str(document), **paths, "json": str(results)}


def render_causal_document(analysis: CausalAnalysis, image: str | None = f"{GRAPH_STEM}.png") -> str:
    """Render the causal analysis document as Markdown.

    Parameters
    ----------
    analysis : CausalAnalysis
        The output of :func:`fairtrack.causal.analyse_causal`.
    image : str or None, default="causal_graph.png"
        The picture of the DAG to link, relative to the document; None for
        no picture (a Prefect artifact, for example).

    Returns
    -------
    str
        The document.
    """
    attribute, outcome = analysis.attribute, analysis.outcome
    lines = [
        f"# Causal analysis: {analysis.system}",
        "",
        f"Depth: {analysis.depth}. Protected attribute: `{attribute}` (privileged: "
        f"{', '.join(analysis.privileged)}). Outcome: `{outcome}` (favourable label: {analysis.favorable}). "
        f"Rows analysed: {analysis.n_rows}. Seed: {analysis.random_state}.",
        "",
        "## The causal graph",
        "",
        f"Source: `{Path(analysis.graph_source).name}`.",
        "",
    ]
    if image:
        lines += [f"![Causal graph with node roles]({image})", ""]
    lines += _edges_section(analysis)
    lines += _roles_section(analysis)
    lines += _recommendation_section(analysis)
    if analysis.depth != "quick":
        lines += _identification_section(analysis)
        lines += _effects_section(analysis)
        lines += _refutations_section(analysis)
    if analysis.depth == "comprehensive":
        lines += _sensitivity_section(analysis)
        lines += _independence_section(analysis)
    lines += ["## Assumptions", ""]
    lines += [f"- {assumption}" for assumption in analysis.assumptions]
    lines += ["", "## Encoding", ""]
    lines += [f"- `{column}`: {description}" for column, description in sorted(analysis.encoding.items())]
    lines += [f"- {note}" for note in analysis.notes]
    lines.append("")
    return "\n".join(lines)


def _edges_section(analysis: CausalAnalysis) -> list[str]:
    graph = analysis.graph
    lines = ["| cause | effect | reason |", "| --- | --- | --- |"]
    for source, target in sorted(graph.edges):
        reason = graph.edges[source, target].get("reason") or "(no reason given)"
        lines.append(f"| `{source}` | `{target}` | {reason} |")
    latent = [node for node in sorted(graph.nodes) if graph.nodes[node].get("latent", False)]
    if latent:
        lines += ["", f"Latent (unobserved) nodes: {', '.join(f'`{node}`' for node in latent)}."]
    return lines + [""]


def _roles_section(analysis: CausalAnalysis) -> list[str]:
    roles = analysis.roles
    members = {
        "confounder": roles.confounders,
        "mediator": roles.mediators,
        "collider": roles.colliders,
        "off_path_descendant": roles.off_path_descendants,
        "other": roles.other,
    }
    meaning = {
        "confounder": f"common causes of `{roles.attribute}` and `{roles.outcome}`; adjust for them",
        "mediator": f"on a directed path from `{roles.attribute}` to `{roles.outcome}`; they carry its effect",
        "collider": f"two arrows meet there on a path between `{roles.attribute}` and `{roles.outcome}`; "
        "adjusting for them opens that path",
        "off_path_descendant": f"caused by `{roles.attribute}` but not on a path to `{roles.outcome}`",
        "other": "none of these roles",
    }
    lines = ["## Roles", "", "| role | variables | meaning |", "| --- | --- | --- |"]
    for role in ROLES[2:]:
        names = ", ".join(f"`{name}`" for name in members[role]) or "none"
        lines.append(f"| {ROLE_LABELS[role].split(' (')[0]} | {names} | {meaning[role]} |")
    lines += [""]
    if analysis.columns_outside_graph:
        outside = ", ".join(f"`{column}`" for column in analysis.columns_outside_graph)
        lines += [f"Data columns outside the graph, with no role: {outside}.", ""]
    return lines


def _recommendation_section(analysis: CausalAnalysis) -> list[str]:
    recommendation = analysis.recommendation
    lines = ["## Recommended intervention points", ""]
    if recommendation.points:
        lines += ["| feature | role | action | reason |", "| --- | --- | --- | --- |"]
        for point in recommendation.points:
            action = "keep" if point.action == "keep" else "suppress or remove its correlation with the attribute"
            lines.append(f"| `{point.feature}` | {point.role.replace('_', ' ')} | {action} | {point.reason} |")
    else:
        lines.append(f"No model feature descends from `{recommendation.attribute}` in the graph.")
    lines += [
        "",
        f"The protected attribute `{recommendation.attribute}` itself is never an intervention point: "
        "suppression drops it and every other protected column.",
    ]
    lines += [f"- Warning: {warning}" for warning in recommendation.warnings]
    return lines + [""]


def _identification_section(analysis: CausalAnalysis) -> list[str]:
    lines = ["## Identification", ""]
    for identification in (analysis.identification, analysis.natural_identification):
        if identification is None:
            continue
        title = "Total effect" if identification.effect == "total" else "Natural direct and indirect effects"
        status = "identified" if identification.identified else "not identified"
        adjustment = ", ".join(f"`{name}`" for name in identification.adjustment_set) or "none"
        lines.append(f"- {title}: {status}. Adjustment set: {adjustment}. {identification.reason}")
        lines.append(f"  Method: {identification.method}.")
    return lines + [""]


def _effects_section(analysis: CausalAnalysis) -> list[str]:
    level = f"{analysis.confidence_level:.0%}"
    lines = [
        "## Effects",
        "",
        f"Effects of being in the privileged group on the probability that `{analysis.outcome}` is 1, "
        f"with {level} confidence intervals.",
        "",
        "| effect | estimate | CI | estimator |",
        "| --- | --- | --- | --- |",
    ]
    for effect in analysis.effects:
        if effect.value is None:
            lines.append(f"| {_EFFECT_TITLES[effect.name]} | not estimated | | {effect.reason} |")
            continue
        low, high = effect.ci
        lines.append(
            f"| {_EFFECT_TITLES[effect.name]} | {effect.value:.4f} | [{low:.4f}, {high:.4f}] | {effect.estimator} |"
        )
    lines.append("")

    total = analysis.effect("total_effect")
    direct = analysis.effect("natural_direct_effect")
    indirect = analysis.effect("natural_indirect_effect")
    if direct is not None and direct.value is not None and total.value is not None:
        adjustment = ", ".join(f"`{name}`" for name in direct.adjustment_set) or "nothing"
        combined = direct.value + indirect.value
        lines += [
            f"The natural effects adjust for {adjustment} and add up to {combined:.4f}, the total effect "
            f"under that adjustment. The total effect above adjusts for the back-door set only, and the two "
            f"differ by {total.value - combined:.4f}. Both adjustments are valid under the graph, so a gap "
            "well beyond the intervals points to a flaw in the graph or in the linear model.",
            "",
        ]
    return lines


def _refutations_section(analysis: CausalAnalysis) -> list[str]:
    lines = ["## Refutations", ""]
    if not analysis.refutations:
        return lines + ["No refutation was run: the total effect was not estimated.", ""]
    lines += ["| refuter | new effect | p-value | result | rule |", "| --- | --- | --- | --- | --- |"]
    for item in analysis.refutations:
        result = "survives" if item.survives else "fails"
        lines.append(
            f"| {item.name.replace('_', ' ')} ({item.n_simulations} simulations) | {item.new_effect:.4f} | "
            f"{item.p_value:.3f} | {result} | {item.rule} |"
        )
    return lines + [""]


def _sensitivity_section(analysis: CausalAnalysis) -> list[str]:
    sensitivity = analysis.sensitivity
    lines = ["## Sensitivity to an unobserved common cause", ""]
    if sensitivity is None:
        return lines + ["Not run: the total effect was not estimated.", ""]
    header = " | ".join(f"{strength:g} SD" for strength in sensitivity.outcome_strengths_in_sd)
    lines += [
        f"{sensitivity.method}. Rows: probability that the confounder flips `{analysis.attribute}`; "
        f"columns: its effect on `{analysis.outcome}` in standard deviations of the outcome. "
        f"Original estimate: {sensitivity.estimate:.4f}.",
        "",
        f"| flip probability | {header} |",
        "| --- |" + " --- |" * len(sensitivity.outcome_strengths_in_sd),
    ]
    for flip, row in zip(sensitivity.treatment_strengths, sensitivity.new_effects):
        lines.append(f"| {flip:g} | " + " | ".join(f"{value:.4f}" for value in row) + " |")
    verdict = (
        "The estimate keeps its sign in every cell: it survives."
        if sensitivity.survives
        else "The estimate changes sign in some cell: it does not survive confounding of that strength."
    )
    return lines + ["", verdict, ""]


def _independence_section(analysis: CausalAnalysis) -> list[str]:
    report = analysis.independences
    lines = ["## Implied conditional independences", ""]
    if report is None:
        return lines + ["Not run.", ""]
    lines += [
        f"Method: {report.method}. Of {len(report.tests)} independences in the basis, "
        f"{report.n_tested} were testable and the data reject {report.n_rejected} at "
        f"{report.significance_level:.2g} after adjustment. The partial R-squared is the share of the "
        "response's remaining variance that the other variable explains; a large value points to a "
        "missing edge or latent common cause. A linear test can also reject an independence that "
        "holds when a relationship is nonlinear.",
        "",
    ]
    rejected = sorted(
        (test for test in report.tests if test.rejected), key=lambda test: test.partial_r2 or 0.0, reverse=True
    )
    if rejected:
        lines += [
            f"Largest rejected independences (up to {SHOWN_INDEPENDENCES}; all are in the JSON results):",
            "",
            "| independence | partial R-squared | adjusted p-value |",
            "| --- | --- | --- |",
        ]
        for test in rejected[:SHOWN_INDEPENDENCES]:
            lines.append(f"| {test.statement()} | {test.partial_r2:.4f} | {test.p_adjusted:.3g} |")
        lines.append("")
    untestable = [test for test in report.tests if test.rejected is None]
    if untestable:
        lines.append(f"Untestable: {len(untestable)} ({'; '.join(sorted({test.note for test in untestable}))}).")
        lines.append("")
    return lines
