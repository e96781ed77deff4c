"""Holm and Benjamini-Hochberg corrections against statsmodels' multipletests."""

import numpy as np
import pytest
from statsmodels.stats.multitest import multipletests

from fairtrack.errors import StatisticsError
from fairtrack.stats import adjust_pvalues, benjamini_hochberg, correct_family, holm

STATSMODELS_METHODS = {"holm": "holm", "benjamini-hochberg": "fdr_bh"}


def pvalue_sets():
    rng = np.random.default_rng(0)
    sets = [rng.uniform(size=size) for size in (1, 2, 7, 40)]
    sets.append(np.concatenate([rng.uniform(0, 0.01, size=10), rng.uniform(size=10)]))
    sets.append(np.array([0.01, 0.01, 0.02, 0.02, 0.04, 0.5, 0.5]))  # ties
    sets.append(np.array([0.0, 1.0, 0.03]))
    return sets


@pytest.mark.parametrize("correction", sorted(STATSMODELS_METHODS))
def test_multiple_testing_equals_statsmodels(correction):
    for pvalues in pvalue_sets():
        reject, expected, _, _ = multipletests(pvalues, alpha=0.05, method=STATSMODELS_METHODS[correction])

        adjusted = adjust_pvalues(pvalues, correction)
        family = correct_family([("m", ("a",), "improved", p) for p in pvalues], correction, alpha=0.05)

        np.testing.assert_allclose(adjusted, expected, atol=1e-12)
        assert [hypothesis.rejected for hypothesis in family.hypotheses] == reject.tolist()


def test_multiple_testing_skips_undefined_pvalues():
    pvalues = np.array([0.01, np.nan, 0.04])

    adjusted = holm(pvalues)

    np.testing.assert_allclose(adjusted[[0, 2]], multipletests([0.01, 0.04], method="holm")[1])
    assert np.isnan(adjusted[1])
    family = correct_family([("m", ("a",), "improved", p) for p in pvalues])
    assert family.size == 2
    assert not family.hypotheses[1].rejected


def test_benjamini_hochberg_less_strict_than_holm():
    pvalues = np.array([0.01, 0.02, 0.03, 0.04, 0.05])

    assert (benjamini_hochberg(pvalues) <= holm(pvalues)).all()


def test_family_find_and_serialise():
    family = correct_family(
        [
            ("demographic_parity_difference", ("sex",), "improved", 0.001),
            ("equalized_odds_difference", ("sex",), "improved", 0.2),
        ],
        "holm",
        description="two tests",
    )

    found = family.find("demographic_parity_difference", ["sex"])

    assert found.rejected and found.adjusted_pvalue == pytest.approx(0.002)
    assert family.find("demographic_parity_difference", ["race"]) is None
    assert family.to_dict()["hypotheses"][1]["adjusted_pvalue"] == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("pvalues", "correction", "message"),
    [
        ([0.1, 1.2], "holm", "p-values must be in"),
        ([0.1], "bonferroni", "correction must be one of"),
    ],
)
def test_multiple_testing_rejects_invalid_input(pvalues, correction, message):
    with pytest.raises(StatisticsError, match=message):
        adjust_pvalues(pvalues, correction)
