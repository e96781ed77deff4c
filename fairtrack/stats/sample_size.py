"""The sample-size rules that flag estimates as unreliable.

- A protected group (or an intersectional subgroup) needs at least
  ``MIN_GROUP_ROWS`` rows for a reliable estimate.
- An evaluation needs at least ``MIN_TOTAL_ROWS`` rows in all.
- An intersectional analysis of k attributes with m groups each needs more
  than ``ROWS_PER_CELL`` x m^k rows. With different numbers of groups per
  attribute, that is ``ROWS_PER_CELL`` times the number of possible
  subgroups.

A group below these sizes is still reported, with its count, its (wide)
interval and a warning.
"""

from __future__ import annotations

from collections.abc import Sequence

from fairtrack.stats.cells import CellTable

MIN_GROUP_ROWS = 100
MIN_TOTAL_ROWS = 1000
ROWS_PER_CELL = 100


def required_rows(table: CellTable, attributes: Sequence[str]) -> int:
    """Return the rows an analysis of ``attributes``' intersections needs: more than this number."""
    n_subgroups = 1
    for attribute in attributes:
        n_subgroups *= len(table.categories[table.attributes.index(attribute)])
    return ROWS_PER_CELL * n_subgroups


def sample_size_warnings(table: CellTable) -> list[str]:
    """List every violation of the sample-size rules in a table.

    Parameters
    ----------
    table : CellTable
        The counted rows.

    Returns
    -------
    list of str
        One sentence per small total, small group or under-sized
        intersectional analysis; empty when every rule holds.
    """
    warnings = []
    if table.n_rows < MIN_TOTAL_ROWS:
        warnings.append(f"Only {table.n_rows} rows were evaluated; at least {MIN_TOTAL_ROWS} are needed.")

    rows_per_cell = table.counts.sum(axis=1, keepdims=True)
    for attribute in table.attributes:
        counts = table.aggregate(rows_per_cell, [attribute])[:, 0]
        for (group,), count in zip(table.group_labels([attribute]), counts):
            if count < MIN_GROUP_ROWS:
                warnings.append(
                    f"Group {attribute}={group} has {int(count)} rows, fewer than {MIN_GROUP_ROWS}; "
                    "its estimates are unreliable."
                )

    if len(table.attributes) > 1:
        needed = required_rows(table, table.attributes)
        if table.n_rows <= needed:
            warnings.append(
                f"The intersections of {', '.join(table.attributes)} need more than {needed} rows "
                f"({ROWS_PER_CELL} per possible subgroup); {table.n_rows} were evaluated."
            )
    return warnings
