"""Seeded train, validation and test splits, stratified by label and group.

Splits are stored as Parquet files with a content fingerprint so that Prefect
tasks exchange small references instead of pickled DataFrames.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split

from fairtrack.data import PreparedData, load_system_data
from fairtrack.spec import SystemSpec

LABEL_COLUMN = "__label__"
GROUP_PREFIX = "__group__:"
SPLIT_NAMES = ("train", "validation", "test")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SplitData:
    """The three parts of a split."""

    train: PreparedData
    validation: PreparedData
    test: PreparedData

    def notes(self) -> list[str]:
        """Return what loading changed, without repeats."""
        return list(dict.fromkeys(self.train.notes + self.test.notes))


@dataclass(frozen=True)
class StoredSplit:
    """Parquet files of a split and the SHA-256 fingerprint of their content."""

    folder: str
    fingerprint: str
    notes: tuple[str, ...] = ()

    def path(self, part: str) -> Path:
        """Return the Parquet file of ``part`` (train, validation or test)."""
        return Path(self.folder) / f"{part}.parquet"


def split_system_data(spec: SystemSpec) -> SplitData:
    """Load a system's data and split it into train, validation and test parts.

    With ``data.test_path`` the test part is that file and the validation part
    is ``validation_size`` of the main file. Otherwise ``test_size`` of the rows
    go to the test part and ``validation_size`` of the rest to validation.
    Every split is stratified by label and protected groups and seeded by the
    specification's seed.

    Parameters
    ----------
    spec : SystemSpec
        The system specification.

    Returns
    -------
    SplitData
        The three parts.
    """
    data = load_system_data(spec)
    rng_seed = spec.seed

    if spec.data.test_path:
        test = load_system_data(spec, test=True)
        rest = data
    else:
        rest_positions, test_positions = _stratified_split(data, spec.data.test_size, rng_seed)
        rest, test = data.take(rest_positions), data.take(test_positions)

    if spec.data.validation_size > 0:
        train_positions, validation_positions = _stratified_split(
            rest, spec.data.validation_size, rng_seed + 1
        )
        train, validation = rest.take(train_positions), rest.take(validation_positions)
    else:
        train, validation = rest, rest.take(np.arange(0))

    logger.info(
        "Split %s into %d training, %d validation and %d test rows",
        spec.name,
        len(train),
        len(validation),
        len(test),
    )
    return SplitData(train=train, validation=validation, test=test)


def store_split(split: SplitData, folder: str | Path) -> StoredSplit:
    """Write each part of a split to ``folder`` as Parquet and fingerprint them."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()

    for name in SPLIT_NAMES:
        frame = _to_frame(getattr(split, name))
        path = folder / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())

    return StoredSplit(folder=str(folder), fingerprint=digest.hexdigest(), notes=tuple(split.notes()))


def read_split(stored: StoredSplit) -> SplitData:
    """Read all three parts of a stored split."""
    parts = {name: read_split_part(stored, name) for name in SPLIT_NAMES}
    parts["train"].notes = list(stored.notes)
    return SplitData(**parts)


def read_split_part(stored: StoredSplit, part: str) -> PreparedData:
    """Read one part (train, validation or test) of a stored split."""
    frame = pd.read_parquet(stored.path(part))
    group_columns = [column for column in frame.columns if column.startswith(GROUP_PREFIX)]
    feature_columns = [
        column for column in frame.columns if column != LABEL_COLUMN and column not in group_columns
    ]
    groups = frame[group_columns].astype(object)
    groups.columns = [column[len(GROUP_PREFIX) :] for column in group_columns]
    return PreparedData(
        features=frame[feature_columns],
        label=frame[LABEL_COLUMN].to_numpy(dtype=np.int8),
        groups=groups,
    )


def _to_frame(part: PreparedData) -> pd.DataFrame:
    frame = part.features.copy()
    frame[LABEL_COLUMN] = part.label
    for column in part.groups.columns:
        frame[GROUP_PREFIX + column] = part.groups[column].astype(str).to_numpy()
    return frame


def _stratified_split(
    data: PreparedData, size: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    positions = np.arange(len(data))
    strata = _strata(data)
    first, second = train_test_split(
        positions, test_size=size, random_state=seed, stratify=strata
    )
    return np.sort(first), np.sort(second)


def _strata(data: PreparedData) -> np.ndarray:
    """Label-and-group strata; rows in cells too small to split move to coarser strata.

    The levels are label with every group, label with the primary group, and
    the label alone. Rows still alone at the end join the largest stratum.
    """
    label = pd.Series(data.label.astype(str))
    columns = list(data.groups.columns)
    levels = [
        label.str.cat([data.groups[column].astype(str) for column in columns], sep="|"),
        "primary:" + label.str.cat(data.groups[columns[0]].astype(str), sep="|"),
        "label:" + label,
    ]

    strata = levels[0]
    for coarser in levels[1:]:
        rare = strata.map(strata.value_counts()) < 2
        if not rare.any():
            break
        strata = strata.where(~rare, coarser)

    rare = strata.map(strata.value_counts()) < 2
    if rare.any():
        logger.debug("%d row(s) in strata of one row join the largest stratum", int(rare.sum()))
        strata = strata.where(~rare, strata.value_counts().index[0])
    return strata.to_numpy()
