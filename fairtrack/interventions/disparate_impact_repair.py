"""Disparate impact repair (Feldman, Friedler, Moeller, Scheidegger and
Venkatasubramanian, "Certifying and removing disparate impact", KDD 2015).

For a numeric feature Y and a protected attribute with groups g, let F_g be
the distribution function of Y within group g and F_g^-1 its quantile
function. The median distribution A has the quantile function
F_A^-1(u) = median over g of F_g^-1(u). Full repair moves a value y of a
row in group g to F_A^-1(F_g(y)), so that every group ends up with the same
distribution while each group's ranking is kept. Partial repair with level
lambda in [0, 1] is the geometric repair of the paper:
(1 - lambda) y + lambda F_A^-1(F_g(y)).

aif360's ``DisparateImpactRemover`` needs the BlackBoxAuditing package,
which is not a dependency of fairtrack, so the repair is implemented here.
BlackBoxAuditing implements the paper's other partial repair, the
combinatorial one, which moves a value along the sorted list of observed
values rather than along the number line. Both give the median distribution
at repair level 1 and differ below it.

Empirical distributions make three choices concrete:

- F_g(y) is the mid-distribution function, the share of group g's training
  values below y plus half the share equal to y. Tied values therefore get
  one quantile, and the n values of a group without ties get (r + 0.5) / n.
- F_g^-1(u) is the inverted empirical distribution function, the smallest
  training value of g whose empirical distribution function reaches u, so a
  fully repaired value is the median of one training value per group.
- The median of an even number of groups is the mean of the two middle ones,
  as ``numpy.median`` takes it.

The quantile functions are learned on the training rows, and new rows are
repaired against them. Missing values stay missing, and the repair ignores
sample weights.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from fairtrack.errors import DataError
from fairtrack.interventions.base import (
    PreProcessor,
    check_group_sizes,
    check_labels,
    check_sample_weight,
    check_sensitive_features,
)

# Guards the ceiling in the quantile lookup against u * n landing a rounding
# error above an integer.
QUANTILE_TOLERANCE = 1e-9

logger = logging.getLogger(__name__)


def repair_disparate_impact(
    values: np.ndarray,
    sensitive_features: Sequence[object] | np.ndarray | pd.Series,
    repair_level: float = 1.0,
) -> np.ndarray:
    """Repair one numeric feature towards the median distribution of its groups.

    Parameters
    ----------
    values : numpy.ndarray of shape (n_rows,)
        The feature; NaN values stay NaN and are left out of the
        distributions.
    sensitive_features : array-like of shape (n_rows,)
        Each row's group.
    repair_level : float, default=1.0
        Lambda in [0, 1]: 0 leaves the values unchanged, 1 gives every group
        the median distribution.

    Returns
    -------
    numpy.ndarray of shape (n_rows,)
        The repaired values, as floats.

    Raises
    ------
    ValueError
        If ``repair_level`` is outside [0, 1].
    DataError
        If there are fewer than two groups or a group has no values.

    Notes
    -----
    The definitions are in the module docstring; this function fits the
    group distributions on ``values`` and repairs the same rows.
    """
    values = np.asarray(values, dtype=np.float64)
    groups = check_sensitive_features(sensitive_features, len(values))
    _check_repair_level(repair_level)

    distributions = _group_distributions(values, groups, name="the feature")
    return _repair(values, groups, distributions, repair_level)


class DisparateImpactRepair(PreProcessor):
    """Repair numeric features so that their distribution no longer depends on the group.

    Parameters
    ----------
    repair_level : float, default=1.0
        Lambda in [0, 1], see :func:`repair_disparate_impact`.
    columns : sequence of str or None, default=None
        The numeric feature columns to repair; None repairs every numeric
        column except ``protected_columns``.
    protected_columns : sequence of str, default=()
        Feature columns that hold protected attributes; they are dropped, so
        that the classifier cannot read the attribute directly.

    Attributes
    ----------
    columns_ : list of str
        The repaired columns.
    distributions_ : dict of str to dict of str to numpy.ndarray
        For each repaired column, each group's sorted training values.
    sample_weight_ : numpy.ndarray or None
        The incoming weights, unchanged.
    """

    technique = "disparate_impact_repair"

    def __init__(
        self,
        repair_level: float = 1.0,
        columns: Sequence[str] | None = None,
        protected_columns: Sequence[str] = (),
    ):
        self.repair_level = repair_level
        self.columns = columns
        self.protected_columns = protected_columns

    def fit(self, X, y, *, sensitive_features, sample_weight=None) -> DisparateImpactRepair:
        """Learn each group's distribution of each repaired column; return ``self``."""
        check_labels(y, len(X))
        groups = check_sensitive_features(sensitive_features, len(X))
        self.sample_weight_ = check_sample_weight(sample_weight, len(X))
        _check_repair_level(self.repair_level)
        check_group_sizes(groups, minimum=1, purpose="Disparate impact repair")

        protected = set(self.protected_columns)
        if self.columns is None:
            columns = [
                column
                for column in X.columns
                if column not in protected and pd.api.types.is_numeric_dtype(X[column])
            ]
        else:
            columns = list(self.columns)
            missing = sorted(set(columns) - set(X.columns))
            not_numeric = sorted(
                column for column in set(columns) & set(X.columns) if not pd.api.types.is_numeric_dtype(X[column])
            )
            if missing or not_numeric:
                raise DataError(
                    f"Disparate impact repair needs numeric feature columns; missing: {missing!r}, "
                    f"not numeric: {not_numeric!r}. Numeric columns are "
                    f"{sorted(c for c in X.columns if pd.api.types.is_numeric_dtype(X[c]))!r}."
                )
        if not columns:
            raise DataError(
                "Disparate impact repair found no numeric feature column to repair; the features "
                f"are {list(X.columns)!r}."
            )

        self.columns_ = columns
        self.distributions_ = {
            column: _group_distributions(X[column].to_numpy(dtype=np.float64), groups, name=repr(column))
            for column in columns
        }
        self.feature_names_in_ = list(X.columns)
        logger.info(
            "Disparate impact repair at level %.2f learned %d column(s) over %d groups",
            self.repair_level,
            len(columns),
            len(set(groups.tolist())),
        )
        return self

    def transform(self, X, sensitive_features) -> pd.DataFrame:
        """Return ``X`` with the columns repaired and the protected columns dropped.

        Raises
        ------
        DataError
            If a row belongs to a group that was not seen in ``fit``: the
            repair has no distribution for it.
        """
        groups = check_sensitive_features(sensitive_features, len(X))
        known = set(next(iter(self.distributions_.values())))
        unseen = sorted(set(groups.tolist()) - known)
        if unseen:
            raise DataError(
                f"Disparate impact repair was fitted on the groups {sorted(known)!r} and cannot "
                f"repair rows of {unseen!r}; refit it on data that contains them."
            )

        repaired = X.drop(columns=[column for column in self.protected_columns if column in X.columns])
        for column in self.columns_:
            values = X[column].to_numpy(dtype=np.float64)
            repaired[column] = _repair(values, groups, self.distributions_[column], float(self.repair_level))
        return repaired


