"""The minimal data contract checked before any model is trained.

Reading the data already rejects missing columns, unmappable labels and
protected attributes with one group. This module checks the split: group
sizes against the sample-size rules, groups that appear in the test part but
not in training, and the overall row count. Shortfalls are reported as
warnings with their counts; no group is ever dropped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from fairtrack.errors import ContractError
from fairtrack.split import SplitData

MIN_GROUP_ROWS = 100
MIN_TOTAL_ROWS = 1000

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ContractResult:
    """Group counts per split part and the warnings raised while checking."""

    group_counts: dict[str, dict[str, dict[str, int]]]
    rows: dict[str, int]
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the result as a JSON-ready dictionary."""
        return {
            "rows": dict(self.rows),
            "group_counts": self.group_counts,
            "warnings": list(self.warnings),
            "notes": list(self.notes),
        }


def check_split(split: SplitData, source: str = "data") -> ContractResult:
    """Check a split against the sample-size rules and group coverage.

    Parameters
    ----------
    split : SplitData
        The train, validation and test parts.
    source : str, default="data"
        The data's name or path, for messages.

    Returns
    -------
    ContractResult
        Rows and group counts per part, with a warning for every group below
        100 rows and for fewer than 1,000 rows in all.

    Raises
    ------
    ContractError
        If a group of the test part never occurs in the training part, because
        the model and the interventions would never have seen it.
    """
    parts = {"train": split.train, "validation": split.validation, "test": split.test}
    rows = {name: len(part) for name, part in parts.items()}
    counts: dict[str, dict[str, dict[str, int]]] = {}
    warnings: list[str] = []

    for attribute in split.train.groups.columns:
        counts[attribute] = {
            name: {str(group): int(count) for group, count in part.groups[attribute].value_counts().sort_index().items()}
            for name, part in parts.items()
        }

        unseen = sorted(set(counts[attribute]["test"]) - set(counts[attribute]["train"]))
        if unseen:
            raise ContractError(
                f"{source}: group(s) {unseen!r} of protected attribute {attribute!r} occur in the "
                "test data but not in the training data. Add training rows for them or remove "
                "those rows from the test data."
            )

        total = {
            group: sum(counts[attribute][name].get(group, 0) for name in parts)
            for group in counts[attribute]["train"]
        }
        for group, count in sorted(total.items()):
            if count < MIN_GROUP_ROWS:
                warnings.append(
                    f"group {group!r} of {attribute!r} has {count} rows, fewer than the "
                    f"{MIN_GROUP_ROWS} needed for a reliable estimate; its intervals will be wide"
                )

    if sum(rows.values()) < MIN_TOTAL_ROWS:
        warnings.append(f"{sum(rows.values())} rows in all, fewer than the {MIN_TOTAL_ROWS} recommended")

    for message in warnings:
        logger.warning("%s: %s", source, message)
    return ContractResult(group_counts=counts, rows=rows, warnings=warnings, notes=split.notes())
