"""Joint cell counts per intersectional group, taken in one pass over the rows.

Every count-based statistic in :mod:`fairtrack.stats` starts from a
:class:`CellTable`: for each combination of protected groups (an
intersectional cell), the number of rows with each outcome, where an outcome
is the label together with the prediction of every model compared. With one
model the four outcomes are true negative, false positive, false negative and
true positive. With two models on the same rows there are eight, and both
models' confusion counts follow from them.

Intersectional cells form the full Cartesian grid of each attribute's
categories, so a combination of groups with no rows is kept with a count of 0
instead of disappearing.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from fairtrack.errors import DataError, StatisticsError

MAX_MODELS = 2
CHUNK_ROWS = 2**18

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CellTable:
    """Counts of each outcome in each intersectional cell.

    Attributes
    ----------
    counts : numpy.ndarray of shape (n_cells, n_outcomes)
        ``n_outcomes`` is ``2 ** (n_models + 1)``. The outcome index is
        ``y_true * 2 ** n_models + sum(prediction_k * 2 ** (n_models - 1 - k))``,
        so that with one model the order is TN, FP, FN, TP, and with two it is
        (label, first prediction, second prediction) in binary.
    attributes : tuple of str
        The protected attributes, in the order of ``groups``' columns.
    categories : tuple of tuple of str
        Each attribute's groups. Cell ``k`` is the ``k``-th combination in
        :func:`itertools.product` order over these tuples.
    n_models : int
        The number of models whose predictions were counted (1 or 2).
    """

    counts: np.ndarray
    attributes: tuple[str, ...]
    categories: tuple[tuple[str, ...], ...]
    n_models: int

    @property
    def shape(self) -> tuple[int, ...]:
        """The number of groups of each attribute."""
        return tuple(len(values) for values in self.categories)

    @property
    def n_rows(self) -> int:
        """The number of rows counted."""
        return int(self.counts.sum())

    def confusion(self, counts: np.ndarray, model: int = 0) -> np.ndarray:
        """Collapse outcome counts to one model's confusion counts.

        Parameters
        ----------
        counts : numpy.ndarray of shape (..., n_groups, n_outcomes)
            Counts laid out like :attr:`counts`, with any leading axes.
        model : int, default=0
            Which model's predictions to keep.

        Returns
        -------
        numpy.ndarray of shape (..., n_groups, 4)
            Counts in the order TN, FP, FN, TP.
        """
        if not 0 <= model < self.n_models:
            raise StatisticsError(f"model must be in range({self.n_models}); got {model!r}")

        lead = counts.shape[:-1]
        shaped = counts.reshape(*lead, *([2] * (self.n_models + 1)))
        first_prediction_axis = len(lead) + 1
        other_models = tuple(
            first_prediction_axis + other for other in range(self.n_models) if other != model
        )
        return shaped.sum(axis=other_models).reshape(*lead, 4)

    def aggregate(self, counts: np.ndarray, attributes: Sequence[str]) -> np.ndarray:
        """Sum the cells of a subset of attributes' groups.

        Parameters
        ----------
        counts : numpy.ndarray of shape (..., n_cells, n_columns)
            Counts per intersectional cell, with any leading axes and any
            number of count columns.
        attributes : sequence of str
            The attributes to keep, in the order requested.

        Returns
        -------
        numpy.ndarray of shape (..., n_groups, n_columns)
            One row per combination of the kept attributes' groups, in the
            order of :meth:`group_labels`.
        """
        positions = self._positions(attributes)
        lead = counts.shape[:-2]
        columns = counts.shape[-1]
        grid = counts.reshape(*lead, *self.shape, columns)

        offset = len(lead)
        dropped = tuple(offset + axis for axis in range(len(self.shape)) if axis not in positions)
        summed = grid.sum(axis=dropped) if dropped else grid
        kept_in_order = sorted(positions)
        source = [offset + kept_in_order.index(axis) for axis in positions]
        summed = np.moveaxis(summed, source, range(offset, offset + len(source)))
        n_groups = int(np.prod([self.shape[axis] for axis in positions]))
        return summed.reshape(*lead, n_groups, columns)

    def aggregate_leading(self, values: np.ndarray, attributes: Sequence[str]) -> np.ndarray:
        """Sum cells into the groups of a subset of attributes, with the cells on the first axis.

        Parameters
        ----------
        values : numpy.ndarray of shape (n_cells, ...)
            Values per intersectional cell; the remaining axes are kept.
        attributes : sequence of str
            The attributes to keep, in the order requested.

        Returns
        -------
        numpy.ndarray of shape (n_groups, ...)
            One entry per combination of the kept attributes' groups, in the
            order of :meth:`group_labels`.
        """
        positions = self._positions(attributes)
        rest = values.shape[1:]
        grid = values.reshape(*self.shape, *rest)
        dropped = tuple(axis for axis in range(len(self.shape)) if axis not in positions)
        summed = grid.sum(axis=dropped) if dropped else grid
        kept_in_order = sorted(positions)
        summed = np.moveaxis(summed, [kept_in_order.index(axis) for axis in positions], range(len(positions)))
        return summed.reshape(-1, *rest)

    def group_labels(self, attributes: Sequence[str]) -> list[tuple[str, ...]]:
        """List the groups of a subset of attributes in :meth:`aggregate` order."""
        positions = self._positions(attributes)
        return list(itertools.product(*(self.categories[axis] for axis in positions)))

    def _positions(self, attributes: Sequence[str]) -> list[int]:
        missing = [name for name in attributes if name not in self.attributes]
        if missing or not attributes or len(set(attributes)) != len(attributes):
            raise StatisticsError(
                f"attributes must be distinct names among {sorted(self.attributes)}; got {list(attributes)!r}"
            )
        return [self.attributes.index(name) for name in attributes]


def count_cells(
    y_true: np.ndarray, groups: pd.DataFrame, predictions: Sequence[np.ndarray]
) -> CellTable:
    """Count each intersectional cell's outcomes in one pass over the rows.

    Parameters
    ----------
    y_true : numpy.ndarray of shape (n_rows,)
        Labels as 0/1 (integers or booleans).
    groups : pandas.DataFrame of shape (n_rows, n_attributes)
        One column per protected attribute. Categorical columns keep their
        category order, unused categories included; other columns are
        factorised and sorted.
    predictions : sequence of numpy.ndarray of shape (n_rows,)
        One or two models' hard predictions as 0/1, on the same rows.

    Returns
    -------
    CellTable
        The counts and the groups they belong to.

    Raises
    ------
    DataError
        If the lengths differ, a label or prediction is not 0/1, ``groups``
        has no columns, or a protected attribute is missing for some row.
    """
    n_rows = len(y_true)
    if not 1 <= len(predictions) <= MAX_MODELS:
        raise DataError(f"Expected 1 to {MAX_MODELS} prediction arrays; got {len(predictions)}.")
    if groups.shape[1] == 0:
        raise DataError("groups has no columns; pass one column per protected attribute.")
    if len(groups) != n_rows or any(len(values) != n_rows for values in predictions):
        lengths = [len(values) for values in predictions]
        raise DataError(
            f"y_true has {n_rows} rows but groups has {len(groups)} and the predictions have {lengths}; "
            "pass the same rows to every argument."
        )

    codes, categories = encode_groups(groups)
    outcome_arrays = [_binary(y_true, "y_true")]
    outcome_arrays += [_binary(values, f"predictions[{index}]") for index, values in enumerate(predictions)]

    n_outcomes = 2 ** len(outcome_arrays)
    sizes = [len(values) for values in categories]
    n_codes = int(np.prod(sizes)) * n_outcomes
    flat = np.zeros(n_codes, dtype=np.int64)
    # Counting a chunk at a time keeps the codes in cache and bounds the extra
    # memory. On 10 million rows it took about half the time of one np.bincount
    # over all rows (benchmarks/validation_speed.py, 2-core x86-64 machine).
    for start in range(0, n_rows, CHUNK_ROWS):
        rows = slice(start, start + CHUNK_ROWS)
        chunk_codes = [values[rows] for values in codes]
        chunk_outcomes = [values[rows] for values in outcome_arrays]
        code = _mixed_radix(chunk_codes, sizes, chunk_outcomes, n_codes)
        flat += np.bincount(code, minlength=n_codes)
    counts = flat.reshape(-1, n_outcomes)
    n_cells = counts.shape[0]

    logger.debug("Counted %d rows into %d cells of %d outcomes", n_rows, n_cells, n_outcomes)
    return CellTable(
        counts=counts,
        attributes=tuple(str(column) for column in groups.columns),
        categories=categories,
        n_models=len(predictions),
    )


def cell_codes(groups: pd.DataFrame) -> np.ndarray:
    """Return each row's intersectional cell, numbered as in :func:`count_cells`.

    Parameters
    ----------
    groups : pandas.DataFrame
        One column per protected attribute.

    Returns
    -------
    numpy.ndarray of shape (n_rows,)
        Cell numbers in ``range(prod(number of groups per attribute))``.
    """
    codes, categories = encode_groups(groups)
    sizes = [len(values) for values in categories]
    return _mixed_radix(codes, sizes, [], int(np.prod(sizes))).astype(np.int64)


def encode_groups(groups: pd.DataFrame) -> tuple[list[np.ndarray], tuple[tuple[str, ...], ...]]:
    """Code each protected attribute's groups as integers.

    Parameters
    ----------
    groups : pandas.DataFrame
        One column per protected attribute.

    Returns
    -------
    codes : list of numpy.ndarray
        Each column's group codes.
    categories : tuple of tuple of str
        Each column's group names, indexed by code.

    Raises
    ------
    DataError
        If a column has missing values.
    """
    codes = []
    categories = []
    for column in groups.columns:
        values = groups[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            column_codes = np.asarray(values.array.codes)
            names = values.array.categories
        else:
            column_codes, names = pd.factorize(values, sort=True)
        if column_codes.size and column_codes.min() < 0:
            missing = int((column_codes < 0).sum())
            raise DataError(
                f"Protected attribute {column!r} is missing for {missing} row(s); "
                "drop or impute those rows before validation."
            )
        codes.append(column_codes)
        categories.append(tuple(str(name) for name in names))
    return codes, tuple(categories)


def _binary(values: np.ndarray, name: str) -> np.ndarray:
    array = np.asarray(values)
    if array.dtype == bool:
        return array.view(np.uint8)
    if np.issubdtype(array.dtype, np.integer):
        valid = array.size == 0 or (array.min() >= 0 and array.max() <= 1)
    else:
        valid = bool(((array == 0) | (array == 1)).all())
    if not valid:
        found = sorted(np.unique(array).tolist())[:5]
        raise DataError(
            f"{name} must hold 0/1 values; found {found!r}. Map labels and predictions to 0/1 first."
        )
    return array if np.issubdtype(array.dtype, np.integer) else array.astype(np.uint8)


def _mixed_radix(
    group_codes: list[np.ndarray], sizes: list[int], outcomes: list[np.ndarray], n_codes: int
) -> np.ndarray:
    """Combine group codes and 0/1 outcomes into one code per row, in place on one array.

    The smallest unsigned type that fits every code keeps the pass short.
    Operands are first given that same type (a free view for one-byte
    integers), because numpy's mixed-type loops go through slower casts.
    """
    dtype = np.dtype(np.int64)
    if n_codes <= 2**16:
        dtype = np.dtype(np.uint16)
    if n_codes <= 2**8:
        dtype = np.dtype(np.uint8)
    code = _as_type(group_codes[0], dtype).copy()
    for values, size in zip(group_codes[1:], sizes[1:]):
        code *= dtype.type(size)
        code += _as_type(values, dtype)
    for values in outcomes:
        code *= dtype.type(2)
        code += _as_type(values, dtype)
    return code


def _as_type(values: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """Return non-negative integers as ``dtype``, viewing instead of copying where the size matches."""
    if values.dtype == dtype:
        return values
    if values.dtype.itemsize == dtype.itemsize and values.dtype.kind in "biu":
        return values.view(dtype)
    return values.astype(dtype)
