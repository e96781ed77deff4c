"""Structural checks of the deployment and infrastructure files (no Docker engine needed)."""

import re

import yaml

from deployments.serve import build_deployments
from tests.conftest import ROOT, SYSTEMS


def test_compose_services_are_consistent():
    compose = yaml.safe_load((ROOT / "infra" / "compose.yaml").read_text())
    services = compose["services"]

    assert {"postgres", "minio", "prefect-server", "prefect-worker", "mlflow"} <= set(services)
    for name, service in services.items():
        assert "image" in service or "build" in service, name
        for dependency in service.get("depends_on", []):
            assert dependency in services, f"{name} depends on unknown service {dependency}"


def test_compose_variables_have_examples():
    text = (ROOT / "infra" / "compose.yaml").read_text()
    example = (ROOT / "infra" / ".env.example").read_text()

    needed = set(re.findall(r"\$\{([A-Z_]+)", text))
    provided = set(re.findall(r"^([A-Z_]+)=", example, flags=re.MULTILINE))
    assert needed <= provided


def test_prefect_yaml_entrypoints_exist():
    document = yaml.safe_load((ROOT / "deployments" / "prefect.yaml").read_text())

    for deployment in document["deployments"]:
        path, _, flow_name = deployment["entrypoint"].partition(":")
        assert (ROOT / path).is_file(), deployment["name"]
        assert f"def {flow_name}(" in (ROOT / path).read_text()
        system = deployment.get("parameters", {}).get("system")
        if system:
            assert (ROOT / system).is_file()


def test_served_deployments_cover_every_system():
    deployments = build_deployments(SYSTEMS)

    names = {(deployment.flow_name, deployment.name) for deployment in deployments}
    assert {("quick", "adult"), ("quick", "german"), ("quick", "compas"), ("rollback", "rollback")} <= names
    assert ("standard", "german") in names
    weekly = [d for d in deployments if d.flow_name == "standard"]
    assert all(d.schedules and d.schedules[0].schedule.cron == "0 3 * * 1" for d in weekly)
