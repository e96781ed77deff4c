"""The model registry lifecycle: approvals, promotion, rollback and the audit log.

A system's registered model carries three aliases: ``baseline`` (the model
trained without intervention), ``candidate`` (the selected intervened model)
and ``champion`` (what production serves). Promotion moves ``champion`` to
the candidate after an approval is recorded on it; rollback moves it back to
the baseline. Every transition is appended to the system's audit log, a JSON
Lines artifact of a dedicated ``registry-audit`` run in the system's MLflow
experiment, and is also recorded as tags on the model versions involved.
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal

from fairtrack.errors import RegistryError
from fairtrack.tracking import resolve_tracking_uri, set_alias

ALIASES = ("baseline", "candidate", "champion")
APPROVAL_DECISIONS = ("approve", "reject")
AUDIT_RUN_NAME = "registry-audit"
AUDIT_TAG = "fairtrack.audit"
AUDIT_FILE = "audit_log.jsonl"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Transition:
    """One change (or attempted change) of the registry, as logged in the audit log."""

    model: str
    action: str
    actor: str
    reason: str
    changed: bool
    from_version: str | None = None
    to_version: str | None = None
    timestamp: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat())
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Return the transition as a JSON-ready dictionary."""
        return asdict(self)


def model_name(system: str) -> str:
    """Return the registered model's name: the specification's name for a YAML path, else ``system`` itself."""
    from fairtrack.spec import load_spec

    if Path(system).suffix in (".yaml", ".yml"):
        return load_spec(system).name
    return system


def current_actor() -> str:
    """Return who acts: ``FAIRTRACK_ACTOR`` when set, else the operating-system user."""
    actor = os.environ.get("FAIRTRACK_ACTOR")
    if actor:
        return actor
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def get_aliases(model: str) -> dict[str, str | None]:
    """Return the version each alias points at, or None where it is unset.

    Raises
    ------
    RegistryError
        If the registered model does not exist in the configured registry.
    """
    client, uri = _client()
    registered = _get_model(client, model, uri)
    aliases = dict(registered.aliases or {})
    return {alias: (str(aliases[alias]) if alias in aliases else None) for alias in ALIASES}


def record_approval(
    model: str,
    decision: Literal["approve", "reject"],
    reviewer: str,
    comment: str = "",
    version: str | None = None,
) -> Transition:
    """Record a reviewer's sign-off on a model version (the candidate by default).

    Parameters
    ----------
    model : str
        The registered model, named after the system.
    decision : {"approve", "reject"}
        The reviewer's decision.
    reviewer : str
        Who decided.
    comment : str, default=""
        The reviewer's comment.
    version : str or None, default=None
        The version; the ``candidate`` alias when None.

    Returns
    -------
    Transition
        The recorded sign-off, also appended to the audit log.
    """
    if decision not in APPROVAL_DECISIONS:
        raise RegistryError(f"Approval decision {decision!r} is not supported; use one of {list(APPROVAL_DECISIONS)}.")

    client, uri = _client()
    version = version or _require_alias(client, model, "candidate", uri)
    timestamp = datetime.now(timezone.utc).isoformat()
    tags = {
        "fairtrack.approval": "approved" if decision == "approve" else "rejected",
        "fairtrack.approved_by": reviewer,
        "fairtrack.approval_time": timestamp,
        "fairtrack.approval_comment": comment,
    }
    if decision == "reject":
        # Kept even when a later approval arrives, so that promotion needs --force after a rejection.
        tags["fairtrack.rejected_by"] = f"{reviewer} at {timestamp}"
    for key, value in tags.items():
        client.set_model_version_tag(model, version, key, value)

    transition = Transition(
        model=model,
        action=f"approval:{decision}",
        actor=reviewer,
        reason=comment,
        changed=True,
        to_version=version,
        timestamp=timestamp,
    )
    append_audit(model, transition)
    return transition


