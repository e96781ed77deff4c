"""End-to-end runs of the quick track: a real Prefect flow and a real MLflow store."""

import json
import shutil

import mlflow
import pandas as pd
import pytest
import yaml
from mlflow import MlflowClient

from fairtrack.cli import main
from fairtrack.errors import ContractError
from flows.quick import quick
from tests.conftest import SYSTEMS, make_biased_frame, write_system

pytestmark = pytest.mark.usefixtures("prefect_server")


def test_quick_track_on_adult_recorded_in_mlflow(mlflow_store, tmp_path):
    document = quick(system=str(SYSTEMS / "adult.yaml"), output_dir=str(tmp_path / "runs"))

    baseline = document["baseline"]["metrics"]
    selected = document["selected"]["metrics"]
    assert document["selected"]["technique"] == "reweighing"
    assert selected["demographic_parity_difference"]["value"] < baseline["demographic_parity_difference"]["value"]
    assert document["decision"]["action"] in {"deploy", "review", "adjust", "reject"}
    assert document["data"]["rows"]["test"] == 15_060

    client = MlflowClient(mlflow_store)
    parent = client.get_run(document["run_id"])
    assert parent.data.tags["fairtrack.track"] == "quick"
    for suffix in ("", "_ci_low", "_ci_high"):
        assert f"demographic_parity_difference{suffix}" in parent.data.metrics
    assert parent.data.metrics["demographic_parity_difference"] == pytest.approx(
        selected["demographic_parity_difference"]["value"]
    )

    children = client.search_runs(
        [parent.info.experiment_id], filter_string=f"tags.mlflow.parentRunId = '{parent.info.run_id}'"
    )
    assert sorted(run.info.run_name for run in children) == ["baseline", "reweighing"]

    versions = client.search_model_versions("name = 'adult'")
    assert len(versions) == 2
    assert int(client.get_model_version_by_alias("adult", "baseline").version) == document["registry"]["baseline_version"]
    candidate = client.get_model_version_by_alias("adult", "candidate")
    assert candidate.tags["fairtrack.intervention_chain"] == "baseline > reweighing"

    artifacts = {item.path for item in client.list_artifacts(parent.info.run_id, "reports")}
    assert artifacts == {
        "reports/baseline_fairness_report.md",
        "reports/intervention_log.md",
        "reports/recommendation.md",
        "reports/metrics.json",
        "reports/validation_report.md",
        "reports/causal_analysis.md",
    }
    assert parent.data.tags["fairtrack.decision"] == document["decision"]["action"]
    assert document["statistics"]["family"]["correction"]


def test_registered_candidate_predicts_like_before(mlflow_store, tmp_path):
    document = quick(system=str(SYSTEMS / "german.yaml"), output_dir=str(tmp_path / "runs"))
    test = pd.read_parquet(f"{document['reports']['metrics'].rsplit('/', 1)[0]}/data/test.parquet")

    model = mlflow.pyfunc.load_model("models:/german@candidate")
    predictions = model.predict(test.drop(columns=[c for c in test.columns if c.startswith("__")]))

    selection_rate = document["selected"]["metrics"]["groups"]["sex"]
    expected = sum(group["selection_rate"]["value"] * group["count"] for group in selection_rate.values())
    assert int(predictions.sum()) == round(expected)


def test_same_seed_gives_identical_metrics(mlflow_store, tmp_path):
    first = quick(system=str(SYSTEMS / "german.yaml"), seed=3, output_dir=str(tmp_path / "a"))
    second = quick(system=str(SYSTEMS / "german.yaml"), seed=3, output_dir=str(tmp_path / "b"))

    assert first["baseline"]["metrics"] == second["baseline"]["metrics"]
    assert first["selected"]["metrics"] == second["selected"]["metrics"]
    assert first["data"]["fingerprint"] == second["data"]["fingerprint"]
    assert first["run_id"] != second["run_id"]


def test_suppression_drops_proxies_on_german(mlflow_store, tmp_path):
    for name in ("german.yaml", "german.dot"):
        shutil.copy(SYSTEMS / name, tmp_path / name)
    spec = yaml.safe_load((tmp_path / "german.yaml").read_text())
    spec["interventions"] = {"pre_processing": "suppression"}
    spec["contract"] = {"suite": str(SYSTEMS.parent / "data_contracts" / "german.json")}
    (tmp_path / "german.yaml").write_text(yaml.safe_dump(spec))

    document = quick(system=str(tmp_path / "german.yaml"), output_dir=str(tmp_path / "runs"))

    stage = document["stages"][1]
    assert stage["technique"] == "suppression"
    assert "sex" in stage["params"]["dropped_features"]
    assert "employment" not in stage["params"]["dropped_features"]


def test_failing_technique_falls_back_to_baseline(mlflow_store, tmp_path):
    path = write_system(tmp_path / "system", interventions={"pre_processing": "suppression"})

    document = quick(system=str(path), output_dir=str(tmp_path / "runs"))

    assert document["stages"][1]["status"] == "failed"
    assert "causal.graph" in document["stages"][1]["error"]
    assert document["selected"]["technique"] == "baseline"


def test_bad_input_rejected_before_mlflow(mlflow_store, tmp_path):
    frame = make_biased_frame()
    frame["group"] = "a"
    path = write_system(tmp_path / "system", frame)

    with pytest.raises(ContractError, match="column 'group'.*expected at least 2 distinct values"):
        quick(system=str(path), output_dir=str(tmp_path / "runs"))

    client = MlflowClient(mlflow_store)
    assert client.get_experiment_by_name("synthetic") is None
    assert client.search_registered_models() == []


def test_cli_prints_json_document(mlflow_store, tmp_path, capsys):
    status = main(["run", "quick", "--system", str(SYSTEMS / "german.yaml"), "--output-dir", str(tmp_path), "--json"])

    assert status == 0
    document = json.loads(capsys.readouterr().out)
    assert document["system"] == "german"
    assert set(document["registry"]) >= {"model", "baseline_version", "candidate_version"}
    assert document["decision"]["action"] in {"deploy", "review", "adjust", "reject"}
    for metric in document["baseline"]["metrics"].values():
        if isinstance(metric, dict) and "value" in metric:
            assert set(metric) >= {"value", "ci"}


def test_cli_bad_input_exits_with_two(mlflow_store, tmp_path, capsys):
    path = write_system(tmp_path / "system", protected=[{"column": "gender", "privileged": ["m"]}])

    status = main(["run", "quick", "--system", str(path)])

    assert status == 2
    error = capsys.readouterr().err
    assert "column 'gender': expect_column_to_exist" in error
    assert "breaks 1 expectation(s)" in error
