"""The rollback flow: restore the baseline model as production's champion.

Emergency mode moves ``champion`` to the ``baseline`` version at once and
notifies. Quality mode first checks a production batch against the baseline's
recorded metrics and rolls back only when the decision rules call for it.
Otherwise it records ``review``, ``adjust`` or ``accept`` in the audit log.
"""

from __future__ import annotations

from typing import Any, Literal

from prefect import flow

from tasks.data import create_run_folder, load_system
from tasks.registry import (
    assess_production_batch,
    notify_transition,
    record_outcome,
    resolve_model_name,
    roll_back_to_baseline,
)


@flow(name="rollback", log_prints=False)
def rollback(
    system: str,
    mode: Literal["emergency", "quality"] = "emergency",
    reason: str = "",
    batch: str | None = None,
    actor: str | None = None,
    notification_block: str | None = None,
    output_dir: str | None = None,
) -> dict[str, Any]:
    """Roll a system's champion back to its baseline version.

    Parameters
    ----------
    system : str
        Path of the system specification; in emergency mode the registered
        model's name is enough.
    mode : {"emergency", "quality"}, default="emergency"
        Roll back at once, or only when a production batch shows degradation.
    reason : str, default=""
        Why; required, stored on the rolled-back version and in the audit log.
    batch : str or None, default=None
        The production batch file; required in quality mode.
    actor : str or None, default=None
        Who acts; ``FAIRTRACK_ACTOR`` or the operating-system user when None.
    notification_block : str or None, default=None
        A Prefect notification block (``TYPE/NAME``) to notify; logged only when None.
    output_dir : str or None, default=None
        Folder for the degradation report; ``.fairtrack/runs`` when None.

    Returns
    -------
    dict
        ``system``, ``mode``, ``transition`` (or None), ``assessment`` (quality mode).
    """
    if mode == "emergency":
        model = resolve_model_name(system)
        transition = roll_back_to_baseline(model, reason, mode, actor)
        notify_transition(transition, notification_block)
        return {"system": model, "mode": mode, "transition": transition, "assessment": None}

    spec = load_system(system)
    folder = create_run_folder(spec, "rollback", output_dir)
    assessment = assess_production_batch(spec, batch, folder)
    if assessment["outcome"] == "rollback":
        transition = roll_back_to_baseline(spec.name, reason, mode, actor)
        notify_transition(transition, notification_block)
    else:
        transition = record_outcome(spec.name, assessment, reason, actor)
    return {"system": spec.name, "mode": mode, "transition": transition, "assessment": assessment}
