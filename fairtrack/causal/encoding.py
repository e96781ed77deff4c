"""The data of a causal analysis: one column per observed node of the DAG.

The protected attribute A is a string group column. For estimation it
becomes 0/1, with 1 for the privileged groups of the specification, so that
an effect reads as "privileged minus unprivileged". The label is already 0/1. Numeric
columns stay numeric and enter every regression as one linear term.
Categorical columns become pandas ``category`` columns, which DoWhy's
estimators and :func:`design_matrix` one-hot encode with the first level
dropped (the reference level), so a k-level variable adds k - 1 columns and
no order is imposed on its levels.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from fairtrack.data import PreparedData
from fairtrack.errors import DataError
from fairtrack.spec import SystemSpec

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CausalFrame:
    """The observed nodes of a DAG as columns ready for estimation.

    Attributes
    ----------
    frame : pandas.DataFrame
        One column per observed node: A and Y as 0/1 integers, numeric
        columns as floats, categorical columns as ``category``.
    attribute : str
        The protected attribute A.
    outcome : str
        The outcome Y.
    privileged : tuple of str
        The groups of A encoded as 1.
    encoding : dict of str to str
        How each column was encoded, in words, for the report.
    notes : tuple of str
        What the preparation changed (rows dropped).
    """

    frame: pd.DataFrame
    attribute: str
    outcome: str
    privileged: tuple[str, ...]
    encoding: dict[str, str]
    notes: tuple[str, ...] = ()

    @property
    def categorical(self) -> tuple[str, ...]:
        """The columns that regressions one-hot encode."""
        return tuple(
            column
            for column in self.frame.columns
            if isinstance(self.frame[column].dtype, pd.CategoricalDtype)
        )


def available_columns(spec: SystemSpec, data: PreparedData) -> tuple[str, ...]:
    """Return the columns a DAG node can name: features, the label and the protected groups."""
    columns = list(data.features.columns)
    columns += [spec.label.column, *data.groups.columns]
    return tuple(dict.fromkeys(columns))


def build_causal_frame(spec: SystemSpec, data: PreparedData, graph: nx.DiGraph) -> CausalFrame:
    """Collect and encode the columns of a DAG's observed nodes.

    Parameters
    ----------
    spec : SystemSpec
        Names the label, the primary protected attribute and its privileged
        groups.
    data : PreparedData
        The rows to analyse, for example the training part of a split.
    graph : networkx.DiGraph
        The validated DAG (see :func:`fairtrack.causal.validate_dag`).

    Returns
    -------
    CausalFrame
        The encoded columns and a description of the encoding.

    Raises
    ------
    DataError
        If A has a single encoded value, or no complete row is left.
    """
    attribute = spec.primary_attribute
    outcome = spec.label.column
    privileged = tuple(str(value) for value in attribute.privileged)
    observed = [node for node, latent in graph.nodes(data="latent") if not latent]

    columns: dict[str, pd.Series] = {}
    encoding: dict[str, str] = {}
    for node in observed:
        if node == attribute.column:
            groups = data.groups[attribute.column].astype(str)
            columns[node] = pd.Series(groups.isin(privileged).astype(np.int64).to_numpy())
            encoding[node] = f"0/1, 1 for the privileged group(s) {list(privileged)!r}"
        elif node == outcome:
            columns[node] = pd.Series(np.asarray(data.label, dtype=np.int64))
            encoding[node] = f"0/1, 1 for the label's positive value (favorable label: {spec.label.favorable})"
        else:
            source = data.features[node] if node in data.features.columns else data.groups[node]
            columns[node] = _encode_column(source.reset_index(drop=True))

    frame = pd.DataFrame(columns)
    notes = []
    complete = frame.notna().all(axis=1)
    if not complete.all():
        dropped = int((~complete).sum())
        notes.append(f"dropped {dropped} row(s) with a missing value in a column of the causal graph")
        frame = frame.loc[complete].reset_index(drop=True)
    if frame.empty:
        raise DataError(
            f"No complete row is left for the causal analysis of {spec.name!r}: every row misses "
            "a value in some column of the causal graph. Fill the missing values or set "
            "data.drop_missing: true in the specification."
        )

    encoded_values = set(frame[attribute.column].unique())
    if encoded_values != {0, 1}:
        raise DataError(
            f"Protected attribute {attribute.column!r} encodes to the single value "
            f"{sorted(encoded_values)!r} (1 for privileged {list(privileged)!r}); the causal "
            "analysis needs rows from both privileged and unprivileged groups."
        )

    for column in frame.columns:
        if isinstance(frame[column].dtype, pd.CategoricalDtype):
            frame[column] = frame[column].cat.remove_unused_categories()
        if column not in encoding:
            encoding[column] = _describe(frame[column])

    logger.info(
        "Causal frame for %s: %d rows, %d observed node(s), %d categorical",
        spec.name,
        len(frame),
        frame.shape[1],
        sum(isinstance(dtype, pd.CategoricalDtype) for dtype in frame.dtypes),
    )
    return CausalFrame(
        frame=frame,
        attribute=attribute.column,
        outcome=outcome,
        privileged=privileged,
        encoding=encoding,
        notes=tuple(notes),
    )


def design_matrix(frame: pd.DataFrame, columns: list[str] | tuple[str, ...]) -> np.ndarray:
    """Return the regressors of ``columns``: numeric as they are, categories one-hot.

    Each categorical column adds one 0/1 column per level except its first
    (the reference level). No intercept is added.

    Parameters
    ----------
    frame : pandas.DataFrame
        A :attr:`CausalFrame.frame`.
    columns : list of str
        The columns to include, in order.

    Returns
    -------
    numpy.ndarray
        A float matrix with one row per row of ``frame``.
    """
    if not columns:
        return np.empty((len(frame), 0))
    encoded = pd.get_dummies(frame[list(columns)], drop_first=True, dtype=float)
    return encoded.to_numpy(dtype=float)


def _encode_column(values: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(values):
        return values.astype(np.int64)
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(float)
    return values.astype("string").astype("category")


def _describe(values: pd.Series) -> str:
    if isinstance(values.dtype, pd.CategoricalDtype):
        levels = values.cat.categories
        return f"categorical, one-hot with {len(levels)} level(s), reference level {str(levels[0])!r}"
    if pd.api.types.is_integer_dtype(values):
        return "0/1 (from true/false)"
    return "numeric, one linear term"
