"""The production configuration end to end: Prefect and MLflow servers on PostgreSQL.

The module creates its own databases in the PostgreSQL server on
127.0.0.1:5432, starts ``prefect server start`` and ``mlflow server`` on
them, serves the deployments with ``fairtrack serve``, drives runs through
Prefect's REST API and checks the registry over MLflow's REST API. It drops
its databases afterwards, and skips when no PostgreSQL server responds.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from mlflow import MlflowClient

from tests.conftest import ROOT, SYSTEMS

pytestmark = pytest.mark.postgres

POSTGRES = {"host": "127.0.0.1", "port": 5432, "user": "postgres"}
BIN = Path(sys.executable).parent
FINAL_STATES = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url: str, process: subprocess.Popen, log: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise TimeoutError(f"{url} did not answer within {timeout} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def databases():
    psycopg2 = pytest.importorskip("psycopg2")
    try:
        connection = psycopg2.connect(dbname="postgres", connect_timeout=3, **POSTGRES)
    except psycopg2.OperationalError as exc:
        pytest.skip(f"no PostgreSQL server answers on 127.0.0.1:5432 ({exc}); start one to run the production tests")

    connection.autocommit = True
    suffix = uuid.uuid4().hex[:8]
    names = {"prefect": f"fairtrack_prefect_{suffix}", "mlflow": f"fairtrack_mlflow_{suffix}"}
    with connection.cursor() as cursor:
        for name in names.values():
            cursor.execute(f'CREATE DATABASE "{name}"')
    yield names

    with connection.cursor() as cursor:
        for name in names.values():
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    connection.close()


@pytest.fixture(scope="module")
def servers(databases, tmp_path_factory):
    folder = tmp_path_factory.mktemp("production")
    prefect_port, mlflow_port = free_port(), free_port()
    postgres = f"{POSTGRES['user']}@{POSTGRES['host']}:{POSTGRES['port']}"
    environment = {
        **os.environ,
        "PREFECT_HOME": str(folder / "prefect-home"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_API_DATABASE_CONNECTION_URL": f"postgresql+asyncpg://{postgres}/{databases['prefect']}",
        "PREFECT_API_URL": f"http://127.0.0.1:{prefect_port}/api",
        "MLFLOW_TRACKING_URI": f"http://127.0.0.1:{mlflow_port}",
        "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR": "false",
    }
    processes = []

    def start(name: str, command: list[str], health: str) -> None:
        log = folder / f"{name}.log"
        process = subprocess.Popen(
            command, env=environment, cwd=ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT
        )
        processes.append(process)
        wait_for(health, process, log)

    try:
        start(
            "prefect",
            [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(prefect_port)],
            f"http://127.0.0.1:{prefect_port}/api/health",
        )
        start(
            "mlflow",
            [
                str(BIN / "mlflow"), "server",
                "--backend-store-uri", f"postgresql+psycopg2://{postgres}/{databases['mlflow']}",
                "--artifacts-destination", str(folder / "artifacts"),
                "--host", "127.0.0.1", "--port", str(mlflow_port), "--workers", "1",
            ],
            f"http://127.0.0.1:{mlflow_port}/health",
        )
        serve_log = folder / "serve.log"
        serve = subprocess.Popen(
            [str(BIN / "fairtrack"), "serve", "--systems-dir", str(SYSTEMS)],
            env=environment,
            cwd=ROOT,
            stdout=serve_log.open("w"),
            stderr=subprocess.STDOUT,
        )
        processes.append(serve)
        api = environment["PREFECT_API_URL"]
        wait_for(f"{api}/deployments/name/rollback/rollback", serve, serve_log)
        yield {"api": api, "mlflow": environment["MLFLOW_TRACKING_URI"], "folder": folder}
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


def start_run(api: str, flow: str, deployment: str, parameters: dict) -> str:
    found = httpx.get(f"{api}/deployments/name/{flow}/{deployment}", timeout=10)
    found.raise_for_status()
    created = httpx.post(
        f"{api}/deployments/{found.json()['id']}/create_flow_run", json={"parameters": parameters}, timeout=10
    )
    created.raise_for_status()
    return created.json()["id"]


def wait_for_runs(api: str, run_ids: list[str], timeout: float = 900) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    states: dict[str, str] = {}
    while time.monotonic() < deadline:
        for run_id in run_ids:
            state = httpx.get(f"{api}/flow_runs/{run_id}", timeout=10).json()["state"]["type"]
            states[run_id] = state
        if all(state in FINAL_STATES for state in states.values()):
            return states
        time.sleep(2)
    raise TimeoutError(f"flow runs still running after {timeout} s: {states}")


def aliases_over_http(mlflow_url: str, model: str) -> dict[str, str]:
    response = httpx.get(f"{mlflow_url}/api/2.0/mlflow/registered-models/get", params={"name": model}, timeout=10)
    response.raise_for_status()
    return {item["alias"]: item["version"] for item in response.json()["registered_model"].get("aliases", [])}


def test_quick_promote_and_rollback_through_api(servers, monkeypatch):
    api, mlflow_url = servers["api"], servers["mlflow"]
    output = str(servers["folder"] / "runs")

    run_id = start_run(api, "quick", "german", {"output_dir": output})
    assert wait_for_runs(api, [run_id]) == {run_id: "COMPLETED"}

    aliases = aliases_over_http(mlflow_url, "german")
    assert set(aliases) == {"baseline", "candidate"}

    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_url)
    from fairtrack.registry import promote, read_audit, record_approval

    record_approval("german", "approve", reviewer="statistical_validator", comment="integration test")
    assert promote("german", actor="release-manager").changed
    assert aliases_over_http(mlflow_url, "german")["champion"] == aliases["candidate"]

    rollback_id = start_run(
        api, "rollback", "rollback", {"system": "german", "mode": "emergency", "reason": "integration drill"}
    )
    assert wait_for_runs(api, [rollback_id]) == {rollback_id: "COMPLETED"}

    assert aliases_over_http(mlflow_url, "german")["champion"] == aliases["baseline"]
    events = read_audit("german")
    assert [event["action"] for event in events] == ["register", "approval:approve", "promote", "rollback:emergency"]
    assert events[-1]["reason"] == "integration drill"


def test_concurrent_runs_register_each_version_once(servers, monkeypatch):
    api, mlflow_url = servers["api"], servers["mlflow"]
    output = str(servers["folder"] / "concurrent")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_url)
    client = MlflowClient(mlflow_url)
    before = {system: len(client.search_model_versions(f"name = '{system}'")) for system in ("adult", "german")}

    run_ids = [
        start_run(api, "quick", system, {"seed": seed, "output_dir": output})
        for system in ("adult", "german")
        for seed in (1, 2)
    ]
    states = wait_for_runs(api, run_ids)

    assert set(states.values()) == {"COMPLETED"}
    for system in ("adult", "german"):
        versions = client.search_model_versions(f"name = '{system}'")
        assert len(versions) == before[system] + 4
        roles = [(version.tags["fairtrack.run_id"], version.tags["fairtrack.role"]) for version in versions]
        assert len(roles) == len(set(roles))

        experiment = client.get_experiment_by_name(system)
        parents = client.search_runs(
            [experiment.experiment_id], filter_string="tags.`fairtrack.track` = 'quick'", order_by=["attributes.end_time DESC"]
        )
        last = parents[0].info.run_id
        aliases = aliases_over_http(mlflow_url, system)
        for alias in ("baseline", "candidate"):
            assert client.get_model_version(system, aliases[alias]).tags["fairtrack.run_id"] == last
