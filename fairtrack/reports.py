"""Markdown reports of a track run: baseline fairness, intervention log, recommendation.

Reports hold aggregates only (counts, rates and their intervals), never rows.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fairtrack.summary import format_metric, render_markdown_table

REPORT_FILES = {
    "baseline_report": "baseline_fairness_report.md",
    "intervention_log": "intervention_log.md",
    "recommendation": "recommendation.md",
    "model_card": "model_card_fairness_supplement.md",
}
SIGN_OFF_FILE = "sign_off_record.md"
RANDOMISED_TECHNIQUES = ("threshold_optimizer", "calibrated_equalized_odds", "exponentiated_gradient")
DOCUMENT_FILE = "metrics.json"

AVAILABLE_TRACKS = ("quick", "standard")
# The track that each risk tier calls for.
TRACK_FOR_TIER = {"low": "quick", "medium": "standard", "high": "comprehensive", "critical": "comprehensive"}


def write_reports(document: dict[str, Any], folder: str | Path) -> dict[str, str]:
    """Write the Markdown reports and the metrics JSON of a run into ``folder``.

    Parameters
    ----------
    document : dict
        The run document (see :func:`fairtrack.summary.build_document`).
    folder : str or pathlib.Path
        Where to write; created if missing.

    Returns
    -------
    dict of str to str
        Report names (``baseline_report``, ``intervention_log``,
        ``recommendation``, ``metrics``) mapped to their paths.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    texts = {
        "baseline_report": baseline_report(document),
        "intervention_log": intervention_log(document),
        "recommendation": recommendation(document),
    }
    if document["track"] != "quick":
        texts["model_card"] = model_card_supplement(document)

    paths = {}
    for name, text in texts.items():
        path = folder / REPORT_FILES[name]
        path.write_text(text, encoding="utf-8")
        paths[name] = str(path)

    paths["metrics"] = str(folder / DOCUMENT_FILE)
    document = {**document, "reports": paths}
    Path(paths["metrics"]).write_text(json.dumps(document, indent=2), encoding="utf-8")
    return paths


def baseline_report(document: dict[str, Any]) -> str:
    """Render the baseline fairness report: groups, sizes and metrics with CIs."""
    metrics = document["baseline"]["metrics"]
    confidence = document["validation"]["confidence_level"]
    spec = document["specification"]
    protected = "; ".join(
        f"`{item['column']}` (privileged: {', '.join(item['privileged'])})" for item in spec["protected"]
    )
    lines = [
        f"# Baseline fairness report: {document['system']}",
        "",
        f"Track: {document['track']}. Seed: {document['seed']}. MLflow run: {document['run_id']}. "
        f"Risk tier: {spec['risk_tier']}.",
        "",
        f"- Label: `{spec['label']}`; positive value(s): {spec['positive']!r}; the favourable outcome is "
        f"label {spec['favorable_label']}.",
        f"- Protected attributes: {protected}. The first is the target of the intervention.",
        f"- Model: {spec['model_family']}.",
        f"- Intervals: {confidence:.0%} {document['validation']['method']}, "
        f"{document['validation']['n_bootstrap']} resamples. Only the baseline appears here; "
        "the intervention log compares it with the selected model.",
        "",
        "## Data",
        "",
        "| part | rows |",
        "| --- | --- |",
    ]
    lines += [f"| {part} | {count} |" for part, count in document["data"]["rows"].items()]
    lines += ["", f"Data fingerprint (SHA-256): `{document['data']['fingerprint']}`."]
    for note in document["data"].get("notes", []):
        lines.append(f"- {note}")
    for warning in document["data"].get("warnings", []):
        lines.append(f"- Warning: {warning}")

    lines += ["", "## Utility on the test data", "", "| metric | value [CI] |", "| --- | --- |"]
    for name in ("accuracy", "balanced_accuracy", "precision", "recall", "roc_auc"):
        lines.append(f"| {name} | {format_metric(metrics[name])} |")

    lines += [
        "",
        "A disparity is the largest group rate minus the smallest (or their ratio), so its interval cannot "
        "reach 0 even when the groups do not differ; whether a disparity differs from parity is tested by "
        "the parity tests in the validation report.",
    ]
    for attribute, disparities in metrics["attributes"].items():
        lines += ["", f"## Protected attribute `{attribute}`", "", "| metric | value [CI] |", "| --- | --- |"]
        lines += [f"| {name} | {format_metric(value)} |" for name, value in disparities.items()]
        lines += [
            "",
            "| group | test rows | selection rate | TPR | FPR |",
            "| --- | --- | --- | --- | --- |",
        ]
        for group, values in metrics["groups"][attribute].items():
            lines.append(
                f"| {group} | {values['count']} | {format_metric(values['selection_rate'])} | "
                f"{format_metric(values['tpr'])} | {format_metric(values['fpr'])} |"
            )
    return "\n".join(lines) + "\n"


