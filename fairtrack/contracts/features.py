"""Vectorised checks on every feature column: all-missing, constant, infinite.

Great Expectations 1.24 evaluates each expectation separately; three
expectations per column took 283 s on a 3,000-row, 1,001-column frame on a
2-core machine. These checks compute the same facts for all columns in a few
pandas passes and report them in the same form.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairtrack.contracts.report import Finding
from fairtrack.contracts.rules import ERROR, WARNING


def check_feature_columns(frame: pd.DataFrame, columns: list[str], source: str) -> tuple[list[Finding], int]:
    """Find all-missing, constant and infinite feature columns.

    Parameters
    ----------
    frame : pandas.DataFrame
        The normalised rows.
    columns : list of str
        The feature columns to check; names not in ``frame`` are skipped
        because their existence check reports them.
    source : str
        The file the rows came from, for the findings.

    Returns
    -------
    tuple of (list of Finding, int)
        The findings and the number of checks made.
    """
    present = [column for column in columns if column in frame.columns]
    features = frame[present]
    distinct = features.nunique(dropna=True)
    findings: list[Finding] = []

    for column in distinct.index[distinct == 0]:
        findings.append(
            Finding(
                "feature_not_all_missing",
                ERROR,
                source,
                column,
                "every value missing",
                "at least one value",
                "Remove the column (features.drop) or fill it.",
            )
        )
    for column in distinct.index[distinct == 1]:
        value = features[column].dropna().iloc[0]
        findings.append(
            Finding(
                "feature_not_constant",
                WARNING,
                source,
                column,
                f"one distinct value {value!r}",
                "at least 2 distinct values",
                "A constant column carries no information; consider features.drop.",
            )
        )

    numeric = features.select_dtypes(include="number")
    if not numeric.empty:
        infinite = np.isinf(numeric.to_numpy(dtype=float, na_value=np.nan)).sum(axis=0)
        for column, count in zip(numeric.columns, infinite):
            if count:
                findings.append(
                    Finding(
                        "feature_finite",
                        ERROR,
                        source,
                        column,
                        f"{int(count)} infinite value(s)",
                        "finite values",
                        "Replace infinite values, for example with missing values, before training.",
                    )
                )
    return findings, 3 * len(present)
