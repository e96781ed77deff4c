"""Tests of reading a DAG's latent nodes and edge reasons, and of checking it against the data."""

import re

import networkx as nx
import pytest

from fairtrack.causal import read_dag, validate_dag
from fairtrack.causal.validation import (
    CYCLE_MESSAGE,
    LATENT_COLUMN_MESSAGE,
    LATENT_ROLE_MESSAGE,
    MISSING_ROLE_MESSAGE,
    UNKNOWN_NODE_MESSAGE,
)
from fairtrack.errors import SpecError
from fairtrack.spec import load_spec
from tests.conftest import SYSTEMS

COLUMNS = ("a", "m", "y", "z")


def write_dot(tmp_path, body):
    path = tmp_path / "graph.dot"
    path.write_text(f"digraph g {{\n{body}\n}}\n", encoding="utf-8")
    return path


def test_read_dag_latent_nodes(tmp_path):
    graph = read_dag(write_dot(tmp_path, 'u [latent=true];\nv [observed="no"];\nu -> a;\nv -> y;\na -> y;'))

    assert graph.nodes["u"]["latent"] is True
    assert graph.nodes["v"]["latent"] is True
    assert graph.nodes["a"]["latent"] is False


def test_read_dag_edge_reasons(tmp_path):
    body = 'a -> m;   // a causes m\n"m" -> y [color=red]; // m causes y\nz -> y;'

    graph = read_dag(write_dot(tmp_path, body))

    assert graph.edges["a", "m"]["reason"] == "a causes m"
    assert graph.edges["m", "y"]["reason"] == "m causes y"
    assert "reason" not in graph.edges["z", "y"]


@pytest.mark.parametrize("name", ["adult", "german", "compas"])
def test_read_dag_bundled_edges_have_reasons(name):
    graph = read_dag(SYSTEMS / f"{name}.dot")

    unexplained = [edge for edge in graph.edges if not graph.edges[edge].get("reason")]

    assert unexplained == []


def test_validate_dag_accepts_valid_graph(tmp_path):
    graph = read_dag(write_dot(tmp_path, "u [latent=true];\nu -> a;\nu -> y;\na -> m;\nm -> y;"))

    outside = validate_dag(graph, COLUMNS, "a", "y", "graph.dot")

    assert outside == ("z",)


def test_validate_dag_cycle_rejected():
    graph = nx.DiGraph([("a", "m"), ("m", "y"), ("y", "a")])

    with pytest.raises(SpecError, match=CYCLE_MESSAGE) as error:
        validate_dag(graph, COLUMNS, "a", "y", "cyclic.dot")

    assert "'cyclic.dot'" in str(error.value)
    assert "a -> m -> y -> a" in str(error.value)


def test_read_dag_cycle_rejected(tmp_path):
    with pytest.raises(SpecError, match=CYCLE_MESSAGE):
        read_dag(write_dot(tmp_path, "a -> m; m -> y; y -> a;"))


def test_validate_dag_node_missing_from_data_rejected(tmp_path):
    graph = read_dag(write_dot(tmp_path, "a -> income_band; income_band -> y;"))

    with pytest.raises(SpecError, match=UNKNOWN_NODE_MESSAGE) as error:
        validate_dag(graph, COLUMNS, "a", "y", "graph.dot")

    message = str(error.value)
    assert "['income_band']" in message
    assert "'graph.dot'" in message
    assert "[latent=true]" in message


def test_validate_dag_without_label_rejected(tmp_path):
    graph = read_dag(write_dot(tmp_path, "a -> m; m -> z;"))

    with pytest.raises(SpecError, match=re.escape(f"the label 'y' {MISSING_ROLE_MESSAGE}")) as error:
        validate_dag(graph, COLUMNS, "a", "y", "graph.dot")

    assert "Add 'y' to the DOT file" in str(error.value)


def test_validate_dag_without_attribute_rejected(tmp_path):
    graph = read_dag(write_dot(tmp_path, "m -> y;"))

    with pytest.raises(SpecError, match=re.escape(f"the protected attribute 'a' {MISSING_ROLE_MESSAGE}")):
        validate_dag(graph, COLUMNS, "a", "y", "graph.dot")


def test_validate_dag_latent_label_rejected(tmp_path):
    graph = read_dag(write_dot(tmp_path, "y [latent=true]; a -> y;"))

    with pytest.raises(SpecError, match=re.escape(f"the label 'y' {LATENT_ROLE_MESSAGE}")):
        validate_dag(graph, COLUMNS, "a", "y", "graph.dot")


def test_validate_dag_latent_column_rejected(tmp_path):
    graph = read_dag(write_dot(tmp_path, "z [latent=true]; z -> a; z -> y; a -> y;"))

    with pytest.raises(SpecError, match=LATENT_COLUMN_MESSAGE) as error:
        validate_dag(graph, COLUMNS, "a", "y", "graph.dot")

    assert "['z']" in str(error.value)


@pytest.mark.parametrize("name", ["adult", "german"])
def test_validate_dag_bundled_graph_matches_columns(name):
    from fairtrack.causal.encoding import available_columns
    from fairtrack.data import load_system_data

    spec = load_spec(SYSTEMS / f"{name}.yaml")
    data = load_system_data(spec)

    outside = validate_dag(
        read_dag(spec.causal_graph),
        available_columns(spec, data),
        spec.primary_attribute.column,
        spec.label.column,
        str(spec.causal_graph),
    )

    assert outside == ()
