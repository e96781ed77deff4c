"""Recording a track run in MLflow and registering its models.

Layout: an experiment per system, and a parent run per track run with a
nested run per stage or technique. Metrics have ``_ci_low`` and ``_ci_high``
companions, and the reports and the run document are artifacts. Each system
has a registered model whose aliases ``baseline`` and ``candidate`` point at
the last recorded run's versions.

By default the store is SQLite plus an artifact folder under ``.fairtrack/``
in the working directory (the model registry needs a database, and MLflow 3
refuses new work in the file store). ``MLFLOW_TRACKING_URI`` overrides it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fairtrack.contracts.files import CONTRACT_DIR
from fairtrack.errors import RegistryError
from fairtrack.model import to_model_frame

HOME_DIR = ".fairtrack"
DATABASE_FILE = "mlflow.db"
ARTIFACT_DIR = "mlartifacts"
INPUT_EXAMPLE_ROWS = 5
CAUSAL_DIR = "causal"
VALIDATION_DIR = "validation"
ALIAS_WRITE_ATTEMPTS = 5
SAFE_METRIC_NAME = re.compile(r"[^A-Za-z0-9_\-. /]")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StageModel:
    """A fitted model to log in a stage's nested run."""

    stage: str
    technique: str
    model: Any
    input_example: pd.DataFrame
    metrics: dict[str, Any]
    params: dict[str, Any]
    pyfunc: Any = None


def resolve_tracking_uri() -> tuple[str, str | None]:
    """Return the tracking URI and, for the default local store, its artifact folder.

    Returns
    -------
    tuple of (str, str or None)
        ``MLFLOW_TRACKING_URI`` and None when the variable is set. A relative
        SQLite path is made absolute, so that processes in other folders use
        the same registry. Otherwise the SQLite database and the artifact
        folder under ``.fairtrack/`` in the working directory.
    """
    configured = os.environ.get("MLFLOW_TRACKING_URI")
    if configured:
        prefix = "sqlite:///"
        if configured.startswith(prefix) and not configured.startswith(prefix + "/"):
            configured = prefix + str(Path(configured[len(prefix) :]).resolve())
        return configured, None

    home = Path.cwd() / HOME_DIR
    home.mkdir(parents=True, exist_ok=True)
    artifacts = home / ARTIFACT_DIR
    artifacts.mkdir(exist_ok=True)
    return f"sqlite:///{home / DATABASE_FILE}", artifacts.as_uri()


def record_track_run(
    document: dict[str, Any],
    stage_models: list[StageModel],
    params: dict[str, Any],
    report_writer: Any,
    output_folder: str | Path,
) -> dict[str, Any]:
    """Log a track run to MLflow, register its models and write its reports.

    Parameters
    ----------
    document : dict
        The run document; a copy with ``run_id``, ``registry`` and
        ``reports`` filled in is returned.
    stage_models : list of StageModel
        The baseline first, then the selected model last.
    params : dict
        Parameters of the parent run.
    report_writer : callable
        ``report_writer(document, folder) -> dict of name to path``.
    output_folder : str or pathlib.Path
        Where the reports are written before they are logged.

    Returns
    -------
    dict
        The completed document.

    Raises
    ------
    RegistryError
        If MLflow fails. The parent run is then marked failed and the model
        versions this run created are deleted, so that no alias points at a
        half-recorded run.
    """
    import mlflow
    from mlflow import MlflowClient

    uri, artifact_location = resolve_tracking_uri()
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(tracking_uri=uri)
    name = document["system"]
    created_versions: list[str] = []

    try:
        experiment_id = _ensure_experiment(client, name, artifact_location)
        with mlflow.start_run(experiment_id=experiment_id, run_name=f"{document['track']}-{name}") as parent:
            run_id = parent.info.run_id
            mlflow.set_tags(
                {
                    "fairtrack.system": name,
                    "fairtrack.track": document["track"],
                    "fairtrack.data_fingerprint": document["data"]["fingerprint"],
                    "fairtrack.decision": document["decision"]["action"],
                    **({"fairtrack.prefect_flow_run_id": document["flow_run_id"]} if document.get("flow_run_id") else {}),
                }
            )
            mlflow.log_params(_stringify(params))

            versions = {}
            for stage_model in stage_models:
                version = _log_stage(mlflow, client, stage_model, document, run_id)
                created_versions.append(version)
                versions[stage_model.stage] = version

            _log_technique_runs(mlflow, run_id, document.get("techniques", []))
            mlflow.log_metrics(flatten_metrics(document["selected"]["metrics"]))
            mlflow.log_metrics(flatten_metrics(document["differences"], prefix="difference."))
            if document["decision"]["utility_cost"] is not None:
                mlflow.log_metric("utility_cost", document["decision"]["utility_cost"])

            baseline_version = versions[stage_models[0].stage]
            candidate_version = versions[stage_models[-1].stage]
            set_alias(client, name, "baseline", baseline_version)
            set_alias(client, name, "candidate", candidate_version)

            document = {
                **document,
                "run_id": run_id,
                "registry": {
                    "model": name,
                    "baseline_version": int(baseline_version),
                    "candidate_version": int(candidate_version),
                    "tracking_uri": uri,
                },
            }
            reports = {**document.get("reports", {}), **report_writer(document, output_folder)}
            document = {**document, "reports": reports}
            for path in reports.values():
                mlflow.log_artifact(path, artifact_path="reports")
            for folder_name in (CONTRACT_DIR, CAUSAL_DIR):
                folder = Path(output_folder) / folder_name
                if folder.is_dir():
                    mlflow.log_artifacts(str(folder), artifact_path=folder_name)
            if document.get("causal_metrics"):
                mlflow.log_metrics(document["causal_metrics"])
    except Exception as exc:
        _undo(client, name, created_versions)
        raise RegistryError(
            f"Recording the {document['track']} run of {name!r} in MLflow at {uri!r} failed: {exc}. "
            "The run is marked failed and its model versions were removed."
        ) from exc

    _audit_registration(name, run_id, baseline_version, candidate_version, document["track"])
    logger.info(
        "Recorded MLflow run %s; registered %s versions %s (baseline) and %s (candidate)",
        run_id,
        name,
        baseline_version,
        candidate_version,
    )
    return document


