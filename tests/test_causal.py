"""Tests of the causal graph reader and variable roles."""

import networkx as nx
import pytest

from fairtrack.causal import read_dag, summarise_graph
from fairtrack.errors import SpecError
from fairtrack.spec import load_spec
from tests.conftest import SYSTEMS


def write_dot(tmp_path, body):
    path = tmp_path / "graph.dot"
    path.write_text(f"digraph g {{ {body} }}", encoding="utf-8")
    return path


def test_roles_on_small_graph(tmp_path):
    graph = read_dag(
        write_dot(tmp_path, 'region -> a; region -> y; a -> "job-type"; "job-type" -> y; a -> hobby; a -> y;')
    )

    summary = summarise_graph(graph, "a", "y", legitimate_mediators=("job-type",))

    assert summary.confounders == ("region",)
    assert summary.proxy_candidates == ("hobby", "job-type")
    assert summary.mediators == ("job-type",)
    assert summary.legitimate_mediators == ("job-type",)


def test_cycle_rejected(tmp_path):
    with pytest.raises(SpecError, match="has a cycle"):
        read_dag(write_dot(tmp_path, "a -> b; b -> c; c -> a;"))


def test_label_missing_from_graph_rejected(tmp_path):
    graph = read_dag(write_dot(tmp_path, "a -> b;"))

    with pytest.raises(SpecError, match="the label 'y' is not a node"):
        summarise_graph(graph, "a", "y")


def test_undirected_graph_rejected(tmp_path):
    path = tmp_path / "graph.dot"
    path.write_text("graph g { a -- b; }", encoding="utf-8")

    with pytest.raises(SpecError, match="must be a 'digraph'"):
        read_dag(path)


@pytest.mark.parametrize("name", ["adult", "german", "compas"])
def test_bundled_graphs_are_dags(name):
    spec = load_spec(SYSTEMS / f"{name}.yaml")

    graph = read_dag(spec.causal_graph)

    assert nx.is_directed_acyclic_graph(graph)
    for attribute in spec.protected_columns:
        assert attribute in graph
    assert spec.label.column in graph


def test_adult_proxies_of_sex():
    spec = load_spec(SYSTEMS / "adult.yaml")

    summary = summarise_graph(read_dag(spec.causal_graph), "sex", "income", ("education-num",))

    assert "relationship" in summary.proxy_candidates
    assert summary.legitimate_mediators == ("education-num",)
