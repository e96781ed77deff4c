"""Flagging a disparity that is set by a group too small to estimate reliably.

A between-group difference is the largest group rate minus the smallest.
When either extreme belongs to a group with fewer than 100 rows, the
difference mostly measures that group's noise. On COMPAS, a race group with 3
test rows and identical predictions gives a demographic parity difference of
1.0 with a zero-width interval. Such a result is escalated to review, with
the group named, unless the specification accepts small groups.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from fairtrack.contracts.rules import MIN_GROUP_ROWS
from fairtrack.decision import ACTIONS, Decision

# The group rates behind each disparity metric.
RATES_OF_METRIC = {
    "demographic_parity_difference": ("selection_rate",),
    "equalized_odds_difference": ("tpr", "fpr"),
    "equal_opportunity_difference": ("tpr",),
}


def small_groups(group_counts: dict[str, dict[str, dict[str, int]]], attribute: str) -> dict[str, int]:
    """Return the groups of ``attribute`` with fewer than 100 rows in all parts, with their counts."""
    parts = group_counts.get(attribute, {})
    totals: dict[str, int] = {}
    for counts in parts.values():
        for group, count in counts.items():
            totals[group] = totals.get(group, 0) + count
    return {group: count for group, count in totals.items() if count < MIN_GROUP_ROWS}


def extreme_groups(metrics: dict[str, Any], attribute: str, metric: str) -> set[str]:
    """Return the groups whose rates set the disparity ``metric`` (the largest and smallest)."""
    groups = metrics["groups"].get(attribute, {})
    extremes: set[str] = set()
    for rate in RATES_OF_METRIC.get(metric, ()):
        defined = {group: values[rate]["value"] for group, values in groups.items() if values[rate]["value"] is not None}
        if len(defined) >= 2:
            extremes.add(max(defined, key=defined.get))
            extremes.add(min(defined, key=defined.get))
    return extremes


def flag_small_group_disparity(
    decision: Decision,
    documents: list[dict[str, Any]],
    attribute: str,
    metric: str,
    small: dict[str, int],
) -> Decision:
    """Escalate a decision to review when a small group sets the fairness metric.

    Parameters
    ----------
    decision : Decision
        The decision matrix's outcome.
    documents : list of dict
        The baseline's and the candidate's metric documents.
    attribute : str
        The attribute of the fairness metric of record.
    metric : str
        The fairness metric of record.
    small : dict of str to int
        Groups below the sample-size rule and their row counts.

    Returns
    -------
    Decision
        The same decision, or one escalated to at least ``review`` with a
        reason that names the groups.
    """
    driving = sorted({group for document in documents for group in extreme_groups(document, attribute, metric)} & set(small))
    if not driving:
        return decision

    test_rows = {group: values["count"] for group, values in documents[-1]["groups"].get(attribute, {}).items()}
    named = ", ".join(
        f"{group!r} ({small[group]} rows in all, {test_rows.get(group, 0)} in the test part)" for group in driving
    )
    reason = (
        f"{metric} on {attribute!r} is set by group(s) {named}, below the {MIN_GROUP_ROWS} rows needed for a "
        "reliable estimate, so its value and interval mostly reflect those few rows. Collect more rows for "
        "those groups, judge the other groups' rates in the reports, or set fairness.accept_small_groups: "
        "true to accept the estimate"
    )
    action = decision.action if ACTIONS.index(decision.action) >= ACTIONS.index("review") else "review"
    return dataclasses.replace(decision, action=action, reasons=[*decision.reasons, reason])
