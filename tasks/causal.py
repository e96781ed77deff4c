"""Task that runs the causal analysis stage and publishes its document."""

from __future__ import annotations

from pathlib import Path

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from fairtrack.causal import CausalAnalysis, analyse_causal, render_causal_document, write_causal_document
from fairtrack.spec import SystemSpec
from fairtrack.split import StoredSplit, read_split_part
from fairtrack.tracking import CAUSAL_DIR
from tasks.options import IN_MEMORY, artifact_key


@task(name="analyse_causal_graph", **IN_MEMORY)
def analyse_causal_graph(spec: SystemSpec, stored: StoredSplit, depth: str, run_folder: str) -> CausalAnalysis | None:
    """Analyse the system's DAG on the training part and write the causal analysis document."""
    logger = get_run_logger()
    if spec.causal_graph is None:
        logger.warning("No causal graph in the specification of %r; proxies cannot be named", spec.name)
        return None

    analysis = analyse_causal(spec, read_split_part(stored, "train"), depth=depth, random_state=spec.seed)
    paths = write_causal_document(analysis, Path(run_folder) / CAUSAL_DIR)
    create_markdown_artifact(
        key=artifact_key(f"{spec.name}-causal-analysis"),
        markdown=render_causal_document(analysis, image=None),
        description=f"Causal analysis of {spec.name} at {depth} depth",
    )

    summary = analysis.summary
    logger.info(
        "Causal analysis (%s depth): confounders of %s and %s: %s; intervention targets: %s; document %s",
        depth,
        summary.attribute,
        summary.outcome,
        ", ".join(summary.confounders) or "none",
        ", ".join(analysis.recommendation.targets) or "none",
        paths["document"],
    )
    return analysis
