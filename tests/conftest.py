"""Shared fixtures: isolated Prefect and MLflow state, and small data sets.

Prefect reads PREFECT_HOME when it is first imported, so it is set here,
before any test module imports Prefect.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix="fairtrack-prefect-")
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.pop("PREFECT_API_URL", None)

ROOT = Path(__file__).resolve().parents[1]
SYSTEMS = ROOT / "systems"
SHARED_DATASETS = Path(os.environ.get("FAIRTRACK_TEST_DATASETS", ROOT.parent / "shared" / "datasets"))


@pytest.fixture(scope="session")
def prefect_server():
    """Run flows against one temporary Prefect server for the whole session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture
def mlflow_store(tmp_path, monkeypatch):
    """Point MLflow at a fresh SQLite store and run from a fresh working directory."""
    import mlflow

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.chdir(tmp_path)
    mlflow.set_tracking_uri(uri)
    yield uri
    while mlflow.active_run() is not None:
        mlflow.end_run()


@pytest.fixture
def compas_path():
    """The de-identified COMPAS file, which is not bundled."""
    path = SHARED_DATASETS / "compas-two-years.csv.gz"
    if not path.is_file():
        pytest.skip(f"COMPAS file not found at {path}; set FAIRTRACK_TEST_DATASETS to its folder")
    return path


def make_biased_frame(n_rows: int = 2000, seed: int = 0) -> pd.DataFrame:
    """A small synthetic credit data set whose label depends on group membership."""
    rng = np.random.default_rng(seed)
    group = rng.choice(["a", "b"], size=n_rows, p=[0.6, 0.4])
    income = rng.normal(50, 10, size=n_rows) + np.where(group == "a", 5, -5)
    tenure = rng.integers(0, 20, size=n_rows)
    region = rng.choice(["north", "south", "east"], size=n_rows)
    logit = 0.08 * (income - 50) + 0.05 * (tenure - 10) + np.where(group == "a", 0.8, -0.8)
    approved = rng.random(n_rows) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame(
        {
            "income": income.round(2),
            "tenure": tenure,
            "region": region,
            "group": group,
            "approved": np.where(approved, "yes", "no"),
        }
    )


def write_system(folder: Path, frame: pd.DataFrame | None = None, **overrides) -> Path:
    """Write a CSV and a specification for it; keyword arguments replace top-level keys."""
    folder.mkdir(parents=True, exist_ok=True)
    data_file = folder / "data.csv"
    (frame if frame is not None else make_biased_frame()).to_csv(data_file, index=False)
    spec = {
        "name": "synthetic",
        "data": {"path": "data.csv", "split": {"test_size": 0.3, "validation_size": 0.2}},
        "label": {"column": "approved", "positive": "yes"},
        "protected": [{"column": "group", "privileged": ["a"]}],
        "validation": {"n_bootstrap": 200},
        "seed": 0,
    }
    spec.update(overrides)
    path = folder / "system.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path
