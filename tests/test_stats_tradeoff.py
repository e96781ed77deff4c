"""Tests of the fairness-utility Pareto frontier and its plot."""

import math

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from fairtrack.errors import StatisticsError
from fairtrack.stats import TradeoffPoint, pareto_frontier, plot_tradeoff, write_tradeoff_plot

POINTS = [
    TradeoffPoint("baseline", fairness=0.20, utility=0.80),
    TradeoffPoint("reweighing", fairness=0.10, utility=0.79, strength=1.0, fairness_ci=(0.08, 0.12)),
    TradeoffPoint("reweighing", fairness=0.12, utility=0.78, strength=0.5),  # dominated by strength 1.0
    TradeoffPoint("threshold", fairness=0.02, utility=0.70, strength=0.9),  # below the threshold
    TradeoffPoint("broken", fairness=math.nan, utility=0.90),
]


@pytest.fixture
def frontier():
    return pareto_frontier(POINTS, "demographic_parity_difference", "balanced_accuracy", baseline_utility=0.80)


def test_tradeoff_marks_pareto_points(frontier):
    assert frontier.points["on_frontier"].tolist() == [True, True, False, True, False]
    assert frontier.frontier["technique"].tolist() == ["threshold", "reweighing", "baseline"]


def test_tradeoff_threshold_from_max_utility_loss(frontier):
    assert frontier.utility_threshold == pytest.approx(0.76)
    assert frontier.points["meets_threshold"].tolist() == [True, True, True, False, False]


def test_tradeoff_ratio_is_fairer_when_higher():
    points = [TradeoffPoint("a", 0.9, 0.7), TradeoffPoint("b", 0.8, 0.7)]

    frontier = pareto_frontier(points, "demographic_parity_ratio", "accuracy", baseline_utility=0.7)

    assert frontier.points["on_frontier"].tolist() == [True, False]


def test_tradeoff_point_from_document():
    document = {
        "demographic_parity_difference": {"value": 0.1, "ci": [0.05, 0.15]},
        "balanced_accuracy": {"value": None, "ci": None, "reason": "only one label class is present"},
    }

    point = TradeoffPoint.from_document("reweighing", document, "demographic_parity_difference", "balanced_accuracy")

    assert point.fairness_ci == (0.05, 0.15)
    assert math.isnan(point.utility)


def test_tradeoff_plot_uses_agg_canvas(frontier):
    figure = plot_tradeoff(frontier)

    assert isinstance(figure.canvas, FigureCanvasAgg)
    labels = [text.get_text() for text in figure.axes[0].get_legend().get_texts()]
    assert "utility threshold 0.760" in labels


def test_tradeoff_writer_writes_png_and_svg(frontier, tmp_path):
    paths = write_tradeoff_plot(frontier, tmp_path / "plots")

    assert sorted(paths) == ["png", "svg"]
    with open(paths["png"], "rb") as png:
        assert png.read(8) == b"\x89PNG\r\n\x1a\n"
    svg = open(paths["svg"], encoding="utf-8").read()
    assert "<svg" in svg
    assert "utility threshold 0.760" in svg


def test_tradeoff_rejects_empty_points():
    with pytest.raises(StatisticsError, match="at least one point"):
        pareto_frontier([], "demographic_parity_difference", "accuracy", baseline_utility=0.8)