def _check_repair_level(repair_level: float) -> None:
    if not 0.0 <= float(repair_level) <= 1.0:
        raise ValueError(f"repair_level must be in [0, 1]; got {repair_level!r}.")


def _group_distributions(values: np.ndarray, groups: np.ndarray, name: str) -> dict[str, np.ndarray]:
    """Return each group's sorted non-missing values."""
    distributions = {}
    for group in sorted(set(groups.tolist())):
        observed = values[(groups == group) & ~np.isnan(values)]
        if len(observed) == 0:
            raise DataError(
                f"Group {group!r} has no non-missing value of {name}, so its distribution is undefined; "
                "impute the column or leave it out of the repair."
            )
        distributions[group] = np.sort(observed)
    if len(distributions) < 2:
        raise DataError(
            f"Disparate impact repair needs at least two groups; found only {list(distributions)!r}."
        )
    return distributions


def _mid_distribution(sorted_values: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Evaluate F_g(y): the share of values below y plus half the share equal to y."""
    below = np.searchsorted(sorted_values, values, side="left")
    at_or_below = np.searchsorted(sorted_values, values, side="right")
    return (below + at_or_below) / (2.0 * len(sorted_values))


def _inverted_quantile(sorted_values: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    """Evaluate F_g^-1(u): the smallest value whose empirical distribution function reaches u."""
    n_values = len(sorted_values)
    positions = np.ceil(quantiles * n_values - QUANTILE_TOLERANCE).astype(np.int64) - 1
    return sorted_values[np.clip(positions, 0, n_values - 1)]


def _repair(
    values: np.ndarray, groups: np.ndarray, distributions: dict[str, np.ndarray], repair_level: float
) -> np.ndarray:
    repaired = values.copy()
    present = ~np.isnan(values)

    for group, sorted_values in distributions.items():
        rows = present & (groups == group)
        if not rows.any():
            continue
        quantiles = _mid_distribution(sorted_values, values[rows])
        targets = np.median(
            np.stack([_inverted_quantile(other, quantiles) for other in distributions.values()]), axis=0
        )
        repaired[rows] = (1.0 - repair_level) * values[rows] + repair_level * targets
    return repaired
