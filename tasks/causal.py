"""Task that reads the causal graph and names confounders and proxies."""

from __future__ import annotations

from prefect import get_run_logger, task

from fairtrack.causal import CausalSummary, read_dag, summarise_graph
from fairtrack.spec import SystemSpec
from tasks.options import IN_MEMORY


@task(name="analyse_causal_graph", **IN_MEMORY)
def analyse_causal_graph(spec: SystemSpec) -> CausalSummary | None:
    """Find the confounders and proxy candidates of the primary protected attribute."""
    logger = get_run_logger()
    if spec.causal_graph is None:
        logger.warning("No causal graph in the specification of %r; proxies cannot be named", spec.name)
        return None

    summary = summarise_graph(
        read_dag(spec.causal_graph),
        attribute=spec.primary_attribute.column,
        outcome=spec.label.column,
        legitimate_mediators=spec.features.legitimate_mediators,
        source=str(spec.causal_graph),
    )
    logger.info(
        "Confounders of %s and %s: %s; proxy candidates: %s",
        summary.attribute,
        summary.outcome,
        ", ".join(summary.confounders) or "none",
        ", ".join(summary.proxy_candidates) or "none",
    )
    return summary
