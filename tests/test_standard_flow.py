"""End-to-end runs of the standard track on German: techniques, MLflow runs, approval gate."""

import threading
import time

import pytest
from mlflow import MlflowClient

from fairtrack.registry import get_aliases, read_audit
from flows.standard import standard
from tests.conftest import SYSTEMS

pytestmark = pytest.mark.usefixtures("prefect_server")


def test_standard_track_skips_failing_technique(mlflow_store, tmp_path, monkeypatch):
    import fairtrack.interventions.plan as plan

    original = plan.technique_params

    def broken_reweighing(technique, spec, causal, proxies):
        params = original(technique, spec, causal, proxies)
        if technique == "reweighing":
            params["privileged"] = ["no-such-group"]
        return params

    monkeypatch.setattr("tasks.standard.technique_params", broken_reweighing)

    document = standard(system=str(SYSTEMS / "german.yaml"), output_dir=str(tmp_path / "runs"), approve="auto")

    by_technique = {entry["technique"]: entry for entry in document["techniques"]}
    assert by_technique["reweighing"]["status"] == "failed"
    assert "no-such-group" in by_technique["reweighing"]["error"]
    completed = [entry for entry in document["techniques"] if entry["status"] == "completed"]
    assert len(completed) >= 6
    for entry in completed:
        assert entry["test_metrics"]["equalized_odds_difference"]["ci"] is not None

    client = MlflowClient(mlflow_store)
    children = client.search_runs(
        [client.get_experiment_by_name("german").experiment_id],
        filter_string=f"tags.mlflow.parentRunId = '{document['run_id']}'",
    )
    statuses = {run.data.tags.get("fairtrack.status") for run in children}
    assert len(children) == len(document["techniques"]) + 2
    assert "failed" in statuses

    assert document["sign_off"]["reviewer"] == "automatic"
    champion = get_aliases("german")["champion"]
    if document["decision"]["action"] == "deploy":
        assert champion == str(document["registry"]["candidate_version"])
    else:
        assert champion is None
    artifacts = {item.path for item in client.list_artifacts(document["run_id"], "reports")}
    assert "reports/sign_off_record.md" in artifacts
    assert "reports/model_card_fairness_supplement.md" in artifacts


def test_approval_gate_resumed_through_api(mlflow_store, tmp_path):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateName
    from prefect.flow_runs import resume_flow_run

    outcome = {}

    def run_track():
        outcome["document"] = standard(system=str(SYSTEMS / "german.yaml"), output_dir=str(tmp_path / "runs"))

    worker = threading.Thread(target=run_track)
    worker.start()

    paused = None
    deadline = time.monotonic() + 600
    with get_client(sync_client=True) as client:
        while paused is None and time.monotonic() < deadline and worker.is_alive():
            runs = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(state=FlowRunFilterState(name=FlowRunFilterStateName(any_=["Paused"])))
            )
            paused = next((run for run in runs if run.flow_id and run.name), None)
            time.sleep(1)
    assert paused is not None, "the standard track never paused for approval"

    resume_flow_run(paused.id, run_input={"decision": "approve", "reviewer": "ines", "comment": "checked the CIs"})
    worker.join(timeout=300)

    document = outcome["document"]
    assert document["sign_off"]["decision"] == "approve"
    assert document["sign_off"]["reviewer"] == "ines"
    assert get_aliases("german")["champion"] == str(document["registry"]["candidate_version"])
    actions = [event["action"] for event in read_audit("german")]
    assert actions[-2:] == ["approval:approve", "promote"]
