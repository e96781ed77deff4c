"""Tests of identification and effect estimation on synthetic structural causal models."""

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from fairtrack.causal import (
    classify_roles,
    estimate_natural_effects,
    estimate_total_effect,
    identify_natural_effects,
    identify_total_effect,
)
from fairtrack.causal.encoding import CausalFrame

# Coefficients of the linear model below: a -> y directly and through m.
A_TO_Y, A_TO_M, M_TO_Y = 1.5, 0.8, 2.0
TRUE_TOTAL, TRUE_DIRECT, TRUE_INDIRECT = A_TO_Y + A_TO_M * M_TO_Y, A_TO_Y, A_TO_M * M_TO_Y
LINEAR_EDGES = [("c", "a"), ("c", "m"), ("c", "y"), ("a", "m"), ("m", "y"), ("a", "y"), ("region", "y")]


def make_graph(edges, latent=()):
    graph = nx.DiGraph(edges)
    for node in graph:
        graph.nodes[node]["latent"] = node in latent
    return graph


def linear_scm(n_rows=2000, seed=0):
    """A confounded, mediated linear model with a categorical cause of y."""
    rng = np.random.default_rng(seed)
    c = rng.normal(size=n_rows)
    region = rng.choice(["east", "north", "south"], size=n_rows)
    a = (c + rng.normal(size=n_rows) > 0).astype(np.int64)
    m = A_TO_M * a + 0.5 * c + rng.normal(size=n_rows)
    region_effect = np.select([region == "south", region == "east"], [0.5, -0.5], 0.0)
    y = A_TO_Y * a + M_TO_Y * m + 1.0 * c + region_effect + rng.normal(size=n_rows)
    frame = pd.DataFrame({"a": a, "c": c, "m": m, "region": pd.Series(region).astype("category"), "y": y})
    return CausalFrame(frame=frame, attribute="a", outcome="y", privileged=("1",), encoding={})


def estimate_all(graph, data):
    identified = identify_total_effect(graph, data)
    total, dowhy_estimate = estimate_total_effect(identified, 0.95)
    natural = identify_natural_effects(
        graph, classify_roles(graph, "a", "y"), identified.identification, set(data.frame.columns)
    )
    direct, indirect = estimate_natural_effects(data, natural, 0.95)
    return identified, total, direct, indirect, dowhy_estimate


def test_estimate_effects_linear_scm_within_ci():
    identified, total, direct, indirect, _ = estimate_all(make_graph(LINEAR_EDGES), linear_scm())

    assert identified.identification.adjustment_set == ("c",)
    assert total.ci[0] <= TRUE_TOTAL <= total.ci[1]
    assert direct.ci[0] <= TRUE_DIRECT <= direct.ci[1]
    assert indirect.ci[0] <= TRUE_INDIRECT <= indirect.ci[1]
    assert "backdoor.linear_regression" in total.estimator
    assert "HC0" in direct.estimator


def test_estimate_effects_intervals_exclude_wrong_values():
    _, total, direct, _, _ = estimate_all(make_graph(LINEAR_EDGES), linear_scm())

    assert not total.ci[0] <= TRUE_DIRECT <= total.ci[1]
    assert not direct.ci[0] <= TRUE_TOTAL <= direct.ci[1]


def test_identify_total_effect_latent_confounder_not_identified():
    graph = make_graph([("u", "a"), ("u", "y"), ("a", "y")], latent=("u",))
    data = linear_scm()
    data = CausalFrame(data.frame[["a", "y"]], "a", "y", ("1",), {})

    identified, total, direct, indirect, dowhy_estimate = estimate_all(graph, data)

    assert identified.identification.identified is False
    assert "['u']" in identified.identification.reason
    assert total.value is None
    assert direct.value is None
    assert indirect.value is None
    assert dowhy_estimate is None


def test_identify_total_effect_m_bias_excludes_collider():
    graph = make_graph(
        [("u1", "a"), ("u1", "c"), ("u2", "c"), ("u2", "y"), ("a", "y")], latent=("u1", "u2")
    )
    data = linear_scm()
    data = CausalFrame(data.frame[["a", "c", "y"]], "a", "y", ("1",), {})

    identified = identify_total_effect(graph, data)

    assert identified.identification.identified is True
    assert identified.identification.adjustment_set == ()


def test_identify_total_effect_without_directed_path():
    graph = make_graph([("a", "m"), ("c", "y")])

    identified = identify_total_effect(graph, linear_scm())

    assert identified.identification.identified is False
    assert "no directed path" in identified.identification.reason


@pytest.mark.parametrize(
    ("edges", "latent", "fragment"),
    [
        ([("a", "m"), ("m", "y"), ("a", "y"), ("u", "m"), ("u", "y")], ("u",), "Latent node(s) ['u'] cause both"),
        ([("a", "v"), ("v", "y"), ("a", "y")], ("v",), "latent"),
        ([("a", "y"), ("c", "y")], (), "whole effect is direct"),
    ],
    ids=["mediator_outcome_confounder", "latent_mediator", "no_mediator"],
)
def test_identify_natural_effects_not_identified(edges, latent, fragment):
    graph = make_graph(edges, latent)
    observed = {node for node in graph if node not in latent}
    total = identify_total_effect(graph, CausalFrame(linear_scm().frame[sorted(observed)], "a", "y", ("1",), {}))

    natural = identify_natural_effects(graph, classify_roles(graph, "a", "y"), total.identification, observed)

    assert natural.identified is False
    assert fragment in natural.reason


def test_identify_natural_effects_extends_adjustment_for_mediator_confounder():
    # c confounds m and y but not a, so the empty back-door set must grow.
    graph = make_graph([("a", "m"), ("m", "y"), ("a", "y"), ("c", "m"), ("c", "y")])
    data = linear_scm()
    total = identify_total_effect(graph, data)

    natural = identify_natural_effects(graph, classify_roles(graph, "a", "y"), total.identification, set(data.frame.columns))

    assert total.identification.adjustment_set == ()
    assert natural.identified is True
    assert natural.adjustment_set == ("c",)
