"""Tests of the pre-processing interventions."""

import numpy as np
import pandas as pd
import pytest

from fairtrack.errors import SpecError
from fairtrack.interventions import reweigh, suppress_proxies


def test_reweighing_weights_match_definition():
    label = np.array([1, 1, 0, 0, 0, 1, 0, 0])
    groups = pd.Series(["m", "m", "m", "m", "f", "f", "f", "f"])

    weights = reweigh(label, groups, privileged=("m",)).sample_weight

    # w(a, y) = P(a) P(y) / P(a, y); every (group, label) cell here is checked.
    expected = {("m", 1): 0.5 * 0.375 / 0.25, ("m", 0): 0.5 * 0.625 / 0.25, ("f", 1): 0.5 * 0.375 / 0.125, ("f", 0): 0.5 * 0.625 / 0.375}
    for index, (group, value) in enumerate(zip(groups, label)):
        assert weights[index] == pytest.approx(expected[(group, value)])


def test_reweighing_makes_label_independent_of_group():
    rng = np.random.default_rng(0)
    groups = pd.Series(rng.choice(["m", "f"], size=5000))
    label = (rng.random(5000) < np.where(groups == "m", 0.4, 0.15)).astype(int)

    weights = reweigh(label, groups, privileged=("m",)).sample_weight

    rates = {g: np.average(label[groups == g], weights=weights[groups == g]) for g in ("m", "f")}
    assert rates["m"] == pytest.approx(rates["f"], abs=1e-9)


def test_suppression_keeps_legitimate_mediators():
    result = suppress_proxies(
        ["sex", "relationship", "education-num", "age"],
        protected_columns=["sex"],
        proxy_candidates=["relationship", "education-num"],
        legitimate_mediators=["education-num"],
    )

    assert result.dropped_features == ("sex", "relationship")
    assert result.params["kept_legitimate_mediators"] == ["education-num"]


def test_suppression_of_every_feature_rejected():
    with pytest.raises(SpecError, match="would drop every feature column"):
        suppress_proxies(["sex", "job"], protected_columns=["sex"], proxy_candidates=["job"])
