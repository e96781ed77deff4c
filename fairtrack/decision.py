"""The decision matrix: deploy, review, adjust or reject a candidate model.

The rows, from most to least severe; the most severe row that applies sets
the action, and every row that applies gives a reason:

| row | condition | response | action |
| --- | --- | --- | --- |
| ``production_crash`` | the model crashed in production | emergency rollback within the hour | reject |
| ``fairness_degraded`` | fairness significantly worse than the baseline | quality rollback | reject |
| ``utility_cost_above_limit`` | utility cost above 10 % | quality rollback | reject |
| ``fairness_not_improved`` | no significant fairness gain | adjust the intervention or roll back | adjust |
| ``utility_cost_review`` | utility cost between the threshold (5 % by default) and 10 %, or unknown | stakeholder review | review |
| ``fairness_minor_degradation`` | fairness worse, but not significantly | monitor, adjust if it persists | adjust |
| ``deploy`` | utility cost within the threshold and a significant fairness gain | deploy | deploy |

Utility cost is the relative loss of the utility metric against the
baseline. A fairness change is significantly worse when the paired bootstrap
CI of the difference lies entirely on the less fair side of 0. A fairness
gain counts only when it is significant. With a corrected test family (see
:func:`fairtrack.stats.validation.validate_pair`), the family's hypothesis
that the candidate improved the fairness metric must be rejected after the
multiple-testing correction. Without one, the CI must lie entirely on the
fairer side of 0.

A model already in production is checked with ``require_improvement=False``:
it needs no fairness gain, so the ``fairness_not_improved`` row does not
apply and the last row means "keep serving".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from fairtrack.errors import StatisticsError
from fairtrack.metrics import FAIRER_DIRECTION
from fairtrack.stats.multiple_testing import CORRECTION_NAMES, TestFamily

ACTIONS = ("deploy", "review", "adjust", "reject")
REJECT_UTILITY_COST = 0.10

# Matrix rows from the most to the least severe: (row, response, action).
MATRIX = (
    ("production_crash", "emergency_rollback", "reject"),
    ("fairness_degraded", "quality_rollback", "reject"),
    ("utility_cost_above_limit", "quality_rollback", "reject"),
    ("fairness_not_improved", "adjust_or_rollback", "adjust"),
    ("utility_cost_review", "stakeholder_review", "review"),
    ("fairness_minor_degradation", "monitor_and_adjust", "adjust"),
    ("deploy", "deploy", "deploy"),
)
MATRIX_ROWS = tuple(row for row, _, _ in MATRIX)

Action = Literal["deploy", "review", "adjust", "reject"]


@dataclass(frozen=True)
class Decision:
    """The recommended action and every reason that led to it.

    Attributes
    ----------
    action : {"deploy", "review", "adjust", "reject"}
        What to do with the candidate.
    reasons : list of str
        One sentence per matrix row that applies, the deciding row first.
    utility_cost : float or None
        The relative utility loss; None when unknown.
    fairness_change : dict or None
        The fairness metric's paired difference (``metric``, ``value``,
        ``ci``).
    row : str
        The deciding row of the matrix (see ``MATRIX_ROWS``).
    response : str
        The matrix's response for that row, for example
        ``"quality_rollback"``.
    significance : dict or None
        How the fairness gain was tested: ``"test"`` (``"corrected
        permutation test"`` or ``"bootstrap CI"``) and, for a test, the
        correction, alpha and the raw and adjusted p-values.
    """

    action: Action
    reasons: list[str] = field(default_factory=list)
    utility_cost: float | None = None
    fairness_change: dict[str, Any] | None = None
    row: str = ""
    response: str = ""
    significance: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the decision as a JSON-ready dictionary."""
        return {
            "action": self.action,
            "reasons": list(self.reasons),
            "utility_cost": self.utility_cost,
            "fairness_change": self.fairness_change,
            "row": self.row,
            "response": self.response,
            "significance": self.significance,
        }


def decide(
    baseline: dict[str, Any],
    differences: dict[str, Any],
    fairness_metric: str,
    utility_metric: str,
    max_utility_loss: float = 0.05,
    *,
    tests: TestFamily | None = None,
    attribute: str | None = None,
    crashed: bool = False,
    require_improvement: bool = True,
) -> Decision:
    """Apply the decision matrix to a baseline and a candidate.

    Parameters
    ----------
    baseline : dict
        The baseline's metric document (each metric ``{"value", "ci"}``).
    differences : dict
        Candidate minus baseline per metric, with paired CIs.
    fairness_metric : str
        The fairness metric of record. The demographic parity ratio is
        fairer when higher, every other metric when lower.
    utility_metric : str
        The utility metric; higher is better.
    max_utility_loss : float, default=0.05
        The relative utility loss that needs no review.
    tests : TestFamily or None, default=None
        Corrected tests that the candidate improved each metric. When given,
        a fairness gain counts only if its hypothesis is rejected.
    attribute : str or None, default=None
        The protected attribute whose hypothesis in ``tests`` decides. It
        may be left out when ``tests`` contains exactly one single-attribute
        hypothesis about ``fairness_metric``.
    crashed : bool, default=False
        Whether the model crashed in production; the decision is then an
        emergency rollback whatever the metrics.
    require_improvement : bool, default=True
        Whether a significant fairness gain is needed (a candidate) or not
        (a model already in production).

    Returns
    -------
    Decision
        The most severe row that applies, its action and response, and the
        reasons of every row that applies.

    Raises
    ------
    StatisticsError
        If ``tests`` is given but holds no hypothesis about the fairness
        metric on ``attribute``.
    """
    if crashed:
        return _decision(
            [("production_crash", "the model crashed in production: roll back to the baseline within the hour")],
            utility_cost=None,
            change=None,
            significance=None,
        )

    rows: list[tuple[str, str]] = []
    fairer = FAIRER_DIRECTION.get(fairness_metric, -1)
    change = differences[fairness_metric]
    value, ci = change["value"], change["ci"]
    significance = _improvement_test(tests, fairness_metric, attribute)

    if value is None or ci is None:
        rows.append(("fairness_not_improved", f"the change in {fairness_metric} is undefined"))
    else:
        shown = f"{value:+.4f} (CI {ci[0]:+.4f} to {ci[1]:+.4f})"
        less_fair_low = min(-fairer * ci[0], -fairer * ci[1])
        if less_fair_low > 0:
            rows.append(("fairness_degraded", f"{fairness_metric} is significantly worse: {shown}"))
        else:
            improved, evidence = _improved(value, ci, fairer, significance)
            if not improved and require_improvement:
                worse = " and slightly worse" if fairer * value < 0 else ""
                reason = f"{fairness_metric} is not significantly better{worse}: {shown}{evidence}"
                rows.append(("fairness_not_improved", reason))
            if fairer * value < 0:
                rows.append(
                    (
                        "fairness_minor_degradation",
                        f"{fairness_metric} is slightly worse but not significantly: {shown}; "
                        "monitor it and adjust if it persists",
                    )
                )
            elif improved:
                rows.append(("deploy", f"{fairness_metric} is significantly better: {shown}{evidence}"))

    utility_cost = _utility_cost(baseline, differences, utility_metric)
    if utility_cost is None:
        rows.append(("utility_cost_review", f"{utility_metric} is undefined, so the utility cost is unknown"))
    else:
        limit = min(max_utility_loss, REJECT_UTILITY_COST)
        cost = f"utility cost {utility_cost:.1%} of {utility_metric}"
        if utility_cost < 0:
            cost += f" (a gain of {-utility_cost:.1%})"
        if utility_cost > REJECT_UTILITY_COST:
            rows.append(("utility_cost_above_limit", f"{cost} is above {REJECT_UTILITY_COST:.0%}"))
        elif utility_cost > limit:
            rows.append(("utility_cost_review", f"{cost} is between {limit:.0%} and {REJECT_UTILITY_COST:.0%}"))
        else:
            rows.append(("deploy", f"{cost} is within the {limit:.0%} threshold"))

    return _decision(rows, utility_cost, {"metric": fairness_metric, **change}, significance)


def _decision(
    rows: list[tuple[str, str]],
    utility_cost: float | None,
    change: dict[str, Any] | None,
    significance: dict[str, Any] | None,
) -> Decision:
    ordered = sorted(rows, key=lambda item: MATRIX_ROWS.index(item[0]))
    deciding = ordered[0][0]
    _, response, action = MATRIX[MATRIX_ROWS.index(deciding)]
    return Decision(
        action=action,
        reasons=[text for _, text in ordered],
        utility_cost=utility_cost,
        fairness_change=change,
        row=deciding,
        response=response,
        significance=significance,
    )


def _utility_cost(baseline: dict[str, Any], differences: dict[str, Any], utility_metric: str) -> float | None:
    base_utility = baseline[utility_metric]["value"]
    utility_change = differences[utility_metric]["value"]
    if base_utility is None or utility_change is None or base_utility == 0:
        return None
    return -utility_change / base_utility


def _improvement_test(tests: TestFamily | None, metric: str, attribute: str | None) -> dict[str, Any]:
    if tests is None:
        return {"test": "bootstrap CI"}

    if attribute is not None:
        hypothesis = tests.find(metric, (attribute,))
    else:
        candidates = [h for h in tests.hypotheses if h.metric == metric and len(h.attributes) == 1]
        hypothesis = candidates[0] if len(candidates) == 1 else None
    if hypothesis is None:
        available = sorted(hypothesis.name for hypothesis in tests.hypotheses)
        raise StatisticsError(
            f"The test family has no single hypothesis about {metric!r} on {attribute!r}; "
            f"it holds {available}. Pass attribute= or test the fairness metric of record."
        )
    return {
        "test": "corrected permutation test",
        "hypothesis": hypothesis.name,
        "correction": tests.correction,
        "alpha": tests.alpha,
        "family_size": tests.size,
        "pvalue": hypothesis.pvalue,
        "adjusted_pvalue": hypothesis.adjusted_pvalue,
        "rejected": hypothesis.rejected,
    }


def _improved(value: float, ci: list[float], fairer: int, significance: dict[str, Any]) -> tuple[bool, str]:
    """Decide whether the fairness gain is significant and return the evidence to quote."""
    if significance["test"] == "bootstrap CI":
        improved = min(fairer * ci[0], fairer * ci[1]) > 0
        return improved, "" if improved else "; the CI includes 0"

    correction = CORRECTION_NAMES.get(significance["correction"], significance["correction"])
    evidence = (
        f"; adjusted p = {significance['adjusted_pvalue']:.4g} (raw {significance['pvalue']:.4g}, "
        f"{correction} over {significance['family_size']} hypotheses, alpha {significance['alpha']})"
    )
    return bool(significance["rejected"]) and fairer * value > 0, evidence
