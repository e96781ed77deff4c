"""Tasks that assemble the run document, record it in MLflow and publish it to Prefect."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from fairtrack.causal import CausalAnalysis
from fairtrack.causal.document import DOCUMENT_FILE as CAUSAL_DOCUMENT_FILE
from fairtrack.contracts.report import ContractReport
from fairtrack.decision import Decision
from fairtrack.stats.validation import ValidationResult
from fairtrack.interventions import StageResult
from fairtrack.reports import write_reports
from fairtrack.serving import FairPipelineModel
from fairtrack.spec import SystemSpec
from fairtrack.split import StoredSplit, read_split_part
from fairtrack.summary import build_document, render_markdown_table
from fairtrack.tracking import CAUSAL_DIR, StageModel, record_track_run
from tasks.locks import registry_lock
from tasks.modeling import StageOutcome
from tasks.options import IN_MEMORY, artifact_key


@task(name="assemble_document", **IN_MEMORY)
def assemble_document(
    spec: SystemSpec,
    track: str,
    stages: list[Any],
    validation: ValidationResult,
    decision: Decision,
    contract: ContractReport,
    causal: CausalAnalysis | None,
    stored: StoredSplit,
    selected_technique: str | None = None,
    techniques: list[dict[str, Any]] | None = None,
    extra_reports: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Build the run document from the results of the track's tasks.

    ``stages`` are the track's stage outcomes (objects with ``to_dict``);
    ``techniques`` lists every technique tried, for tracks that compare several.
    """
    data = {
        "rows": contract.rows,
        "group_counts": contract.group_counts,
        "notes": contract.notes,
        "warnings": [finding.line() for finding in contract.warnings],
        "fingerprint": stored.fingerprint,
    }
    document = build_document(
        spec,
        track,
        validation.evaluation,
        decision,
        stages=[stage.to_dict() for stage in stages],
        data=data,
        causal=causal.summary.to_dict() if causal else {},
        selected_technique=selected_technique,
        techniques=techniques,
    )
    from prefect.runtime import flow_run

    return {
        **document,
        "contract": contract.to_dict(),
        "causal_analysis": causal.to_dict() if causal else None,
        "causal_metrics": causal.metrics() if causal else {},
        "statistics": validation.to_dict(),
        "reports": {
            **({"causal_analysis": str(Path(run_folder_of(stored)) / CAUSAL_DIR / CAUSAL_DOCUMENT_FILE)} if causal else {}),
            **(extra_reports or {}),
        },
        "flow_run_id": flow_run.id,
    }


@task(name="record_run", retries=1, retry_delay_seconds=5, **IN_MEMORY)
def record_run(
    spec: SystemSpec,
    document: dict[str, Any],
    stages: list[StageOutcome],
    stored: StoredSplit,
    run_folder: str,
) -> dict[str, Any]:
    """Log the run to MLflow, register the baseline and candidate, write the reports."""
    completed = [stage for stage in stages if stage.status == "completed"]
    baseline, selected = completed[0], completed[-1]
    example = read_split_part(stored, "train").features
    stage_models = [
        StageModel(
            stage="baseline",
            technique=baseline.technique,
            model=baseline.model,
            input_example=example,
            metrics=document["baseline"]["metrics"],
            params=baseline.params,
        ),
        StageModel(
            stage="candidate",
            technique=selected.technique,
            model=selected.model,
            input_example=example[list(selected.model.feature_names_in_)],
            metrics=document["selected"]["metrics"],
            params=selected.params,
        ),
    ]
    return _record(spec, document, stage_models, run_folder)


@task(name="record_pipelines", retries=1, retry_delay_seconds=5, **IN_MEMORY)
def record_pipelines(
    spec: SystemSpec,
    document: dict[str, Any],
    baseline: StageResult,
    selected: StageResult,
    stored: StoredSplit,
    run_folder: str,
) -> dict[str, Any]:
    """Log a run whose models are intervention pipelines; register them as pyfunc models."""
    train = read_split_part(stored, "train")
    features = list(train.features.columns)
    attribute = spec.primary_attribute
    example = train.features
    if attribute.column not in example.columns:
        example = example.assign(**{attribute.column: train.groups[attribute.column]})

    stage_models = [
        StageModel(
            stage=role,
            technique=" > ".join(result.chain),
            model=result.pipeline,
            input_example=example,
            metrics=document[key]["metrics"],
            params=result.params,
            pyfunc=FairPipelineModel(result.pipeline, attribute, features),
        )
        for role, key, result in (("baseline", "baseline", baseline), ("candidate", "selected", selected))
    ]
    return _record(spec, document, stage_models, run_folder)


def run_folder_of(stored: StoredSplit) -> str:
    """Return the run folder that contains a stored split's ``data`` folder."""
    return str(Path(stored.folder).parent)


def _record(spec: SystemSpec, document: dict[str, Any], stage_models: list[StageModel], run_folder: str) -> dict[str, Any]:
    params = {
        "system": spec.name,
        "track": document["track"],
        "seed": spec.seed,
        "model_family": spec.model_family,
        "pre_processing": spec.pre_processing,
        "fairness_metric": spec.fairness.metric,
        "utility_metric": spec.fairness.utility_metric,
        "max_utility_loss": spec.fairness.max_utility_loss,
        "protected_attribute": spec.primary_attribute.column,
        "n_bootstrap": spec.n_bootstrap,
        "confidence_level": spec.confidence_level,
        **{f"rows_{part}": count for part, count in document["data"]["rows"].items()},
    }
    with registry_lock(spec.name):
        recorded = record_track_run(document, stage_models, params, write_reports, run_folder)
    get_run_logger().info(
        "MLflow run %s; %s versions %s (baseline) and %s (candidate); reports in %s",
        recorded["run_id"],
        spec.name,
        recorded["registry"]["baseline_version"],
        recorded["registry"]["candidate_version"],
        run_folder,
    )
    return recorded


@task(name="publish_summary", **IN_MEMORY)
def publish_summary(document: dict[str, Any]) -> None:
    """Attach the metric table and the decision to the flow run as a Markdown artifact."""
    decision = document["decision"]
    markdown = "\n".join(
        [
            f"# {document['track']} track on {document['system']}: {decision['action']}",
            "",
            render_markdown_table(document),
            "",
            *[f"- {reason}" for reason in decision["reasons"]],
            "",
            f"MLflow run `{document['run_id']}`; reports in `{document['reports'].get('recommendation', '')}`.",
        ]
    )
    create_markdown_artifact(key=artifact_key(f"{document['system']}-{document['track']}-summary"), markdown=markdown, description="Baseline versus intervention")
