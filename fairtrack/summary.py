"""The run document: what ``fairtrack run --json`` prints and reports are built from."""

from __future__ import annotations

from typing import Any

from fairtrack.decision import Decision
from fairtrack.evaluation import PairEvaluation
from fairtrack.metrics import DISPARITY_METRICS
from fairtrack.spec import SystemSpec

OUTSIDE_TOLERANCE = 1e-9
TABLE_METRICS = (
    "accuracy",
    "balanced_accuracy",
    "precision",
    "recall",
    "roc_auc",
    *DISPARITY_METRICS,
)


def build_document(
    spec: SystemSpec,
    track: str,
    evaluation: PairEvaluation,
    decision: Decision,
    stages: list[dict[str, Any]],
    data: dict[str, Any],
    causal: dict[str, Any],
    selected_technique: str | None = None,
    techniques: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Assemble the run document from the results of a track.

    Parameters
    ----------
    spec : SystemSpec
        The system specification.
    track : str
        The track's name.
    evaluation : PairEvaluation
        Baseline and selected model metrics on the test part.
    decision : Decision
        The recommended action.
    stages : list of dict
        One entry per technique tried, with its parameters and status.
    data : dict
        Row counts, group counts, the data fingerprint and loading notes.
    causal : dict
        The causal summary.
    selected_technique : str or None, default=None
        The selected model's technique or chain; the last completed stage's
        technique when None.
    techniques : list of dict or None, default=None
        Every technique tried with its validation and test metrics (standard
        and comprehensive tracks).

    Returns
    -------
    dict
        The document; ``run_id``, ``registry`` and ``reports`` are filled in
        when the run is recorded.
    """
    if selected_technique is None:
        selected_technique = next(stage for stage in reversed(stages) if stage["status"] == "completed")["technique"]
    return {
        "system": spec.name,
        "track": track,
        "seed": spec.seed,
        "run_id": None,
        "primary_attribute": evaluation.primary_attribute,
        "specification": describe_spec(spec),
        "fairness_metric": spec.fairness.metric,
        "utility_metric": spec.fairness.utility_metric,
        "baseline": {"technique": "baseline", "metrics": evaluation.baseline},
        "selected": {"technique": selected_technique, "metrics": evaluation.candidate},
        "differences": evaluation.differences,
        "stages": stages,
        "techniques": techniques or [],
        "decision": decision.to_dict(),
        "registry": None,
        "reports": {},
        "data": data,
        "causal": causal,
        "validation": {
            "method": evaluation.method,
            "n_bootstrap": evaluation.n_bootstrap,
            "confidence_level": evaluation.confidence_level,
        },
    }


def describe_spec(spec: SystemSpec) -> dict[str, Any]:
    """Return the parts of a specification that reports and reviewers need."""
    label = spec.label
    return {
        "source": str(spec.source) if spec.source else None,
        "label": label.column,
        "positive": label.positive if label.mapping is None else sorted(k for k, v in label.mapping.items() if v == 1),
        "favorable_label": label.favorable,
        "protected": [
            {"column": attribute.column, "privileged": [str(value) for value in attribute.privileged]}
            for attribute in spec.protected
        ],
        "model_family": spec.model_family,
        "risk_tier": spec.risk_tier,
        "approval_roles": list(spec.approval_roles),
        "max_utility_loss": spec.fairness.max_utility_loss,
    }


def format_metric(metric: dict[str, Any] | None) -> str:
    """Format ``{"value", "ci"}`` as ``0.8473 [0.8416, 0.8532]`` or the reason it is undefined."""
    if metric is None:
        return "n/a"
    if metric["value"] is None:
        return f"undefined ({metric.get('reason', 'no reason given')})"
    if metric["ci"] is None:
        return f"{metric['value']:.4f}"
    low, high = metric["ci"]
    text = f"{metric['value']:.4f} [{low:.4f}, {high:.4f}]"
    if not low - OUTSIDE_TOLERANCE <= metric["value"] <= high + OUTSIDE_TOLERANCE:
        # Max-minus-min disparities near 0 have a biased bootstrap distribution.
        text += " (estimate outside its interval: the resampled disparity is biased, treat the interval as rough)"
    return text


def metrics_table(document: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Return rows (metric, baseline, selected, difference) for the summary table."""
    baseline = document["baseline"]["metrics"]
    selected = document["selected"]["metrics"]
    rows = []
    for name in TABLE_METRICS:
        rows.append(
            (
                name,
                format_metric(baseline.get(name)),
                format_metric(selected.get(name)),
                format_metric(document["differences"].get(name)),
            )
        )
    return rows


def render_text(document: dict[str, Any]) -> str:
    """Render the document as the plain-text summary that the CLI prints."""
    confidence = document["validation"]["confidence_level"]
    header = ("metric", "baseline", document["selected"]["technique"], "difference")
    rows = metrics_table(document)
    widths = [max(len(row[index]) for row in [header, *rows]) for index in range(4)]

    lines = [
        f"fairtrack {document['track']} track on {document['system']} "
        f"(protected attribute {document['primary_attribute']!r}, {confidence:.0%} CIs)",
        "",
        "  ".join(text.ljust(width) for text, width in zip(header, widths)),
        "  ".join("-" * width for width in widths),
    ]
    lines += ["  ".join(text.ljust(width) for text, width in zip(row, widths)) for row in rows]

    decision = document["decision"]
    lines += ["", f"decision: {decision['action']}"]
    lines += [f"  - {reason}" for reason in decision["reasons"]]

    registry = document.get("registry")
    if registry:
        lines += [
            "",
            f"registered model {registry['model']!r}: baseline version {registry['baseline_version']}, "
            f"candidate version {registry['candidate_version']} (MLflow run {document['run_id']})",
        ]
    sign_off = document.get("sign_off")
    if sign_off:
        promoted = document.get("promotion")
        outcome = f"champion is now version {promoted['to_version']}" if promoted else "champion unchanged"
        lines += ["", f"review: {sign_off['decision']} by {sign_off['reviewer']} ({outcome})"]
    if document.get("reports"):
        lines += ["", "reports:"]
        lines += [f"  {name}: {path}" for name, path in document["reports"].items()]
    return "\n".join(lines)


def render_markdown_table(document: dict[str, Any]) -> str:
    """Render the metric table as Markdown, for reports and Prefect artifacts."""
    technique = document["selected"]["technique"]
    lines = [
        f"| metric | baseline | {technique} | difference |",
        "| --- | --- | --- | --- |",
    ]
    lines += [f"| {name} | {base} | {selected} | {difference} |" for name, base, selected, difference in metrics_table(document)]
    return "\n".join(lines)
