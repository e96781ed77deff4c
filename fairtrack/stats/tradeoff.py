"""The fairness-utility trade-off across every technique and strength tried.

Each tried model is a point (fairness metric, utility metric). A point is on
the Pareto frontier when no other point is at least as fair and at least as
useful, and strictly better in one of the two. The system's utility threshold
is the baseline's utility reduced by the maximum acceptable relative loss;
points below it are not acceptable whatever their fairness.

:func:`plot_tradeoff` draws the points, the frontier and the threshold on a
matplotlib figure that uses the Agg canvas and touches neither pyplot nor the
global backend; :func:`write_tradeoff_plot` saves it as PNG and SVG.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from fairtrack import metrics as m
from fairtrack.errors import StatisticsError

PLOT_FORMATS = ("png", "svg")
PLOT_STEM = "tradeoff"
POINT_COLUMNS = (
    "technique",
    "strength",
    "stage",
    "fairness",
    "fairness_low",
    "fairness_high",
    "utility",
    "utility_low",
    "utility_high",
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TradeoffPoint:
    """One tried model on the fairness-utility plane.

    Attributes
    ----------
    technique : str
        The technique's name (``"baseline"`` for the model without
        intervention).
    fairness : float
        The fairness metric's value.
    utility : float
        The utility metric's value.
    strength : float or str or None, default=None
        The technique's strength or other tuned parameter.
    stage : str or None, default=None
        The stage (pre-, in- or post-processing).
    fairness_ci, utility_ci : tuple of float or None, default=None
        The intervals of the two values.
    """

    technique: str
    fairness: float
    utility: float
    strength: float | str | None = None
    stage: str | None = None
    fairness_ci: tuple[float, float] | None = None
    utility_ci: tuple[float, float] | None = None

    @classmethod
    def from_document(
        cls,
        technique: str,
        metrics: dict[str, Any],
        fairness_metric: str,
        utility_metric: str,
        strength: float | str | None = None,
        stage: str | None = None,
    ) -> TradeoffPoint:
        """Build a point from a metric document (each metric ``{"value", "ci"}``)."""
        fairness, utility = metrics[fairness_metric], metrics[utility_metric]
        return cls(
            technique=technique,
            fairness=_number(fairness["value"]),
            utility=_number(utility["value"]),
            strength=strength,
            stage=stage,
            fairness_ci=tuple(fairness["ci"]) if fairness.get("ci") else None,
            utility_ci=tuple(utility["ci"]) if utility.get("ci") else None,
        )


@dataclass(frozen=True)
class TradeoffFrontier:
    """The tried points with their Pareto status and the utility threshold.

    Attributes
    ----------
    points : pandas.DataFrame
        One row per point: ``technique``, ``strength``, ``stage``,
        ``fairness``, ``fairness_low``, ``fairness_high``, ``utility``,
        ``utility_low``, ``utility_high``, ``on_frontier`` and
        ``meets_threshold``.
    fairness_metric, utility_metric : str
        The axes.
    utility_threshold : float
        The lowest acceptable utility.
    """

    points: pd.DataFrame
    fairness_metric: str
    utility_metric: str
    utility_threshold: float

    @property
    def frontier(self) -> pd.DataFrame:
        """The points on the Pareto frontier, from the fairest to the least fair."""
        on_frontier = self.points[self.points["on_frontier"]]
        ascending = m.FAIRER_DIRECTION.get(self.fairness_metric, -1) < 0
        return on_frontier.sort_values("fairness", ascending=ascending)

    def to_dict(self) -> dict[str, Any]:
        """Return the frontier as a JSON-ready dictionary."""
        records = self.points.astype(object).where(self.points.notna(), None).to_dict(orient="records")
        return {
            "fairness_metric": self.fairness_metric,
            "utility_metric": self.utility_metric,
            "utility_threshold": self.utility_threshold,
            "points": records,
        }


def pareto_frontier(
    points: Sequence[TradeoffPoint],
    fairness_metric: str,
    utility_metric: str,
    baseline_utility: float,
    max_utility_loss: float = 0.05,
) -> TradeoffFrontier:
    """Find the fairness-utility Pareto frontier of the tried models.

    Parameters
    ----------
    points : sequence of TradeoffPoint
        Every technique and strength tried, the baseline included.
    fairness_metric : str
        A metric of ``fairtrack.metrics.DISPARITY_METRICS``; the demographic
        parity ratio is fairer when higher, the others when lower.
    utility_metric : str
        The utility metric; higher is better.
    baseline_utility : float
        The baseline's utility.
    max_utility_loss : float, default=0.05
        The maximum acceptable relative utility loss, in [0, 1).

    Returns
    -------
    TradeoffFrontier
        The points with ``on_frontier`` and ``meets_threshold`` columns.
        Points with an undefined value are kept and never on the frontier.

    Raises
    ------
    StatisticsError
        If there are no points, the fairness metric is unknown, or the
        threshold inputs are invalid.
    """
    if not points:
        raise StatisticsError("pareto_frontier needs at least one point; got none.")
    if fairness_metric not in m.FAIRER_DIRECTION:
        raise StatisticsError(
            f"fairness_metric must be one of {sorted(m.FAIRER_DIRECTION)}; got {fairness_metric!r}."
        )
    if not 0 <= max_utility_loss < 1 or not math.isfinite(baseline_utility):
        raise StatisticsError(
            f"max_utility_loss must be in [0, 1) and baseline_utility finite; "
            f"got {max_utility_loss!r} and {baseline_utility!r}."
        )

    frame = pd.DataFrame([_row(point) for point in points], columns=list(POINT_COLUMNS))
    fairer = m.FAIRER_DIRECTION[fairness_metric] * frame["fairness"].to_numpy(dtype=float)
    utility = frame["utility"].to_numpy(dtype=float)
    defined = ~np.isnan(fairer) & ~np.isnan(utility)

    # Point j dominates point i when it is at least as good on both axes and better on one.
    at_least = (fairer[None, :] >= fairer[:, None]) & (utility[None, :] >= utility[:, None])
    better = (fairer[None, :] > fairer[:, None]) | (utility[None, :] > utility[:, None])
    dominated = (at_least & better & defined[None, :]).any(axis=1)

    threshold = baseline_utility * (1 - max_utility_loss)
    frame["on_frontier"] = defined & ~dominated
    frame["meets_threshold"] = defined & (utility >= threshold)
    logger.info(
        "Trade-off of %d points: %d on the frontier, %d above the utility threshold %.4f",
        len(frame),
        int(frame["on_frontier"].sum()),
        int(frame["meets_threshold"].sum()),
        threshold,
    )
    return TradeoffFrontier(
        points=frame,
        fairness_metric=fairness_metric,
        utility_metric=utility_metric,
        utility_threshold=float(threshold),
    )


def plot_tradeoff(frontier: TradeoffFrontier, title: str | None = None) -> Figure:
    """Draw the points, the Pareto frontier and the utility threshold.

    Parameters
    ----------
    frontier : TradeoffFrontier
        From :func:`pareto_frontier`.
    title : str or None, default=None
        The figure title; a default names the two metrics.

    Returns
    -------
    matplotlib.figure.Figure
        A figure on an Agg canvas; nothing is written or shown.
    """
    figure = Figure(figsize=(7, 5), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    points = frontier.points
    dominated = points[~points["on_frontier"]]
    best = frontier.frontier

    axes.errorbar(
        points["fairness"],
        points["utility"],
        xerr=_error_bars(points, "fairness"),
        yerr=_error_bars(points, "utility"),
        fmt="none",
        ecolor="0.75",
        elinewidth=1,
        zorder=1,
    )
    if len(dominated):
        axes.scatter(dominated["fairness"], dominated["utility"], color="0.55", label="dominated", zorder=2)
    axes.plot(best["fairness"], best["utility"], marker="o", color="tab:blue", label="Pareto frontier", zorder=3)
    axes.axhline(
        frontier.utility_threshold,
        color="tab:red",
        linestyle="--",
        label=f"utility threshold {frontier.utility_threshold:.3f}",
    )
    for _, point in points.iterrows():
        if not (math.isnan(point["fairness"]) or math.isnan(point["utility"])):
            axes.annotate(
                _point_label(point),
                (point["fairness"], point["utility"]),
                textcoords="offset points",
                xytext=(4, 4),
                fontsize=8,
            )

    fairer = "higher" if m.FAIRER_DIRECTION[frontier.fairness_metric] > 0 else "lower"
    axes.set_xlabel(f"{frontier.fairness_metric} ({fairer} is fairer)")
    axes.set_ylabel(f"{frontier.utility_metric} (higher is better)")
    default_title = f"Fairness-utility trade-off\n{frontier.fairness_metric} against {frontier.utility_metric}"
    axes.set_title(title or default_title, fontsize=11)
    axes.legend(loc="best", fontsize=8)
    axes.grid(True, alpha=0.3)
    return figure


def write_tradeoff_plot(
    frontier: TradeoffFrontier, folder: str | Path, stem: str = PLOT_STEM, title: str | None = None
) -> dict[str, str]:
    """Save the trade-off plot as PNG and SVG.

    Parameters
    ----------
    frontier : TradeoffFrontier
        From :func:`pareto_frontier`.
    folder : str or pathlib.Path
        Where to write; created if missing.
    stem : str, default="tradeoff"
        The file name without suffix.
    title : str or None, default=None
        Passed to :func:`plot_tradeoff`.

    Returns
    -------
    dict of str to str
        ``"png"`` and ``"svg"`` mapped to the written paths.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    figure = plot_tradeoff(frontier, title)
    paths = {}
    for suffix in PLOT_FORMATS:
        path = folder / f"{stem}.{suffix}"
        # No creation date in the SVG, so that the same frontier gives the same file.
        metadata = {"Date": None} if suffix == "svg" else None
        figure.savefig(path, format=suffix, dpi=150, metadata=metadata)
        paths[suffix] = str(path)
    logger.info("Wrote the trade-off plot to %s", ", ".join(paths.values()))
    return paths


