"""Tests of the causal analysis stage end to end, and of its document."""

import json
import re
import time

import pytest

from fairtrack.causal import DEPTHS, analyse_causal, read_dag, summarise_graph, write_causal_document
from fairtrack.data import load_system_data
from fairtrack.errors import SpecError
from fairtrack.spec import load_spec
from fairtrack.split import split_system_data
from tests.conftest import SYSTEMS, write_system

SYNTHETIC_DAG = """digraph synthetic {
  group -> income;     // pay differs by group
  income -> approved;  // income supports repayment
  group -> approved;   // a direct effect
  tenure -> approved;  // stable jobs support repayment
}
"""
SMALL_GRID = ((0.05, 0.1), (0.1, 0.5))


@pytest.fixture
def synthetic_spec(tmp_path):
    (tmp_path / "graph.dot").write_text(SYNTHETIC_DAG, encoding="utf-8")
    return load_spec(
        write_system(tmp_path, causal={"graph": "graph.dot"}, features={"legitimate_mediators": ["tenure"]})
    )


def run(spec, depth, **options):
    return analyse_causal(spec, load_system_data(spec), depth=depth, n_simulations=10, sensitivity_grid=SMALL_GRID, **options)


def test_analyse_causal_quick_roles_only(synthetic_spec):
    analysis = run(synthetic_spec, "quick")

    assert analysis.roles.mediators == ("income",)
    assert analysis.columns_outside_graph == ("region",)
    assert analysis.recommendation.targets == ("income",)
    assert analysis.privileged == ("a",)
    assert analysis.effects == ()
    assert analysis.identification is None
    assert analysis.refutations == ()


def test_analyse_causal_standard_effects(synthetic_spec):
    analysis = run(synthetic_spec, "standard")

    total = analysis.effect("total_effect")
    direct = analysis.effect("natural_direct_effect")
    indirect = analysis.effect("natural_indirect_effect")
    assert analysis.identification.adjustment_set == ()
    assert total.value > 0
    assert total.ci[0] < total.value < total.ci[1]
    assert direct.value + indirect.value == pytest.approx(total.value, abs=1e-9)
    assert [item.name for item in analysis.refutations] == ["placebo_treatment", "random_common_cause", "data_subset"]
    assert analysis.sensitivity is None
    assert analysis.independences is None


def test_analyse_causal_comprehensive_adds_sensitivity_and_independences(synthetic_spec):
    analysis = run(synthetic_spec, "comprehensive")

    assert len(analysis.sensitivity.new_effects) == len(SMALL_GRID[0])
    assert analysis.independences.n_tested > 0
    metrics = analysis.metrics()
    assert set(metrics) >= {
        "causal_total_effect",
        "causal_total_effect_ci_low",
        "causal_total_effect_ci_high",
        "causal_refutations_passed",
        "causal_independences_rejected",
    }


def test_analyse_causal_to_dict_is_json(synthetic_spec):
    document = run(synthetic_spec, "comprehensive").to_dict()

    parsed = json.loads(json.dumps(document))

    assert parsed["effects"]["total_effect"]["ci"][0] < parsed["effects"]["total_effect"]["value"]
    assert parsed["summary"]["mediators"] == ["income"]
    assert {edge["reason"] for edge in parsed["graph"]["edges"]} >= {"a direct effect"}
    assert parsed["depth"] == "comprehensive"


def test_analyse_causal_summary_matches_quick_track(synthetic_spec):
    analysis = run(synthetic_spec, "quick")

    expected = summarise_graph(
        read_dag(synthetic_spec.causal_graph), "group", "approved", synthetic_spec.features.legitimate_mediators
    )
    assert analysis.summary == expected


def test_analyse_causal_latent_confounder_not_identified(tmp_path):
    (tmp_path / "graph.dot").write_text(
        "digraph g { ability [latent=true]; ability -> group; ability -> approved; group -> approved; "
        "income -> approved; }",
        encoding="utf-8",
    )
    spec = load_spec(write_system(tmp_path, causal={"graph": "graph.dot"}))

    analysis = run(spec, "comprehensive")

    assert analysis.identification.identified is False
    assert all(effect.value is None for effect in analysis.effects)
    assert analysis.refutations == ()
    assert analysis.sensitivity is None
    assert "ability" in analysis.roles.latent


def test_analyse_causal_unknown_depth_rejected(synthetic_spec):
    with pytest.raises(SpecError, match=re.escape(str(sorted(DEPTHS)))):
        analyse_causal(synthetic_spec, load_system_data(synthetic_spec), depth="deep")


def test_analyse_causal_without_graph_rejected(tmp_path):
    spec = load_spec(write_system(tmp_path))

    with pytest.raises(SpecError, match="names no causal graph"):
        analyse_causal(spec, load_system_data(spec))


