"""Tests of the role classification on small hand-made graphs."""

import networkx as nx
import pytest

from fairtrack.causal import classify_roles, read_dag
from tests.conftest import SYSTEMS

# Each case: edges, latent nodes, then every role list expected exactly.
CASES = {
    "confounder": (
        [("c", "a"), ("c", "y"), ("a", "y")],
        (),
        {"confounders": ("c",), "mediators": (), "colliders": (), "off_path_descendants": (), "other": ()},
    ),
    "mediator": (
        [("a", "m"), ("m", "y"), ("a", "y")],
        (),
        {"confounders": (), "mediators": ("m",), "colliders": (), "off_path_descendants": (), "other": ()},
    ),
    "collider": (
        [("a", "k"), ("y", "k"), ("a", "y")],
        (),
        {"confounders": (), "mediators": (), "colliders": ("k",), "off_path_descendants": ("k",), "other": ()},
    ),
    "m_bias": (
        [("u1", "a"), ("u1", "c"), ("u2", "c"), ("u2", "y"), ("a", "y")],
        ("u1", "u2"),
        {"confounders": (), "mediators": (), "colliders": ("c",), "off_path_descendants": (), "other": ("u1", "u2")},
    ),
    "proxy": (
        [("a", "p"), ("a", "y"), ("z", "y")],
        (),
        {"confounders": (), "mediators": (), "colliders": (), "off_path_descendants": ("p",), "other": ("z",)},
    ),
    "mediator_and_collider": (
        [("a", "m"), ("m", "y"), ("u", "m"), ("u", "y")],
        ("u",),
        {"confounders": (), "mediators": ("m",), "colliders": ("m",), "off_path_descendants": (), "other": ("u",)},
    ),
    "collider_off_every_path": (
        # k has two parents, but no path between a and y runs through both.
        [("a", "y"), ("p", "k"), ("q", "k"), ("p", "q")],
        (),
        {"confounders": (), "mediators": (), "colliders": (), "off_path_descendants": (), "other": ("k", "p", "q")},
    ),
}


def make_graph(edges, latent):
    graph = nx.DiGraph(edges)
    for node in graph:
        graph.nodes[node]["latent"] = node in latent
    return graph


@pytest.mark.parametrize("case", sorted(CASES))
def test_classify_roles_hand_made_graph(case):
    edges, latent, expected = CASES[case]

    roles = classify_roles(make_graph(edges, latent), "a", "y")

    assert roles.confounders == expected["confounders"]
    assert roles.mediators == expected["mediators"]
    assert roles.colliders == expected["colliders"]
    assert roles.off_path_descendants == expected["off_path_descendants"]
    assert roles.other == expected["other"]
    assert roles.latent == tuple(sorted(latent))


def test_classify_roles_main_role_order():
    roles = classify_roles(make_graph(CASES["mediator_and_collider"][0], ("u",)), "a", "y")

    assert roles.roles_of("m") == ("mediator", "collider")
    assert roles.main_role("m") == "mediator"
    assert roles.main_role("a") == "protected_attribute"
    assert roles.main_role("y") == "outcome"


def test_classify_roles_adult_sex():
    graph = read_dag(SYSTEMS / "adult.dot")

    roles = classify_roles(graph, "sex", "income")

    assert "education-num" in roles.mediators
    assert "relationship" in roles.mediators
    assert "sex" not in roles.other
    assert set(roles.confounders).isdisjoint(roles.mediators)