def _row(point: TradeoffPoint) -> dict[str, Any]:
    fairness_low, fairness_high = point.fairness_ci or (np.nan, np.nan)
    utility_low, utility_high = point.utility_ci or (np.nan, np.nan)
    return {
        "technique": point.technique,
        "strength": point.strength,
        "stage": point.stage,
        "fairness": _number(point.fairness),
        "fairness_low": _number(fairness_low),
        "fairness_high": _number(fairness_high),
        "utility": _number(point.utility),
        "utility_low": _number(utility_low),
        "utility_high": _number(utility_high),
    }


def _error_bars(points: pd.DataFrame, column: str) -> np.ndarray:
    """Distances from each value to its interval ends; 0 where there is no interval."""
    values = points[column].to_numpy(dtype=float)
    low = np.nan_to_num(values - points[f"{column}_low"].to_numpy(dtype=float), nan=0.0)
    high = np.nan_to_num(points[f"{column}_high"].to_numpy(dtype=float) - values, nan=0.0)
    return np.vstack([np.maximum(low, 0), np.maximum(high, 0)])


def _point_label(point: pd.Series) -> str:
    strength = point["strength"]
    if strength is None or (isinstance(strength, float) and math.isnan(strength)):
        return str(point["technique"])
    return f"{point['technique']} ({strength})"


def _number(value: Any) -> float:
    return float("nan") if value is None else float(value)