def promote(model: str, actor: str, force: bool = False, reason: str = "") -> Transition:
    """Move ``champion`` to the candidate version.

    Parameters
    ----------
    model : str
        The registered model.
    actor : str
        Who promotes.
    force : bool, default=False
        Promote without a recorded approval; needs ``reason``.
    reason : str, default=""
        Why; required with ``force``.

    Returns
    -------
    Transition
        ``changed`` is False when ``champion`` already points at the candidate.

    Raises
    ------
    RegistryError
        If there is no candidate, or no approval is recorded on it and
        ``force`` is not set with a reason, or the approval was a rejection.
    """
    client, uri = _client()
    candidate = _require_alias(client, model, "candidate", uri)
    champion = get_aliases(model)["champion"]
    tags = client.get_model_version(model, candidate).tags
    approval = tags.get("fairtrack.approval")
    rejection = tags.get("fairtrack.rejected_by")

    if force and not reason.strip():
        raise RegistryError("Forced promotion needs a reason; pass --reason TEXT.")
    if not force and rejection:
        raise RegistryError(
            f"Candidate version {candidate} of {model!r} was rejected by {rejection}; a later approval does not "
            "lift a rejection. Promote with --force and a --reason to override it."
        )
    if not force and approval != "approved":
        state = "was rejected" if approval == "rejected" else "has no recorded approval"
        raise RegistryError(
            f"Candidate version {candidate} of {model!r} {state}. Record an approval first "
            "(fairtrack approve), or promote with --force and a --reason."
        )

    if champion == candidate:
        transition = Transition(model, "promote", actor, reason, False, champion, candidate)
        append_audit(model, transition)
        return transition

    set_alias(client, model, "champion", candidate)
    client.set_model_version_tag(model, candidate, "fairtrack.promoted_at", datetime.now(timezone.utc).isoformat())
    client.set_model_version_tag(model, candidate, "fairtrack.promoted_by", actor)
    details = {"forced": force, "approval": approval, "rejected_by": rejection}
    transition = Transition(model, "promote", actor, reason or "approved candidate", True, champion, candidate, details=details)
    append_audit(model, transition)
    logger.info("Promoted %s version %s to champion (was %s)", model, candidate, champion)
    return transition


def rollback_to_baseline(model: str, reason: str, actor: str, mode: str = "emergency") -> Transition:
    """Point ``champion`` at the baseline version; do nothing if it already does.

    Parameters
    ----------
    model : str
        The registered model.
    reason : str
        Why; stored on the rolled-back version and in the audit log.
    actor : str
        Who rolls back.
    mode : str, default="emergency"
        The rollback mode, for the record.

    Returns
    -------
    Transition
        ``changed`` is False when ``champion`` already pointed at the baseline.

    Raises
    ------
    RegistryError
        If there is no ``baseline`` alias or the baseline's model files are
        missing; nothing is changed then.
    """
    if not reason.strip():
        raise RegistryError("A rollback needs a reason; pass --reason TEXT.")

    client, uri = _client()
    baseline = _require_alias(client, model, "baseline", uri)
    _require_artifacts(client, model, baseline, uri)
    champion = get_aliases(model)["champion"]

    if champion == baseline:
        transition = Transition(model, f"rollback:{mode}", actor, reason, False, champion, baseline)
        append_audit(model, transition)
        logger.info("%s champion already points at baseline version %s; nothing changed", model, baseline)
        return transition

    set_alias(client, model, "champion", baseline)
    timestamp = datetime.now(timezone.utc).isoformat()
    if champion is not None:
        for key, value in {
            "fairtrack.rolled_back": "true",
            "fairtrack.rollback_reason": reason,
            "fairtrack.rollback_time": timestamp,
            "fairtrack.rollback_actor": actor,
            "fairtrack.rollback_mode": mode,
        }.items():
            client.set_model_version_tag(model, champion, key, value)

    transition = Transition(model, f"rollback:{mode}", actor, reason, True, champion, baseline, timestamp=timestamp)
    append_audit(model, transition)
    logger.warning("Rolled %s champion back from version %s to baseline version %s: %s", model, champion, baseline, reason)
    return transition


def load_recorded_metrics(model: str, version: str) -> dict[str, Any]:
    """Return the metric document recorded for a version when its track run ended.

    The document comes from the run's ``reports/metrics.json`` artifact: the
    baseline's metrics for a baseline version, the selected model's for a
    candidate.

    Raises
    ------
    RegistryError
        If the version has no recorded run or the run has no metrics document.
    """
    import mlflow

    client, uri = _client()
    tags = client.get_model_version(model, version).tags
    run_id = tags.get("fairtrack.run_id")
    if not run_id:
        raise RegistryError(f"{model!r} version {version} has no fairtrack.run_id tag, so its metrics are unknown.")

    with tempfile.TemporaryDirectory(prefix="fairtrack-metrics-") as folder:
        try:
            mlflow.set_tracking_uri(uri)
            local = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="reports/metrics.json", dst_path=folder)
        except Exception as exc:  # MLflow raises several types for a missing artifact
            raise RegistryError(
                f"The metrics document of run {run_id} ({model!r} version {version}) could not be read: {exc}"
            ) from exc
        document = json.loads(Path(local).read_text(encoding="utf-8"))

    role = tags.get("fairtrack.role", "baseline")
    return document["baseline" if role == "baseline" else "selected"]["metrics"]


