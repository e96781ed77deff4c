"""Where to intervene: the model features that carry the protected attribute.

A feature that descends from the protected attribute A in the DAG is a proxy
of A. A mediator (on a directed path from A to Y) carries A's effect on the
outcome. An off-path descendant carries information about A but none of its
effect on Y. Both are targets for suppression (dropping the feature) or
correlation removal (removing its dependence on A). A mediator that the
specification declares legitimate (``features.legitimate_mediators``, a
business necessity) is kept, and the recommendation states it. The
recommendation is the input of the pre-processing stage.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

import networkx as nx

from fairtrack.causal.roles import VariableRoles

ACTIONS = ("keep", "suppress_or_remove_correlation")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class InterventionPoint:
    """One feature and what to do with it.

    Attributes
    ----------
    feature : str
        The model feature.
    role : str
        ``"mediator"``, ``"off_path_descendant"`` or ``"legitimate_mediator"``.
    action : str
        One of :data:`ACTIONS`.
    reason : str
        Why, in words.
    """

    feature: str
    role: str
    action: str
    reason: str

    def to_dict(self) -> dict:
        """Return the point as plain values for JSON."""
        return {"feature": self.feature, "role": self.role, "action": self.action, "reason": self.reason}


@dataclass(frozen=True)
class Recommendation:
    """The recommended intervention points for one protected attribute.

    Attributes
    ----------
    attribute : str
        The protected attribute A.
    targets : tuple of str
        Features to suppress or decorrelate from A.
    kept_mediators : tuple of str
        Legitimate mediators kept as a business necessity.
    points : tuple of InterventionPoint
        One entry per target or kept feature, with the reason.
    warnings : tuple of str
        Inconsistencies between the specification and the DAG, and features
        that descend from the outcome.
    """

    attribute: str
    targets: tuple[str, ...]
    kept_mediators: tuple[str, ...]
    points: tuple[InterventionPoint, ...]
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """Return the recommendation as plain values for JSON."""
        return {
            "attribute": self.attribute,
            "targets": list(self.targets),
            "kept_mediators": list(self.kept_mediators),
            "points": [point.to_dict() for point in self.points],
            "warnings": list(self.warnings),
        }


def recommend_interventions(
    graph: nx.DiGraph,
    roles: VariableRoles,
    feature_columns: Iterable[str],
    legitimate_mediators: Iterable[str] = (),
) -> Recommendation:
    """Name the features to suppress or decorrelate, and the mediators to keep.

    Parameters
    ----------
    graph : networkx.DiGraph
        The validated DAG.
    roles : VariableRoles
        The roles of its nodes relative to A and Y.
    feature_columns : iterable of str
        The model's features; only these can be intervention points.
    legitimate_mediators : iterable of str, default=()
        The specification's ``features.legitimate_mediators``.

    Returns
    -------
    Recommendation
        Targets, kept features and the reasons.
    """
    attribute, outcome = roles.attribute, roles.outcome
    features = [column for column in feature_columns if column in graph]
    legitimate = set(legitimate_mediators)
    mediators, off_path = set(roles.mediators), set(roles.off_path_descendants)

    points = []
    for feature in features:
        if feature in mediators and feature in legitimate:
            points.append(
                InterventionPoint(
                    feature,
                    "legitimate_mediator",
                    "keep",
                    f"carries part of the effect of {attribute!r} on {outcome!r}, but the "
                    "specification declares it a legitimate mediator (a business necessity)",
                )
            )
        elif feature in mediators:
            points.append(
                InterventionPoint(
                    feature,
                    "mediator",
                    "suppress_or_remove_correlation",
                    f"carries part of the effect of {attribute!r} on {outcome!r}",
                )
            )
        elif feature in off_path:
            points.append(
                InterventionPoint(
                    feature,
                    "off_path_descendant",
                    "suppress_or_remove_correlation",
                    f"is caused by {attribute!r} and lets a model infer it, without a causal path to {outcome!r}",
                )
            )

    warnings = [
        f"{name!r} is declared a legitimate mediator, but the causal graph gives it no directed "
        f"path from {attribute!r} to {outcome!r}; check features.legitimate_mediators or the graph."
        for name in sorted(legitimate - mediators)
    ]
    warnings += [
        f"Feature {name!r} descends from the outcome {outcome!r} in the causal graph; a model that "
        "uses it sees consequences of the label."
        for name in features
        if name in nx.descendants(graph, outcome)
    ]
    for warning in warnings:
        logger.warning("%s", warning)

    recommendation = Recommendation(
        attribute=attribute,
        targets=tuple(point.feature for point in points if point.action != "keep"),
        kept_mediators=tuple(point.feature for point in points if point.action == "keep"),
        points=tuple(points),
        warnings=tuple(warnings),
    )
    logger.info(
        "Intervention points for %s: %d target(s), %d kept",
        attribute,
        len(recommendation.targets),
        len(recommendation.kept_mediators),
    )
    return recommendation
