"""The decision matrix: deploy, review, adjust or reject a candidate model.

The rows, from most to least severe:

- fairness significantly worse than the baseline: reject (quality rollback);
- utility cost above 10 %: reject (quality rollback);
- fairness not significantly better: adjust the intervention, or keep the
  baseline;
- utility cost between the system's threshold (5 % by default) and 10 %:
  stakeholder review;
- otherwise (utility cost within the threshold and a significant fairness
  gain): deploy.

Utility cost is the relative loss of the utility metric against the baseline.
A change is significant when the paired bootstrap CI of the difference
excludes zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

ACTIONS = ("deploy", "review", "adjust", "reject")
REJECT_UTILITY_COST = 0.10

Action = Literal["deploy", "review", "adjust", "reject"]


@dataclass(frozen=True)
class Decision:
    """The recommended action and every reason that led to it."""

    action: Action
    reasons: list[str] = field(default_factory=list)
    utility_cost: float | None = None
    fairness_change: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the decision as a JSON-ready dictionary."""
        return {
            "action": self.action,
            "reasons": list(self.reasons),
            "utility_cost": self.utility_cost,
            "fairness_change": self.fairness_change,
        }


def decide(
    baseline: dict[str, Any],
    differences: dict[str, Any],
    fairness_metric: str,
    utility_metric: str,
    max_utility_loss: float = 0.05,
) -> Decision:
    """Apply the decision matrix to a baseline and a candidate.

    Parameters
    ----------
    baseline : dict
        The baseline's metric document (each metric ``{"value", "ci"}``).
    differences : dict
        Candidate minus baseline per metric, with paired CIs.
    fairness_metric : str
        The fairness metric of record; lower is fairer.
    utility_metric : str
        The utility metric; higher is better.
    max_utility_loss : float, default=0.05
        The relative utility loss that needs no review.

    Returns
    -------
    Decision
        The most severe action whose row applies, and the reasons of every
        row that applies.
    """
    reasons: list[tuple[str, str]] = []

    base_utility = baseline[utility_metric]["value"]
    utility_change = differences[utility_metric]["value"]
    if base_utility is None or utility_change is None or base_utility == 0:
        utility_cost = None
        reasons.append(("review", f"{utility_metric} is undefined, so the utility cost is unknown"))
    else:
        utility_cost = -utility_change / base_utility

    change = differences[fairness_metric]
    value, ci = change["value"], change["ci"]
    if value is None or ci is None:
        reasons.append(("adjust", f"the change in {fairness_metric} is undefined"))
    elif ci[0] > 0:
        reasons.append(
            ("reject", f"{fairness_metric} is significantly worse: {value:+.4f} (CI {ci[0]:+.4f} to {ci[1]:+.4f})")
        )
    elif ci[1] >= 0:
        worse = " and slightly worse" if value > 0 else ""
        reasons.append(
            (
                "adjust",
                f"{fairness_metric} is not significantly better{worse}: {value:+.4f} "
                f"(CI {ci[0]:+.4f} to {ci[1]:+.4f} includes 0)",
            )
        )
    else:
        reasons.append(
            ("deploy", f"{fairness_metric} is significantly better: {value:+.4f} (CI {ci[0]:+.4f} to {ci[1]:+.4f})")
        )

    if utility_cost is not None:
        limit = min(max_utility_loss, REJECT_UTILITY_COST)
        cost = f"utility cost {utility_cost:.1%} of {utility_metric}"
        if utility_cost < 0:
            cost += f" (a gain of {-utility_cost:.1%})"
        if utility_cost > REJECT_UTILITY_COST:
            reasons.append(("reject", f"{cost} is above {REJECT_UTILITY_COST:.0%}"))
        elif utility_cost > limit:
            reasons.append(("review", f"{cost} is between {limit:.0%} and {REJECT_UTILITY_COST:.0%}"))
        else:
            reasons.append(("deploy", f"{cost} is within the {limit:.0%} threshold"))

    action = max((row for row, _ in reasons), key=_severity)
    return Decision(
        action=action,
        reasons=[text for _, text in reasons],
        utility_cost=utility_cost,
        fairness_change={"metric": fairness_metric, **change},
    )


def _severity(action: str) -> int:
    return ACTIONS.index(action)