def test_analyse_causal_graph_node_missing_from_data_rejected(tmp_path):
    (tmp_path / "graph.dot").write_text("digraph g { group -> savings; savings -> approved; }", encoding="utf-8")
    spec = load_spec(write_system(tmp_path, causal={"graph": "graph.dot"}))

    with pytest.raises(SpecError, match=r"\['savings'\] are neither data columns"):
        analyse_causal(spec, load_system_data(spec))


def test_write_causal_document_files(synthetic_spec, tmp_path):
    analysis = run(synthetic_spec, "comprehensive")

    paths = write_causal_document(analysis, tmp_path / "report")

    assert set(paths) == {"document", "graph_png", "graph_svg", "json"}
    with open(paths["graph_png"], "rb") as png:
        assert png.read(8) == b"\x89PNG\r\n\x1a\n"
    with open(paths["graph_svg"], encoding="utf-8") as svg:
        assert "<svg" in svg.read()
    text = open(paths["document"], encoding="utf-8").read()
    for heading in ("## The causal graph", "## Roles", "## Recommended intervention points", "## Effects",
                    "## Refutations", "## Sensitivity to an unobserved common cause",
                    "## Implied conditional independences", "## Assumptions"):
        assert heading in text
    assert "![Causal graph with node roles](causal_graph.png)" in text
    assert "| `group` | `approved` | a direct effect |" in text
    assert json.loads(open(paths["json"], encoding="utf-8").read())["system"] == "synthetic"


def test_write_causal_document_quick_has_no_estimates(synthetic_spec, tmp_path):
    paths = write_causal_document(run(synthetic_spec, "quick"), tmp_path)

    text = open(paths["document"], encoding="utf-8").read()
    assert "## Effects" not in text
    assert "## Refutations" not in text
    assert "Warning: 'tenure' is declared a legitimate mediator, but the causal graph gives it no" in text


def test_analyse_causal_adult_quick_under_a_minute():
    spec = load_spec(SYSTEMS / "adult.yaml")
    train = split_system_data(spec).train

    started = time.perf_counter()
    analysis = analyse_causal(spec, train, depth="quick")
    elapsed = time.perf_counter() - started

    assert elapsed < 60
    assert analysis.recommendation.kept_mediators == ("education-num",)
    assert "relationship" in analysis.recommendation.targets


def test_analyse_causal_german_standard():
    spec = load_spec(SYSTEMS / "german.yaml")

    analysis = analyse_causal(spec, split_system_data(spec).train, depth="standard", n_simulations=20)

    total = analysis.effect("total_effect")
    assert total.identified is True
    assert total.ci[0] < total.value < total.ci[1]
    assert analysis.recommendation.kept_mediators == ("employment",)


def test_analyse_causal_compas_standard(compas_path):
    spec = load_spec(SYSTEMS / "compas.yaml").with_data_path(compas_path)

    analysis = analyse_causal(spec, split_system_data(spec).train, depth="standard", n_simulations=20)

    assert analysis.attribute == "race"
    assert analysis.privileged == ("Caucasian",)
    assert analysis.effect("total_effect").ci is not None
    assert "priors_count" in analysis.recommendation.targets


@pytest.mark.slow
@pytest.mark.parametrize("depth", DEPTHS)
def test_analyse_causal_adult_each_depth(depth, tmp_path):
    spec = load_spec(SYSTEMS / "adult.yaml")

    analysis = analyse_causal(spec, split_system_data(spec).train, depth=depth)
    paths = write_causal_document(analysis, tmp_path)

    assert analysis.depth == depth
    assert open(paths["document"], encoding="utf-8").read().startswith("# Causal analysis: adult")
    if depth != "quick":
        assert all(item.survives for item in analysis.refutations)


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"n_simulations": 5}, "n_simulations must be an integer of at least 10"),
        ({"sensitivity_grid": ((0.7,), (0.1,))}, "flip probabilities must lie between 0 and 0.5"),
        ({"sensitivity_grid": ((0.1,), (-1.0,))}, "outcome strengths must be at least 0"),
        ({"sensitivity_grid": ((), (0.1,))}, "at least one strength on each axis"),
    ],
    ids=["too_few_simulations", "flip_above_half", "negative_strength", "empty_axis"],
)
def test_analyse_causal_invalid_options_rejected(synthetic_spec, options, fragment):
    with pytest.raises(SpecError, match=fragment):
        analyse_causal(synthetic_spec, load_system_data(synthetic_spec), depth="comprehensive", **options)


def test_causal_command_writes_document(tmp_path, capsys):
    from fairtrack.cli import main

    status = main(["causal", "--system", str(SYSTEMS / "german.yaml"), "--output-dir", str(tmp_path), "--json"])

    assert status == 0
    document = json.loads(capsys.readouterr().out)
    assert document["documents"]["document"].endswith("causal_analysis.md")
    assert (tmp_path / "causal_analysis.md").is_file()
