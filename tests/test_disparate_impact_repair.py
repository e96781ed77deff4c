"""Tests of disparate impact repair against its definition (Feldman et al., KDD 2015)."""

import numpy as np
import pandas as pd
import pytest

from fairtrack.errors import DataError
from fairtrack.interventions import DisparateImpactRepair, repair_disparate_impact


def test_repair_hand_computed_full_and_partial():
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    groups = ["a", "a", "a", "b", "b", "b"]

    full = repair_disparate_impact(values, groups, repair_level=1.0)
    half = repair_disparate_impact(values, groups, repair_level=0.5)

    # Quantiles 1/6, 1/2, 5/6 in each group; the median distribution at each
    # is the mean of the two groups' values there: 2.5, 3.5, 4.5.
    np.testing.assert_allclose(full, [2.5, 3.5, 4.5, 2.5, 3.5, 4.5])
    # Geometric partial repair: (1 - lambda) y + lambda F_A^-1(F_g(y)).
    np.testing.assert_allclose(half, [1.75, 2.75, 3.75, 3.25, 4.25, 5.25])


def test_repair_median_of_three_groups():
    values = np.array([0.0, 10.0, 1.0, 11.0, 5.0, 50.0])
    groups = ["a", "a", "b", "b", "c", "c"]

    repaired = repair_disparate_impact(values, groups)

    # Lower halves 0, 1, 5 have median 1; upper halves 10, 11, 50 have median 11.
    np.testing.assert_allclose(repaired, [1.0, 11.0, 1.0, 11.0, 1.0, 11.0])


def test_repair_level_zero_is_identity():
    rng = np.random.default_rng(0)
    values = rng.normal(size=200)
    groups = rng.choice(["a", "b"], size=200)

    np.testing.assert_allclose(repair_disparate_impact(values, groups, repair_level=0.0), values)


def test_repair_full_equalises_distributions_and_keeps_ranks():
    rng = np.random.default_rng(1)
    groups = np.repeat(["a", "b"], 500)
    values = np.where(groups == "a", rng.normal(3, 1, 1000), rng.normal(0, 2, 1000))

    repaired = repair_disparate_impact(values, groups)

    a, b = repaired[groups == "a"], repaired[groups == "b"]
    np.testing.assert_allclose(np.sort(a), np.sort(b))
    for group in ("a", "b"):
        rows = groups == group
        assert (np.argsort(values[rows]) == np.argsort(repaired[rows])).all()


def test_repair_partial_is_linear_in_level():
    rng = np.random.default_rng(2)
    values = rng.exponential(size=300)
    groups = rng.choice(["a", "b", "c"], size=300)

    full = repair_disparate_impact(values, groups, 1.0)
    partial = repair_disparate_impact(values, groups, 0.3)

    np.testing.assert_allclose(partial, 0.7 * values + 0.3 * full)


def test_repair_tied_values_share_one_repaired_value():
    values = np.array([0.0, 0.0, 0.0, 5.0, 0.0, 2.0, 4.0, 6.0])
    groups = ["a"] * 4 + ["b"] * 4

    repaired = repair_disparate_impact(values, groups)

    assert len(set(repaired[:3])) == 1


def test_repair_keeps_missing_values_missing():
    values = np.array([1.0, np.nan, 3.0, 4.0, 5.0, 6.0])

    repaired = repair_disparate_impact(values, ["a", "a", "a", "b", "b", "b"])

    assert np.isnan(repaired[1])
    assert not np.isnan(np.delete(repaired, 1)).any()


@pytest.mark.parametrize("level", [-0.1, 1.5])
def test_repair_level_out_of_range_rejected(level):
    with pytest.raises(ValueError, match="repair_level must be in"):
        repair_disparate_impact(np.arange(4.0), ["a", "a", "b", "b"], level)


def test_repair_transformer_on_new_rows_uses_training_distributions():
    train = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0], "group": list("aaabbb")})
    repair = DisparateImpactRepair(protected_columns=["group"]).fit(
        train, [0, 1, 0, 1, 0, 1], sensitive_features=train["group"]
    )

    new = pd.DataFrame({"x": [2.0, 5.0], "group": ["a", "b"]}, index=[10, 11])
    repaired = repair.transform(new, new["group"])

    assert list(repaired.columns) == ["x"]
    assert list(repaired.index) == [10, 11]
    np.testing.assert_allclose(repaired["x"], [3.5, 3.5])
    np.testing.assert_allclose(repair.transform(train, train["group"])["x"], repair_disparate_impact(train["x"], train["group"]))


def test_repair_transformer_unseen_group_rejected():
    train = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]})
    repair = DisparateImpactRepair().fit(train, [0, 1, 0, 1], sensitive_features=["a", "a", "b", "b"])

    with pytest.raises(DataError, match=r"cannot repair rows of \['c'\]"):
        repair.transform(train.iloc[:1], ["c"])


def test_repair_transformer_non_numeric_column_rejected():
    train = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "region": list("nsns")})

    with pytest.raises(DataError, match=r"not numeric: \['region'\]"):
        DisparateImpactRepair(columns=["region"]).fit(train, [0, 1, 0, 1], sensitive_features=list("aabb"))