def append_audit(model: str, transition: Transition) -> None:
    """Append a transition to the system's audit log artifact.

    NOTE: the append downloads, extends and re-uploads the file, so two
    writers on the same system at the same instant can lose one line. The
    tracks and the rollback flow write under a per-system lock, and the
    transition is also kept as tags on the model versions it touches.
    """
    import mlflow

    client, uri = _client()
    run_id = _audit_run_id(client, model)
    lines = read_audit(model, run_id=run_id)
    lines.append(transition.to_dict())

    with tempfile.TemporaryDirectory(prefix="fairtrack-audit-") as folder:
        path = Path(folder) / AUDIT_FILE
        path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
        mlflow.set_tracking_uri(uri)
        client.log_artifact(run_id, str(path))


def read_audit(model: str, run_id: str | None = None) -> list[dict[str, Any]]:
    """Return the audit log of a system, oldest first (empty if there is none)."""
    import mlflow

    client, uri = _client()
    run_id = run_id or _audit_run_id(client, model, create=False)
    if run_id is None:
        return []
    names = {item.path for item in client.list_artifacts(run_id)}
    if AUDIT_FILE not in names:
        return []
    with tempfile.TemporaryDirectory(prefix="fairtrack-audit-") as folder:
        mlflow.set_tracking_uri(uri)
        local = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=AUDIT_FILE, dst_path=folder)
        text = Path(local).read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _client() -> tuple[Any, str]:
    from mlflow import MlflowClient

    uri, _ = resolve_tracking_uri()
    return MlflowClient(tracking_uri=uri), uri


def _get_model(client: Any, model: str, uri: str) -> Any:
    from mlflow.exceptions import MlflowException

    try:
        return client.get_registered_model(model)
    except MlflowException as exc:
        raise RegistryError(
            f"Registered model {model!r} not found in the registry at {uri!r}. Run a track for this "
            "system first, or point MLFLOW_TRACKING_URI at the registry that holds it."
        ) from exc


def _require_alias(client: Any, model: str, alias: str, uri: str) -> str:
    version = get_aliases(model)[alias]
    if version is None:
        raise RegistryError(
            f"Registered model {model!r} at {uri!r} has no {alias!r} alias; nothing was changed. "
            "Run a track for this system to register a baseline and a candidate."
        )
    return version


def _require_artifacts(client: Any, model: str, version: str, uri: str) -> None:
    from mlflow.exceptions import MlflowException

    import mlflow

    source = client.get_model_version(model, version).source
    try:
        mlflow.set_tracking_uri(uri)
        names = {Path(item.path).name for item in mlflow.artifacts.list_artifacts(artifact_uri=source)}
    except (MlflowException, OSError) as exc:
        names = set()
        logger.error("Listing the files of %s version %s at %s failed: %s", model, version, source, exc)
    if "MLmodel" not in names:
        raise RegistryError(
            f"The files of {model!r} version {version} (the baseline) are missing at {source!r}; "
            "nothing was changed. Restore the artifact store or register a new baseline."
        )


def _audit_run_id(client: Any, model: str, create: bool = True) -> str | None:
    experiment = client.get_experiment_by_name(model)
    if experiment is None:
        if not create:
            return None
        raise RegistryError(f"MLflow experiment {model!r} not found; run a track for this system first.")

    runs = client.search_runs(
        [experiment.experiment_id], filter_string=f"tags.`{AUDIT_TAG}` = 'true'", max_results=1, order_by=["attributes.start_time ASC"]
    )
    if runs:
        return runs[0].info.run_id
    if not create:
        return None
    run = client.create_run(experiment.experiment_id, run_name=AUDIT_RUN_NAME, tags={AUDIT_TAG: "true"})
    client.set_terminated(run.info.run_id)
    return run.info.run_id