def intervention_log(document: dict[str, Any]) -> str:
    """Render the intervention log: each technique tried and why one was selected."""
    causal = document.get("causal") or {}
    lines = [
        f"# Intervention log: {document['system']}",
        "",
        f"Target: `{document['fairness_metric']}` on `{document['primary_attribute']}`; "
        f"utility metric `{document['utility_metric']}`.",
        "",
    ]
    if causal:
        lines += [
            "## Causal graph",
            "",
            f"- Confounders of {causal['attribute']} and {causal['outcome']}: "
            f"{', '.join(causal['confounders']) or 'none'}",
            f"- Proxy candidates (descendants of {causal['attribute']}): "
            f"{', '.join(causal['proxy_candidates']) or 'none'}",
            f"- Kept as legitimate mediators: {', '.join(causal['legitimate_mediators']) or 'none'}",
            "",
        ]

    if document.get("techniques"):
        lines += _technique_table(document)
        selected_text = (
            f"Selected: {document['selected']['technique']}, the chain kept after the last stage "
            "(a stage that kept no technique passes on the chain before it)."
        )
    else:
        lines += ["## Stages", "", "| stage | technique | status | parameters |", "| --- | --- | --- | --- |"]
        for stage in document["stages"]:
            params = json.dumps(stage.get("params", {}), sort_keys=True)
            status = stage["status"] if stage["status"] == "completed" else f"{stage['status']}: {stage.get('error')}"
            lines.append(f"| {stage['stage']} | {stage['technique']} | {status} | `{params}` |")
        selected_text = f"Selected: {document['selected']['technique']}, the last stage of the track that completed."

    lines += ["", "## Baseline and selected model", "", render_markdown_table(document), ""]
    lines.append(
        f"{selected_text} The difference column is the selected model minus the baseline, with its paired bootstrap CI."
    )
    return "\n".join(lines) + "\n"