def flatten_metrics(metrics: dict[str, Any], prefix: str = "") -> dict[str, float]:
    """Flatten a metric document into MLflow metric names and values.

    Each ``{"value", "ci"}`` becomes ``NAME``, ``NAME_ci_low`` and
    ``NAME_ci_high``; per-attribute disparities become ``ATTRIBUTE.NAME`` and
    group rates ``group.ATTRIBUTE.GROUP.RATE``. Undefined values are left out.
    """
    flat: dict[str, float] = {}

    def add(name: str, metric: Any) -> None:
        if isinstance(metric, dict) and "value" in metric:
            if metric["value"] is not None:
                flat[_safe(prefix + name)] = float(metric["value"])
            if metric.get("ci"):
                flat[_safe(f"{prefix}{name}_ci_low")] = float(metric["ci"][0])
                flat[_safe(f"{prefix}{name}_ci_high")] = float(metric["ci"][1])
        elif isinstance(metric, (int, float, np.integer, np.floating)):
            flat[_safe(prefix + name)] = float(metric)

    for name, metric in metrics.items():
        if name == "attributes":
            for attribute, disparities in metric.items():
                for disparity, value in disparities.items():
                    add(f"{attribute}.{disparity}", value)
        elif name == "groups":
            for attribute, groups in metric.items():
                for group, rates in groups.items():
                    for rate, value in rates.items():
                        add(f"group.{attribute}.{group}.{rate}", value)
        else:
            add(name, metric)
    return flat


def set_alias(client: Any, model: str, alias: str, version: str) -> None:
    """Point an alias at a version, retrying the write conflicts of concurrent SQLite writers."""
    from mlflow.exceptions import MlflowException

    for attempt in range(1, ALIAS_WRITE_ATTEMPTS + 1):
        try:
            client.set_registered_model_alias(model, alias, version)
            return
        except MlflowException as exc:
            if attempt == ALIAS_WRITE_ATTEMPTS:
                raise RegistryError(f"Setting alias {alias!r} of {model!r} to version {version} failed: {exc}") from exc
            logger.warning("Setting alias %s of %s failed (attempt %d of %d): %s", alias, model, attempt, ALIAS_WRITE_ATTEMPTS, exc)
            time.sleep(0.2 * attempt)


def _audit_registration(model: str, run_id: str, baseline: str, candidate: str, track: str) -> None:
    from fairtrack.registry import Transition, append_audit, current_actor

    transition = Transition(
        model=model,
        action="register",
        actor=current_actor(),
        reason=f"{track} track run {run_id}",
        changed=True,
        to_version=candidate,
        details={"baseline": baseline, "candidate": candidate, "run_id": run_id},
    )
    append_audit(model, transition)


