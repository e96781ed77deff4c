"""Tests of the one-pass cell counts and their aggregation to attribute sets."""

import numpy as np
import pandas as pd
import pytest

from fairtrack.errors import DataError
from fairtrack.stats import cell_codes, count_cells
from fairtrack.stats.cells import CHUNK_ROWS


@pytest.fixture
def rows():
    groups = pd.DataFrame({"sex": ["f", "m", "m", "f", "m", "f"], "race": ["x", "y", "x", "x", "y", "y"]})
    y_true = np.array([1, 0, 1, 0, 1, 1])
    first = np.array([1, 1, 0, 0, 1, 0])
    second = np.array([0, 1, 1, 0, 1, 1])
    return y_true, groups, first, second


def test_cells_count_every_outcome(rows):
    y_true, groups, first, second = rows

    table = count_cells(y_true, groups, [first, second])

    assert table.categories == (("f", "m"), ("x", "y"))
    expected = np.zeros((4, 8), dtype=int)
    cells = cell_codes(groups)
    for cell, label, a, b in zip(cells, y_true, first, second):
        expected[cell, 4 * label + 2 * a + b] += 1
    np.testing.assert_array_equal(table.counts, expected)


def test_cells_confusion_and_aggregate(rows):
    y_true, groups, first, second = rows
    table = count_cells(y_true, groups, [first, second])

    by_sex = table.aggregate(table.confusion(table.counts, 1), ["sex"])

    assert table.group_labels(["sex"]) == [("f",), ("m",)]
    # female rows: (1,0), (0,0), (1,1) -> FN, TN, TP; male: (0,1), (1,1), (1,1) -> FP, TP, TP
    np.testing.assert_array_equal(by_sex, [[1, 0, 1, 1], [0, 1, 0, 2]])
    np.testing.assert_array_equal(
        table.aggregate_leading(table.confusion(table.counts, 1), ["sex"]), by_sex
    )


def test_cells_aggregate_keeps_requested_order(rows):
    y_true, groups, first, _ = rows
    table = count_cells(y_true, groups, [first])

    swapped = table.aggregate(table.counts, ["race", "sex"])

    assert table.group_labels(["race", "sex"])[1] == ("x", "m")
    np.testing.assert_array_equal(swapped.sum(axis=0), table.counts.sum(axis=0))
    np.testing.assert_array_equal(swapped[1], table.counts[2])  # race x, sex m is cell (m, x)


def test_cells_keep_unused_categories():
    groups = pd.DataFrame({"g": pd.Categorical(["a", "a"], categories=["a", "b"])})

    table = count_cells(np.array([0, 1]), groups, [np.array([1, 1])])

    assert table.categories == (("a", "b"),)
    np.testing.assert_array_equal(table.counts, [[0, 1, 0, 1], [0, 0, 0, 0]])


def test_cells_chunks_add_up():
    rng = np.random.default_rng(0)
    n_rows = CHUNK_ROWS + 1234
    groups = pd.DataFrame({"g": rng.integers(0, 3, size=n_rows)})
    y_true = rng.integers(0, 2, size=n_rows)
    y_pred = rng.integers(0, 2, size=n_rows)

    table = count_cells(y_true, groups, [y_pred])

    expected = np.bincount(4 * groups["g"].to_numpy() + 2 * y_true + y_pred, minlength=12).reshape(3, 4)
    np.testing.assert_array_equal(table.counts, expected)


def test_cells_accept_pandas_strings_and_booleans():
    groups = pd.DataFrame({"g": pd.array(["a", "b", "a"], dtype="string")})

    table = count_cells(np.array([True, False, True]), groups, [np.array([1.0, 0.0, 1.0])])

    assert table.n_rows == 3
    np.testing.assert_array_equal(table.counts, [[0, 0, 0, 2], [1, 0, 0, 0]])


@pytest.mark.parametrize("y_true", [np.array(["yes", "no", "yes"]), np.array([1, 2, 1]), np.array([0.5, 0, 1])])
def test_cells_reject_labels_not_zero_one(y_true):
    # fairlearn would read "yes"/"no" or 1/2 labels silently wrong; fairtrack raises instead.
    groups = pd.DataFrame({"g": ["a", "b", "a"]})

    with pytest.raises(DataError, match="must hold 0/1 values"):
        count_cells(y_true, groups, [np.array([1, 0, 1])])


def test_cells_reject_missing_group():
    groups = pd.DataFrame({"g": ["a", None, "b"]})

    with pytest.raises(DataError, match="Protected attribute 'g' is missing for 1 row"):
        count_cells(np.array([0, 1, 1]), groups, [np.array([1, 0, 1])])


def test_cells_reject_length_mismatch():
    with pytest.raises(DataError, match="pass the same rows"):
        count_cells(np.array([0, 1]), pd.DataFrame({"g": ["a", "b"]}), [np.array([1, 0, 1])])