def _plain(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def _technique_table(document: dict[str, Any]) -> list[str]:
    fairness, utility = document["fairness_metric"], document["utility_metric"]
    lines = [
        "## Techniques compared",
        "",
        "Each technique starts from the result kept at the stage before it. Metrics are on the test part, "
        "with their bootstrap CIs; selection used the validation part only.",
        "",
        f"| stage | chain | status | demographic parity difference | equalized odds difference | accuracy | "
        f"validation {fairness} | validation {utility} | selected |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for entry in document["techniques"]:
        metrics = entry.get("test_metrics") or {}
        validation = entry.get("validation_metrics") or {}
        status = entry["status"] if entry["status"] == "completed" else f"failed: {entry.get('error')}"
        lines.append(
            f"| {entry['stage']} | {' > '.join(entry.get('chain') or [entry['technique']])} | {status} | "
            f"{format_metric(metrics.get('demographic_parity_difference'))} | "
            f"{format_metric(metrics.get('equalized_odds_difference'))} | {format_metric(metrics.get('accuracy'))} | "
            f"{_plain(validation.get(fairness))} | {_plain(validation.get(utility))} | "
            f"{'yes' if entry.get('selected') else ''} |"
        )
    by_stage = {entry["stage"]: entry.get("stage_reason") for entry in document["techniques"] if entry.get("stage_reason")}
    reasons = [f"- {stage}: {reason}" for stage, reason in by_stage.items()]
    lines += ["", "Why each stage kept its technique:", "", *reasons, ""] if reasons else [""]
    return lines


def write_sign_off(document: dict[str, Any], sign_off: dict[str, Any], folder: str | Path) -> Path:
    """Write the sign-off record (who approved, when, the decision and the comment)."""
    lines = [
        f"# Sign-off record: {document['system']}",
        "",
        "| field | value |",
        "| --- | --- |",
        f"| model | {sign_off['model']} version {sign_off['version']} (alias `candidate`) |",
        f"| track | {document['track']} |",
        f"| MLflow run | {document['run_id']} |",
        f"| recommendation | {sign_off['recommendation']} |",
        f"| decision | {sign_off['decision']} |",
        f"| reviewer | {sign_off['reviewer']} |",
        f"| time (UTC) | {sign_off['time']} |",
        f"| comment | {sign_off.get('comment', '')} |",
        f"| roles the specification names | {', '.join(document['specification']['approval_roles']) or 'none'} |",
        "",
        "An approval moves `champion` to this version; a rejection leaves `champion` where it was and blocks "
        "later promotion of this version unless it is forced with a reason. Later sign-offs are recorded in the "
        "registry's audit log, not in this file.",
    ]
    path = Path(folder) / SIGN_OFF_FILE
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def model_card_supplement(document: dict[str, Any]) -> str:
    """Render the model card fairness supplement: model, interventions, metrics, limits, monitoring."""
    spec = document["specification"]
    baseline, selected = document["baseline"]["metrics"], document["selected"]["metrics"]
    lines = [
        f"# Model card fairness supplement: {document['system']}",
        "",
        "## Model details",
        "",
        f"- Family: {spec['model_family']}; label `{spec['label']}` (favourable outcome: {spec['favorable_label']}).",
        f"- Protected attributes: {', '.join(item['column'] for item in spec['protected'])}; risk tier {spec['risk_tier']}.",
        f"- Trained by the {document['track']} track, MLflow run {document['run_id']}, data fingerprint "
        f"`{document['data']['fingerprint'][:16]}`.",
        "",
        "## Interventions applied",
        "",
        f"- {document['selected']['technique']}",
        f"- Recommendation of the decision matrix: {document['decision']['action']}. The registry's "
        "`champion` alias moves to this model only after an approval is recorded.",
        "",
        "## Baseline and candidate metrics (test part)",
        "",
        "| metric | baseline | candidate |",
        "| --- | --- | --- |",
    ]
    for name in ("accuracy", "balanced_accuracy", "roc_auc", document["fairness_metric"], "equalized_odds_difference"):
        lines.append(f"| {name} | {format_metric(baseline.get(name))} | {format_metric(selected.get(name))} |")
    lines += [
        "",
        "## Known limits",
        "",
        "- Metrics are estimated on one held-out test part; intervals reflect sampling error only, not drift.",
        "- Groups below 100 rows have wide intervals. The data contract flags groups below 100 rows in all "
        "the data; the validation report flags groups below 100 rows in the test part.",
        *(
            ["- Randomised post-processing makes individual predictions random; only group rates are controlled."]
            if any(name in document["selected"]["technique"] for name in RANDOMISED_TECHNIQUES)
            else []
        ),
        "",
        "## Monitoring plan",
        "",
        "- Run the quality check (`fairtrack rollback --mode quality`) on each production batch; it compares "
        f"`{document['fairness_metric']}` and `{document['utility_metric']}` with this run's baseline.",
        "- A significant fairness degradation or a utility cost above 10 % rolls back to the baseline.",
    ]
    return "\n".join(lines) + "\n"


def recommendation(document: dict[str, Any]) -> str:
    """Render the recommendation: the decision, its reasons, side effects and the registry state."""
    decision = document["decision"]
    registry = document.get("registry") or {}
    spec = document["specification"]
    lines = [
        f"# Recommendation: {decision['action']}",
        "",
        f"System {document['system']}, {document['track']} track, MLflow run {document['run_id']}. "
        f"Risk tier: {spec['risk_tier']}.",
        "",
        "## Reasons",
        "",
    ]
    lines += [f"- {reason}" for reason in decision["reasons"]]

    side_effects = _side_effects(document)
    lines += ["", "## Other fairness metrics", ""]
    if side_effects:
        lines.append("These disparities are higher for the selected model than for the baseline:")
        lines.append("")
        lines += [f"- {text}" for text in side_effects]
    else:
        lines.append("No other disparity metric is higher for the selected model than for the baseline.")
    lines += [
        "",
        "| attribute | metric | baseline | selected |",
        "| --- | --- | --- | --- |",
    ]
    baseline, selected = document["baseline"]["metrics"], document["selected"]["metrics"]
    for attribute, disparities in baseline["attributes"].items():
        for name, value in disparities.items():
            lines.append(
                f"| {attribute} | {name} | {format_metric(value)} | "
                f"{format_metric(selected['attributes'][attribute][name])} |"
            )

    expected_track = TRACK_FOR_TIER.get(spec["risk_tier"])
    lines += ["", "## Review", ""]
    roles = ", ".join(spec["approval_roles"]) or "none named in the specification"
    lines.append(f"Approval roles: {roles}.")
    if expected_track and expected_track != document["track"]:
        available = "" if expected_track in AVAILABLE_TRACKS else " (not available in this version of fairtrack)"
        lines.append(
            f"A {spec['risk_tier']}-risk system calls for the {expected_track} track{available}; treat this "
            f"{document['track']}-track result as a screening result, not as grounds to deploy."
        )

    if registry:
        lines += [
            "",
            "## Registry",
            "",
            f"At the time of this run, alias `baseline` of registered model `{registry['model']}` pointed at "
            f"version {registry['baseline_version']} and alias `candidate` at version "
            f"{registry['candidate_version']}. A later run moves both. This run does not move `champion`; "
            "promotion needs an approval.",
        ]
    lines += [
        "",
        "## What the actions mean",
        "",
        "- deploy: the fairness gain is significant and the utility cost is within the threshold.",
        "- review: the utility cost needs a stakeholder's decision.",
        "- adjust: the fairness gain is not significant; try another technique or strength.",
        "- reject: fairness got significantly worse or utility dropped by more than 10 %; keep the baseline.",
    ]
    return "\n".join(lines) + "\n"


def _side_effects(document: dict[str, Any]) -> list[str]:
    baseline, selected = document["baseline"]["metrics"], document["selected"]["metrics"]
    found = []
    for attribute, disparities in baseline["attributes"].items():
        for name, before in disparities.items():
            after = selected["attributes"][attribute][name]
            if before["value"] is None or after["value"] is None:
                continue
            # A higher ratio is fairer; for every difference lower is fairer.
            worse = after["value"] < before["value"] if name.endswith("_ratio") else after["value"] > before["value"]
            if worse:
                found.append(f"`{name}` on `{attribute}`: {format_metric(before)} -> {format_metric(after)}")
    if found:
        found.append(
            "Only the metric of record on the primary attribute has a paired test of the change; "
            "compare the intervals above before relying on these."
        )
    return found
