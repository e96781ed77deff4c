"""Reading a system's data and turning it into features, a 0/1 label and groups.

:func:`load_system_data` reads the files named by a specification, normalises
stray whitespace, derives and filters columns, maps the label to 0/1 and bins
numeric protected attributes. It checks every assumption it relies on and
raises :class:`~fairtrack.errors.DataError` naming the file, column or value.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from fairtrack.contracts.rules import MAX_MISSING_PROTECTED_SHARE
from fairtrack.errors import DataError
from fairtrack.spec import LabelSpec, ProtectedAttribute, SystemSpec, resolve_data_path



logger = logging.getLogger(__name__)


@dataclass
class PreparedData:
    """Rows ready for modelling.

    Attributes
    ----------
    features : pandas.DataFrame
        The model's input columns.
    label : numpy.ndarray
        The label as 0/1 integers, 1 for the positive value.
    groups : pandas.DataFrame
        One string column per protected attribute, containing each row's group
        (the bin label for a binned attribute).
    notes : list of str
        What was changed on the way (rows dropped, values normalised).
    """

    features: pd.DataFrame
    label: np.ndarray
    groups: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.label)

    def take(self, positions: np.ndarray) -> PreparedData:
        """Return the rows at ``positions`` as a new object."""
        return PreparedData(
            features=self.features.iloc[positions].reset_index(drop=True),
            label=self.label[positions],
            groups=self.groups.iloc[positions].reset_index(drop=True),
            notes=list(self.notes),
        )


def read_table(path: str, data_format: str, read_options: dict) -> pd.DataFrame:
    """Read a CSV or Parquet file into a DataFrame.

    Parameters
    ----------
    path : str
        A local path, a URI understood by pandas, or ``bundled:FILE``.
    data_format : {"csv", "parquet"}
        The file format.
    read_options : dict
        Keyword arguments for :func:`pandas.read_csv` or
        :func:`pandas.read_parquet`.

    Returns
    -------
    pandas.DataFrame
        The rows, with column names stripped of surrounding whitespace.

    Raises
    ------
    DataError
        If the file is missing, empty, not UTF-8 or otherwise unreadable.
    """
    resolved = resolve_data_path(path)
    if "://" not in resolved and not Path(resolved).is_file():
        raise DataError(
            f"Data file {path!r} not found. Check data.path in the system specification "
            "or pass another file with --data."
        )

    try:
        if data_format == "parquet":
            frame = pd.read_parquet(resolved, **read_options)
        else:
            frame = pd.read_csv(resolved, **read_options)
    except pd.errors.EmptyDataError as exc:
        raise DataError(f"Data file {path!r} is empty; expected a header and data rows.") from exc
    except UnicodeDecodeError as exc:
        raise DataError(
            f"Data file {path!r} is not valid UTF-8 ({exc.reason} at byte {exc.start}). "
            "Re-encode it as UTF-8 or set data.read_options.encoding in the specification."
        ) from exc
    except (pd.errors.ParserError, OSError, ValueError) as exc:
        raise DataError(f"Data file {path!r} could not be read as {data_format}: {exc}") from exc

    if frame.empty:
        raise DataError(
            f"Data file {path!r} has no data rows (columns: {list(frame.columns)!r}); "
            "expected at least one row."
        )

    frame.columns = [str(column).strip() for column in frame.columns]
    if data_format == "csv" and len(frame.columns) == 1:
        _reject_wrong_delimiter(str(frame.columns[0]), path)
    _reject_duplicate_columns(frame, resolved, path, data_format, read_options)
    return frame


def _reject_wrong_delimiter(header: str, path: str) -> None:
    """Reject a file read into one column whose header contains another separator."""
    for separator, name in ((";", "semicolon"), ("\t", "tab"), ("|", "pipe"), (",", "comma")):
        if separator in header:
            raise DataError(
                f"Data file {path!r} was read as one column {header[:80]!r}, so it is probably "
                f"{name}-separated. Set data.read_options.sep to {separator!r} in the specification."
            )


def _reject_duplicate_columns(
    frame: pd.DataFrame, resolved: str, path: str, data_format: str, read_options: dict
) -> None:
    """Reject repeated column names, which pandas would silently rename to ``NAME.1``."""
    names = list(frame.columns)
    if data_format == "csv" and read_options.get("names") is None and read_options.get("header", 0) is not None:
        ignored = ("nrows", "usecols", "dtype", "header", "na_values", "converters")
        header_options = {key: value for key, value in read_options.items() if key not in ignored}
        header = pd.read_csv(resolved, header=None, nrows=1, **header_options)
        names = [str(name).strip() for name in header.iloc[0].tolist()]

    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise DataError(
            f"Data file {path!r} has duplicate column name(s) {repeated!r}; "
            "rename them so that every column name is unique."
        )


def load_system_data(spec: SystemSpec, test: bool = False) -> PreparedData:
    """Read and prepare the data of a system.

    Parameters
    ----------
    spec : SystemSpec
        The system specification.
    test : bool, default=False
        Read ``data.test_path`` instead of ``data.path``.

    Returns
    -------
    PreparedData
        Features, the 0/1 label and the protected groups.

    Raises
    ------
    DataError
        If a file cannot be read, a named column is missing, the label cannot
        be mapped to two classes or a protected attribute has one group.
    """
    frame, notes = read_system_frame(spec, test=test)
    return prepare_frame(frame, spec, source=_source(spec, test), notes=notes)


def read_system_frame(spec: SystemSpec, test: bool = False) -> tuple[pd.DataFrame, list[str]]:
    """Read a system's file and normalise it, without mapping the label yet.

    Surrounding whitespace is stripped from text values, categorical and
    Arrow-backed text columns become pandas string columns, derived columns
    are added and ``data.filter`` is applied. This is the frame that the
    data contract validates.

    Parameters
    ----------
    spec : SystemSpec
        The system specification.
    test : bool, default=False
        Read ``data.test_path`` instead of ``data.path``.

    Returns
    -------
    tuple of (pandas.DataFrame, list of str)
        The frame and notes on what was changed.
    """
    data = spec.data
    path = _source(spec, test)
    options = {**data.read_options, **data.test_read_options} if test else data.read_options
    frame = read_table(path, data.format, options)
    notes: list[str] = []

    converted = _normalise_text_dtypes(frame)
    if converted:
        notes.append(f"{path}: converted column(s) {converted} to pandas string columns")

    stripped = _strip_whitespace(frame)
    if stripped:
        notes.append(f"{path}: stripped surrounding whitespace in column(s) {stripped}")

    frame = _derive_columns(frame, spec, path)
    frame = _apply_filter(frame, spec, path, notes)
    return frame, notes


def prepare_frame(
    frame: pd.DataFrame, spec: SystemSpec, source: str, notes: list[str] | None = None
) -> PreparedData:
    """Map the label to 0/1, build the protected groups and select the features.

    Parameters
    ----------
    frame : pandas.DataFrame
        The output of :func:`read_system_frame`.
    spec : SystemSpec
        The system specification.
    source : str
        The file the rows came from, for messages.
    notes : list of str or None, default=None
        Notes collected so far; this function appends to a copy.

    Returns
    -------
    PreparedData
        Features, the 0/1 label and the protected groups.
    """
    notes = list(notes or [])
    if spec.data.drop_missing:
        before = len(frame)
        frame = frame.dropna().reset_index(drop=True)
        if len(frame) < before:
            notes.append(f"{source}: dropped {before - len(frame)} row(s) with a missing value")
        if frame.empty:
            raise DataError(f"Data file {source!r} has no complete row left after dropping missing values.")

    label = _map_label(frame, spec.label, source)
    groups, frame, label = _protected_groups(frame, label, spec.protected, source, notes)
    features = frame[_feature_columns(frame, spec, source)]

    for note in notes:
        logger.info("%s", note)
    logger.info("Read %d rows and %d feature columns from %s", len(frame), features.shape[1], source)
    return PreparedData(features=features, label=label, groups=groups, notes=notes)


def _source(spec: SystemSpec, test: bool) -> str:
    return spec.data.test_path if test else spec.data.path


def _normalise_text_dtypes(frame: pd.DataFrame) -> list[str]:
    """Turn categorical, Arrow-backed and all-text object columns into pandas string columns."""
    converted = []
    for column in frame.columns:
        dtype = frame[column].dtype
        is_category = isinstance(dtype, pd.CategoricalDtype)
        is_arrow_text = isinstance(dtype, pd.ArrowDtype) and pd.api.types.is_string_dtype(dtype)
        is_other_string = isinstance(dtype, pd.StringDtype) and dtype != pd.StringDtype(na_value=np.nan)
        is_text_object = dtype == object and frame[column].dropna().map(type).eq(str).all()
        if is_category and not pd.api.types.is_numeric_dtype(dtype.categories):
            frame[column] = frame[column].astype(str).where(frame[column].notna(), np.nan).astype("str")
            converted.append(column)
        elif is_arrow_text or is_other_string or is_text_object:
            frame[column] = frame[column].astype("str")
            converted.append(column)
    return converted


def _strip_whitespace(frame: pd.DataFrame) -> list[str]:
    changed = []
    for column in frame.columns:
        values = frame[column]
        if not pd.api.types.is_string_dtype(values):
            continue
        text = values.astype("str")
        trimmed = text.str.strip()
        if not trimmed.equals(text):
            frame[column] = trimmed
            changed.append(column)
    return changed


def _derive_columns(frame: pd.DataFrame, spec: SystemSpec, path: str) -> pd.DataFrame:
    for rule in spec.data.derive:
        _require_columns(frame, [rule.source], path, f"data.derive.{rule.name}.from")
        unmapped = sorted(set(frame[rule.source].dropna().unique()) - set(rule.mapping), key=repr)
        if unmapped:
            raise DataError(
                f"{path}: column {rule.source!r} contains value(s) {unmapped!r} that "
                f"data.derive.{rule.name}.map does not map; add them to the mapping."
            )
        frame[rule.name] = frame[rule.source].map(rule.mapping)
    return frame


def _apply_filter(frame: pd.DataFrame, spec: SystemSpec, path: str, notes: list[str]) -> pd.DataFrame:
    if not spec.data.filter:
        return frame

    try:
        kept = frame.query(spec.data.filter).reset_index(drop=True)
    except Exception as exc:  # pandas raises many types from query parsing
        raise DataError(
            f"{path}: data.filter {spec.data.filter!r} could not be applied: {exc}"
        ) from exc

    notes.append(f"{path}: data.filter kept {len(kept)} of {len(frame)} rows")
    if kept.empty:
        raise DataError(f"{path}: data.filter {spec.data.filter!r} removed every row.")
    return kept


def _map_label(frame: pd.DataFrame, label: LabelSpec, path: str) -> np.ndarray:
    _require_columns(frame, [label.column], path, "label.column")
    raw = frame[label.column]

    missing = int(raw.isna().sum())
    if missing:
        raise DataError(
            f"{path}: label column {label.column!r} has {missing} missing value(s). "
            "Remove those rows or set data.drop_missing: true in the specification."
        )

    values = list(pd.unique(raw))
    if label.mapping is not None:
        unmapped = sorted((value for value in values if value not in label.mapping), key=repr)
        if unmapped:
            raise DataError(
                f"{path}: label column {label.column!r} contains value(s) {unmapped!r} that "
                f"label.mapping does not map; expected only {sorted(label.mapping, key=repr)!r}."
            )
        mapped = raw.map(label.mapping).to_numpy(dtype=np.int8)
    else:
        if len(values) != 2:
            shown = sorted(values, key=repr)[:10]
            raise DataError(
                f"{path}: label column {label.column!r} has {len(values)} distinct value(s) "
                f"{shown!r}; expected exactly two. Give label.mapping to map each raw value to 0 or 1."
            )
        if label.positive not in values:
            raise DataError(
                f"{path}: label.positive {label.positive!r} never occurs in column "
                f"{label.column!r}; its values are {sorted(values, key=repr)!r}."
            )
        mapped = (raw == label.positive).to_numpy(dtype=np.int8)

    if len(np.unique(mapped)) < 2:
        raise DataError(
            f"{path}: label column {label.column!r} maps to a single class "
            f"({int(mapped[0])}) on every row; a classifier needs both classes."
        )
    return mapped


def _protected_groups(
    frame: pd.DataFrame,
    label: np.ndarray,
    protected: tuple[ProtectedAttribute, ...],
    path: str,
    notes: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    _require_columns(frame, [attr.column for attr in protected], path, "protected")

    groups = {}
    for attr in protected:
        values = frame[attr.column]
        if attr.bins is not None:
            if not pd.api.types.is_numeric_dtype(values):
                raise DataError(
                    f"{path}: protected column {attr.column!r} has bins but contains non-numeric "
                    f"values (dtype {values.dtype}); remove the bins or convert the column."
                )
            binned = pd.cut(values, bins=list(attr.bins), labels=list(attr.labels), include_lowest=True)
            outside = int((binned.isna() & values.notna()).sum())
            if outside:
                raise DataError(
                    f"{path}: {outside} value(s) of protected column {attr.column!r} fall outside "
                    f"its bins {list(attr.bins)!r}; widen the first or last edge."
                )
            group = binned.astype(object).where(binned.notna(), None)
        elif pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            distinct = values.nunique()
            if distinct > 10:
                raise DataError(
                    f"{path}: protected column {attr.column!r} is numeric with {distinct} distinct "
                    "values and has no bins; add bins and labels to its entry under protected."
                )
            group = values.astype(object).where(values.notna(), None)
        else:
            group = values.astype(object).where(values.notna(), None)
        groups[attr.column] = pd.Series(
            [None if value is None else str(value) for value in group], dtype=object
        )

    groups_frame = pd.DataFrame(groups)
    missing = groups_frame.isna().any(axis=1).to_numpy()
    if missing.any():
        share = missing.mean()
        counts = {column: int(groups_frame[column].isna().sum()) for column in groups_frame}
        if share > MAX_MISSING_PROTECTED_SHARE:
            raise DataError(
                f"{path}: {share:.1%} of rows miss a protected attribute ({counts}); "
                f"at most {MAX_MISSING_PROTECTED_SHARE:.0%} is supported. Fill or remove those rows."
            )
        notes.append(f"{path}: dropped {int(missing.sum())} row(s) with a missing protected attribute {counts}")
        keep = ~missing
        frame = frame.loc[keep].reset_index(drop=True)
        label = label[keep]
        groups_frame = groups_frame.loc[keep].reset_index(drop=True)

    for attr in protected:
        found = sorted(groups_frame[attr.column].unique())
        if len(found) < 2:
            raise DataError(
                f"{path}: protected column {attr.column!r} has a single group {found!r}; "
                "fairness needs at least two groups to compare. Remove it from protected."
            )
        absent = [str(value) for value in attr.privileged if str(value) not in found]
        if absent:
            raise DataError(
                f"{path}: privileged value(s) {absent!r} of protected column {attr.column!r} "
                f"never occur; its groups are {found!r}."
            )

    return groups_frame, frame, label


def _feature_columns(frame: pd.DataFrame, spec: SystemSpec, path: str) -> list[str]:
    derived_sources = {rule.source for rule in spec.data.derive}
    if spec.features.use is not None:
        _require_columns(frame, list(spec.features.use), path, "features.use")
        columns = list(spec.features.use)
    else:
        excluded = {spec.label.column, *spec.features.drop, *derived_sources}
        columns = [column for column in frame.columns if column not in excluded]

    _require_columns(frame, list(spec.features.drop), path, "features.drop")
    columns = [column for column in columns if column not in spec.features.drop]
    if not columns:
        raise DataError(f"{path}: no feature column is left after features.use and features.drop.")
    return columns


def _require_columns(frame: pd.DataFrame, columns: list[str], path: str, key: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if not missing:
        return

    raise DataError(
        f"{path}: column(s) {missing!r} named by {key} not found; the file has "
        f"columns {list(frame.columns)!r}. Fix the specification or the file."
    )
