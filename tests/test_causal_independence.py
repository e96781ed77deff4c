"""Tests of the implied conditional independences and their tests against data."""

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from fairtrack.causal import check_implied_independences, implied_independences, read_dag
from fairtrack.causal.encoding import CausalFrame
from tests.conftest import SYSTEMS


def make_graph(edges, latent=()):
    graph = nx.DiGraph(edges)
    for node in graph:
        graph.nodes[node]["latent"] = node in latent
    return graph


def chain_frame(direct_edge: bool, n_rows=3000, seed=0):
    """x -> m -> y, with a categorical m; y also depends on x when ``direct_edge``."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n_rows)
    m = np.where(x + rng.normal(size=n_rows) > 0, "high", "low")
    y = (m == "high") * 1.0 + (0.5 * x if direct_edge else 0.0) + rng.normal(size=n_rows)
    frame = pd.DataFrame({"x": x, "m": pd.Series(m).astype("category"), "y": y})
    return CausalFrame(frame=frame, attribute="x", outcome="y", privileged=("1",), encoding={})


def test_implied_independences_chain():
    graph = make_graph([("x", "m"), ("m", "y")])

    assert implied_independences(graph) == [("y", "x", ("m",))]


def test_implied_independences_skip_latent_nodes():
    graph = make_graph([("u", "a"), ("u", "b"), ("c", "b")], latent=("u",))

    triples = implied_independences(graph)

    assert all("u" not in (node, other) for node, other, _ in triples)
    assert ("c", "a", ()) in triples


@pytest.mark.parametrize("name", ["adult", "german", "compas"])
def test_implied_independences_bundled_graphs_d_separated(name):
    graph = read_dag(SYSTEMS / f"{name}.dot")

    for node, other, given in implied_independences(graph):
        assert nx.is_d_separator(graph, {node}, {other}, set(given)), (node, other, given)


def test_check_implied_independences_holds_for_true_graph():
    report = check_implied_independences(make_graph([("x", "m"), ("m", "y")]), chain_frame(False), 0.05)

    assert report.n_tested == 1
    assert report.n_rejected == 0
    assert report.survives is True
    assert report.tests[0].partial_r2 < 0.01


def test_check_implied_independences_rejects_missing_edge():
    report = check_implied_independences(make_graph([("x", "m"), ("m", "y")]), chain_frame(True), 0.05)

    assert report.n_rejected == 1
    assert report.tests[0].statement() == "y ⊥ x | m"
    assert report.tests[0].partial_r2 > 0.05


def test_check_implied_independences_determined_response_untestable():
    frame = chain_frame(False).frame
    frame["m_code"] = (frame["m"] == "high").astype(float)
    data = CausalFrame(frame=frame, attribute="x", outcome="y", privileged=("1",), encoding={})
    graph = make_graph([("x", "m"), ("m", "y"), ("m", "m_code")])

    report = check_implied_independences(graph, data, 0.05)

    untestable = [test for test in report.tests if test.rejected is None]
    assert untestable
    assert all("determined" in test.note for test in untestable)


def test_check_implied_independences_latent_parent_untestable():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(size=200), "c": rng.normal(size=200)})
    data = CausalFrame(frame=frame, attribute="a", outcome="b", privileged=("1",), encoding={})
    graph = make_graph([("u", "a"), ("u", "b"), ("c", "b")], latent=("u",))

    report = check_implied_independences(graph, data, 0.05)

    notes = {test.statement(): test.note for test in report.tests}
    assert "latent parent" in notes["b ⊥ a | c, u"]
