"""Serve every fairtrack deployment from one process, for local use.

``fairtrack serve`` (or ``python -m deployments.serve``) registers a
deployment per track and bundled system plus the rollback deployment with
the Prefect API that ``PREFECT_API_URL`` names, and runs their flow runs in
this process until it is stopped. Runs can then be started from the Prefect
UI, with ``prefect deployment run``, or through the REST API. For workers and
work pools use ``deployments/prefect.yaml`` instead.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any

from fairtrack.spec import load_spec
from flows.quick import quick
from flows.rollback import rollback
from flows.standard import standard

# Weekly retraining: Mondays at 03:00 UTC.
RETRAINING_CRON = "0 3 * * 1"
ROLLBACK_DEPLOYMENT = "rollback"

logger = logging.getLogger(__name__)


def build_deployments(systems_dir: str | Path = "systems") -> list[Any]:
    """Build the runner deployments: one per track and system, and the rollback.

    Parameters
    ----------
    systems_dir : str or pathlib.Path, default="systems"
        The folder of system specifications; every ``*.yaml`` file in it
        becomes a deployment, named after the system.

    Returns
    -------
    list of prefect.deployments.runner.RunnerDeployment
        Deployments named ``quick/SYSTEM``, ``standard/SYSTEM`` (weekly) and
        ``rollback/rollback``.
    """
    folder = Path(systems_dir).resolve()
    specs = sorted(folder.glob("*.yaml"))
    if not specs:
        raise FileNotFoundError(f"No system specification (*.yaml) found in {str(folder)!r}.")

    deployments = []
    for path in specs:
        spec = load_spec(path)
        deployments.append(
            quick.to_deployment(
                name=spec.name,
                parameters={"system": str(path)},
                tags=["fairtrack", "quick", spec.name, f"risk:{spec.risk_tier}"],
                description=f"Quick track on {spec.name} ({path.name}).",
            )
        )
        deployments.append(
            standard.to_deployment(
                name=spec.name,
                parameters={"system": str(path)},
                cron=RETRAINING_CRON,
                tags=["fairtrack", "standard", spec.name, f"risk:{spec.risk_tier}"],
                description=f"Standard track on {spec.name}, retrained weekly; pauses for a reviewer's approval.",
            )
        )

    deployments.append(
        rollback.to_deployment(
            name=ROLLBACK_DEPLOYMENT,
            tags=["fairtrack", "rollback"],
            description="Restore a system's baseline as champion (emergency, or after a quality check).",
        )
    )
    return deployments


def serve_all(systems_dir: str | Path = "systems", limit: int | None = None) -> None:
    """Serve every deployment from this process until it is stopped."""
    from prefect import serve

    deployments = build_deployments(systems_dir)
    logger.info("Serving %d deployments", len(deployments))
    serve(*deployments, limit=limit)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    serve_all(sys.argv[1] if len(sys.argv) > 1 else "systems")
