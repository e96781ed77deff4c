"""Tests of the system specification loader."""

from pathlib import Path

import pytest
import yaml

from fairtrack.errors import SpecError
from fairtrack.spec import BUNDLED_DIR, load_spec, resolve_data_path
from tests.conftest import SYSTEMS, write_system


@pytest.mark.parametrize("name", ["adult", "german", "compas"])
def test_bundled_spec_loads(name):
    spec = load_spec(SYSTEMS / f"{name}.yaml")

    assert spec.name == name
    assert spec.causal_graph.is_file()
    assert spec.protected_columns[0] == spec.protected[0].column


def test_bundled_data_paths_resolve():
    spec = load_spec(SYSTEMS / "adult.yaml")

    assert Path(resolve_data_path(spec.data.path)) == BUNDLED_DIR / "adult.data.gz"
    assert Path(resolve_data_path(spec.data.test_path)).is_file()


def test_spec_relative_path_resolved_against_file(tmp_path):
    spec = load_spec(write_system(tmp_path))

    assert spec.data.path == str(tmp_path / "data.csv")


def test_spec_missing_file_names_path(tmp_path):
    with pytest.raises(SpecError, match="nowhere.yaml.*not found"):
        load_spec(tmp_path / "nowhere.yaml")


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"risk_tier": "extreme"}, r"risk_tier 'extreme' is not supported.*'critical', 'high', 'low', 'medium'"),
        ({"colour": "blue"}, r"unknown key\(s\) \['colour'\] at the top level"),
        ({"label": {"column": "approved"}}, "exactly one of 'positive'.*got neither"),
        (
            {"label": {"column": "approved", "positive": "yes", "mapping": {"yes": 1, "no": 0}}},
            "got both",
        ),
        ({"label": {"column": "approved", "mapping": {"yes": 1, "no": 1}}}, "both 0 and 1"),
        ({"protected": []}, "protected must be a non-empty list"),
        ({"protected": [{"column": "group"}]}, r"protected\[0\].privileged must be a non-empty list"),
        (
            {"protected": [{"column": "age", "bins": [0, 25], "privileged": ["old"]}]},
            "bins must be an increasing list",
        ),
        (
            {"fairness": {"metric": "accuracy"}},
            "fairness.metric 'accuracy' is not supported",
        ),
        ({"fairness": {"attribute": "region"}}, "fairness.attribute 'region' is not a protected attribute"),
        ({"validation": {"n_bootstrap": 10}}, "validation.n_bootstrap must be an integer of at least 100"),
        ({"model": {"family": "svm"}}, "model.family 'svm' is not supported"),
    ],
)
def test_spec_invalid_value_rejected(tmp_path, override, message):
    path = write_system(tmp_path, **override)

    with pytest.raises(SpecError, match=message):
        load_spec(path)


def test_spec_invalid_yaml_rejected(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("name: [unclosed\n", encoding="utf-8")

    with pytest.raises(SpecError, match="broken.yaml.*not valid YAML"):
        load_spec(path)


def test_spec_overrides_return_copies(tmp_path):
    spec = load_spec(write_system(tmp_path))

    assert spec.with_seed(7).seed == 7
    assert spec.seed == 0
    assert spec.with_data_path("other.csv").data.path == "other.csv"


def test_spec_error_is_value_error(tmp_path):
    path = tmp_path / "system.yaml"
    path.write_text(yaml.safe_dump({"name": "x"}), encoding="utf-8")

    with pytest.raises(ValueError, match="missing required key 'data'"):
        load_spec(path)
