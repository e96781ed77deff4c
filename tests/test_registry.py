"""Tests of approvals, promotion, rollback and quality checks on a real MLflow registry."""

import shutil
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient

from fairtrack.errors import RegistryError
from fairtrack.registry import get_aliases, promote, read_audit, record_approval, rollback_to_baseline
from flows.quick import quick
from flows.rollback import rollback
from tests.conftest import SYSTEMS

pytestmark = pytest.mark.usefixtures("prefect_server")


@pytest.fixture
def german_run(mlflow_store, tmp_path):
    document = quick(system=str(SYSTEMS / "german.yaml"), output_dir=str(tmp_path / "runs"))
    return document, MlflowClient(mlflow_store)


def test_promote_needs_approval(german_run):
    with pytest.raises(RegistryError, match="has no recorded approval"):
        promote("german", actor="carol")

    with pytest.raises(RegistryError, match="needs a reason"):
        promote("german", actor="carol", force=True)

    assert get_aliases("german")["champion"] is None


def test_rejected_candidate_not_promoted(german_run):
    record_approval("german", "reject", reviewer="dana", comment="equalized odds got worse")

    with pytest.raises(RegistryError, match="was rejected"):
        promote("german", actor="carol")


def test_approved_candidate_promoted_once(german_run):
    document, client = german_run
    record_approval("german", "approve", reviewer="erin", comment="ok")

    first = promote("german", actor="carol")
    second = promote("german", actor="carol")

    assert first.changed
    assert not second.changed
    assert get_aliases("german")["champion"] == str(document["registry"]["candidate_version"])
    tags = client.get_model_version("german", first.to_version).tags
    assert tags["fairtrack.approved_by"] == "erin"


def test_emergency_rollback_is_idempotent(german_run):
    document, client = german_run
    promote("german", actor="carol", force=True, reason="drill")

    first = rollback(system="german", mode="emergency", reason="complaint from a regulator", actor="frank")
    second = rollback(system="german", mode="emergency", reason="complaint from a regulator", actor="frank")

    baseline = str(document["registry"]["baseline_version"])
    candidate = str(document["registry"]["candidate_version"])
    assert first["transition"]["changed"]
    assert not second["transition"]["changed"]
    assert get_aliases("german")["champion"] == baseline
    tags = client.get_model_version("german", candidate).tags
    assert tags["fairtrack.rollback_reason"] == "complaint from a regulator"
    assert tags["fairtrack.rollback_actor"] == "frank"
    actions = [(event["action"], event["changed"]) for event in read_audit("german")]
    assert actions[-2:] == [("rollback:emergency", True), ("rollback:emergency", False)]
    assert actions[0] == ("register", True)


def test_rollback_without_baseline_changes_nothing(german_run):
    _, client = german_run
    client.delete_registered_model_alias("german", "baseline")

    with pytest.raises(RegistryError, match="has no 'baseline' alias; nothing was changed"):
        rollback_to_baseline("german", reason="test", actor="frank")

    assert get_aliases("german")["champion"] is None


def test_rollback_with_missing_files_changes_nothing(german_run):
    document, client = german_run
    promote("german", actor="carol", force=True, reason="drill")
    source = client.get_model_version("german", str(document["registry"]["baseline_version"])).source
    folder = Path(urlparse(client.get_model_version_download_uri("german", str(document["registry"]["baseline_version"]))).path)
    shutil.rmtree(folder)

    with pytest.raises(RegistryError, match="files of 'german' version .* are missing"):
        rollback_to_baseline("german", reason="test", actor="frank")

    assert get_aliases("german")["champion"] == str(document["registry"]["candidate_version"]), source


def write_batch(document, tmp_path, degrade: bool) -> Path:
    folder = Path(document["reports"]["metrics"]).parent / "data"
    test = pd.read_parquet(folder / "test.parquet")
    from mlflow.pyfunc import load_model

    model = load_model("models:/german@champion")
    features = test[[c for c in test.columns if not c.startswith("__")]]
    predictions = np.asarray(model.predict(features)).astype(int)
    if degrade:
        predictions = np.where(test["__group__:sex"] == "female", 0, 1)
    batch = features.assign(credit=np.where(test["__label__"] == 1, 1, 2), prediction=predictions)
    path = tmp_path / ("degraded.csv" if degrade else "healthy.csv")
    batch.to_csv(path, index=False)
    return path


def test_quality_rollback_accepts_healthy_batch(german_run, tmp_path):
    document, _ = german_run
    promote("german", actor="carol", force=True, reason="drill")

    result = rollback(
        system=str(SYSTEMS / "german.yaml"),
        mode="quality",
        reason="weekly check",
        batch=str(write_batch(document, tmp_path, degrade=False)),
        output_dir=str(tmp_path / "out"),
    )

    assert result["assessment"]["outcome"] in {"accept", "adjust"}
    assert not result["transition"]["changed"]
    assert get_aliases("german")["champion"] == str(document["registry"]["candidate_version"])
    assert Path(result["assessment"]["report"]).is_file()


def test_quality_rollback_on_degraded_batch(german_run, tmp_path):
    document, _ = german_run
    promote("german", actor="carol", force=True, reason="drill")

    result = rollback(
        system=str(SYSTEMS / "german.yaml"),
        mode="quality",
        reason="weekly check",
        batch=str(write_batch(document, tmp_path, degrade=True)),
        output_dir=str(tmp_path / "out"),
    )

    assert result["assessment"]["outcome"] == "rollback"
    assert result["transition"]["changed"]
    assert get_aliases("german")["champion"] == str(document["registry"]["baseline_version"])
    assert "significantly worse" in " ".join(result["assessment"]["reasons"])


def test_rejection_outlasts_later_approval(german_run):
    record_approval("german", "reject", reviewer="dana", comment="not yet")
    record_approval("german", "approve", reviewer="erin", comment="looks fine to me")

    with pytest.raises(RegistryError, match="rejected by dana.*a later approval does not lift a rejection"):
        promote("german", actor="carol")

    forced = promote("german", actor="carol", force=True, reason="risk committee overrode the rejection")
    assert forced.changed
    assert forced.details["rejected_by"].startswith("dana")
