"""Tests of the intersectional analysis: combinations, counts, flags and the worst-off subgroup."""

import numpy as np
import pandas as pd
import pytest

from fairtrack.errors import StatisticsError
from fairtrack.stats import bootstrap_table, count_cells, intersectional_analysis, sample_size_warnings


def frame(cells):
    """Rows from (sex, race, rows, selection rate) tuples; labels alternate."""
    groups, predictions = [], []
    for sex, race, n_rows, rate in cells:
        groups += [(sex, race)] * n_rows
        positives = round(rate * n_rows)
        predictions += [1] * positives + [0] * (n_rows - positives)
    groups = pd.DataFrame(groups, columns=["sex", "race"])
    y_true = np.arange(len(groups)) % 2
    return y_true, groups, np.array(predictions)


@pytest.fixture
def analysis():
    y_true, groups, y_pred = frame(
        [
            ("f", "x", 400, 0.30),
            ("f", "y", 150, 0.20),
            ("m", "x", 500, 0.50),
            ("m", "y", 40, 0.05),  # the lowest rate, but too few rows to be trusted
        ]
    )
    boot = bootstrap_table(count_cells(y_true, groups, [y_pred]), 200, 0)
    return intersectional_analysis(boot, 0)


def test_intersectional_lists_every_combination(analysis):
    assert [combination.attributes for combination in analysis.combinations] == [
        ("sex",),
        ("race",),
        ("sex", "race"),
    ]
    full = analysis.combinations[-1]
    assert [subgroup.groups for subgroup in full.subgroups] == [("f", "x"), ("f", "y"), ("m", "x"), ("m", "y")]
    assert [subgroup.count for subgroup in full.subgroups] == [400, 150, 500, 40]


def test_intersectional_rates_and_intervals(analysis):
    subgroup = analysis.combinations[-1].subgroups[1]

    rate = subgroup.rates["selection_rate"]
    assert rate.value == pytest.approx(0.2)
    assert rate.low < 0.2 < rate.high
    assert analysis.combinations[-1].disparities["demographic_parity_difference"].value == pytest.approx(0.45)


def test_intersectional_flags_small_subgroups(analysis):
    full = analysis.combinations[-1]

    assert [subgroup.small for subgroup in full.subgroups] == [False, False, False, True]
    assert full.required_rows == 400
    assert full.sufficient  # 1,090 rows > 100 x 2 x 2
    assert any("m/y: 40 rows" in warning for warning in analysis.warnings)


def test_intersectional_worst_off_skips_small_subgroups(analysis):
    assert analysis.worst_off.groups == ("f", "y")
    assert any("lower selection_rate than the worst-off subgroup" in warning for warning in analysis.warnings)


def test_intersectional_worst_off_unfavourable_label():
    y_true, groups, y_pred = frame([("f", "x", 200, 0.3), ("m", "x", 200, 0.6)])
    boot = bootstrap_table(count_cells(y_true, groups, [y_pred]), 50, 0)

    analysis = intersectional_analysis(boot, 0, favorable=0)

    assert analysis.worst_off.groups == ("m", "x")


def test_intersectional_keeps_empty_subgroups_and_flags_insufficient():
    y_true, groups, y_pred = frame([("f", "x", 150, 0.3), ("m", "y", 150, 0.6)])
    boot = bootstrap_table(count_cells(y_true, groups, [y_pred]), 50, 0)

    analysis = intersectional_analysis(boot, 0)

    full = analysis.combinations[-1]
    empty = [subgroup for subgroup in full.subgroups if subgroup.count == 0]
    assert [subgroup.groups for subgroup in empty] == [("f", "y"), ("m", "x")]
    assert not empty[0].rates["selection_rate"].defined
    assert not full.sufficient
    assert any("sample-size rule wants more than 400" in warning for warning in analysis.warnings)


def test_sample_size_warnings_name_small_groups():
    y_true, groups, y_pred = frame([("f", "x", 60, 0.3), ("m", "x", 500, 0.6)])

    warnings = sample_size_warnings(count_cells(y_true, groups, [y_pred]))

    assert any("Only 560 rows" in warning for warning in warnings)
    assert any("Group sex=f has 60 rows" in warning for warning in warnings)


def test_intersectional_rejects_unknown_criterion(analysis):
    y_true, groups, y_pred = frame([("f", "x", 10, 0.3)])
    boot = bootstrap_table(count_cells(y_true, groups, [y_pred]), 10, 0)

    with pytest.raises(StatisticsError, match="criterion must be one of"):
        intersectional_analysis(boot, 0, criterion="accuracy")