def _log_stage(mlflow: Any, client: Any, stage_model: StageModel, document: dict[str, Any], parent_id: str) -> str:
    experiment_id = mlflow.get_run(parent_id).info.experiment_id
    with mlflow.start_run(experiment_id=experiment_id, run_name=stage_model.technique, nested=True) as child:
        mlflow.set_tags({"fairtrack.stage": stage_model.stage, "fairtrack.technique": stage_model.technique})
        mlflow.log_params(_stringify(stage_model.params))
        mlflow.log_metrics(flatten_metrics(stage_model.metrics))
        info = _log_model(mlflow, stage_model, document["system"])
        version = str(info.registered_model_version)

        metrics = stage_model.metrics
        chain = [stage["technique"] for stage in document["stages"] if stage["status"] == "completed"]
        if stage_model.stage == "baseline":
            chain = ["baseline"]
        tags = {
            "fairtrack.role": stage_model.stage,
            "fairtrack.track": document["track"],
            "fairtrack.run_id": parent_id,
            "fairtrack.stage_run_id": child.info.run_id,
            "fairtrack.data_fingerprint": document["data"]["fingerprint"],
            "fairtrack.intervention_chain": " > ".join(chain),
        }
        for key in (document["fairness_metric"], document["utility_metric"]):
            if metrics.get(key, {}).get("value") is not None:
                tags[f"fairtrack.metric.{key}"] = f"{metrics[key]['value']:.6f}"
        for key, value in tags.items():
            client.set_model_version_tag(document["system"], version, key, value)
    return version


def _log_model(mlflow: Any, stage_model: StageModel, registered_name: str) -> Any:
    """Log and register a model: scikit-learn pipelines natively, intervened pipelines as pyfunc."""
    import sklearn

    example = to_model_frame(stage_model.input_example.head(INPUT_EXAMPLE_ROWS))
    requirements = [f"scikit-learn=={sklearn.__version__}"]
    with warnings.catch_warnings():
        # MLflow hints that integer columns cannot hold missing values. The
        # signature keeps them as integers so that the training frame's own
        # dtypes are accepted at prediction time.
        warnings.filterwarnings("ignore", message="Hint: Inferred schema contains integer", category=UserWarning)
        if stage_model.pyfunc is not None:
            import fairlearn
            import torch

            return mlflow.pyfunc.log_model(
                name="model",
                python_model=stage_model.pyfunc,
                registered_model_name=registered_name,
                input_example=example,
                pip_requirements=[*requirements, f"fairlearn=={fairlearn.__version__}", f"torch=={torch.__version__.split('+')[0]}", "fairtrack"],
            )
        return mlflow.sklearn.log_model(
            stage_model.model,
            name="model",
            registered_model_name=registered_name,
            input_example=example,
            pip_requirements=requirements,
            # OneHotEncoder stores its output dtype, which skops does not trust by default.
            skops_trusted_types=["numpy.dtype"],
        )


def _log_technique_runs(mlflow: Any, parent_id: str, techniques: list[dict[str, Any]]) -> None:
    """Log one nested run per technique tried, with its parameters, metrics and status."""
    experiment_id = mlflow.get_run(parent_id).info.experiment_id
    for entry in techniques:
        name = " > ".join(entry.get("chain") or [entry["technique"]])
        with mlflow.start_run(experiment_id=experiment_id, run_name=name, nested=True):
            mlflow.set_tags(
                {
                    "fairtrack.stage": entry["stage"],
                    "fairtrack.technique": entry["technique"],
                    "fairtrack.status": entry["status"],
                    "fairtrack.selected": str(entry.get("selected", False)).lower(),
                    **({"fairtrack.error": entry["error"][:5000]} if entry.get("error") else {}),
                }
            )
            mlflow.log_params(_stringify(entry.get("params", {})))
            if entry.get("test_metrics"):
                mlflow.log_metrics(flatten_metrics(entry["test_metrics"]))
            if entry.get("fit_seconds") is not None:
                mlflow.log_metric("fit_seconds", entry["fit_seconds"])


def _ensure_experiment(client: Any, name: str, artifact_location: str | None) -> str:
    experiment = client.get_experiment_by_name(name)
    if experiment is not None:
        if experiment.lifecycle_stage == "deleted":
            client.restore_experiment(experiment.experiment_id)
        return experiment.experiment_id
    location = f"{artifact_location}/{name}" if artifact_location else None
    return client.create_experiment(name, artifact_location=location)


def _undo(client: Any, name: str, versions: list[str]) -> None:
    """Mark the active run failed and delete the model versions it created."""
    import mlflow

    run = mlflow.active_run()
    while run is not None:
        mlflow.end_run(status="FAILED")
        run = mlflow.active_run()
    for version in versions:
        try:
            client.delete_model_version(name, version)
        except Exception as exc:  # keep undoing the rest; the message reports the first failure
            logger.error("Could not delete version %s of %s after a failed run: %s", version, name, exc)


def _stringify(params: dict[str, Any]) -> dict[str, str]:
    return {key: value if isinstance(value, str) else json.dumps(value, default=str) for key, value in params.items()}


def _safe(name: str) -> str:
    return SAFE_METRIC_NAME.sub("_", name)

