"""Tests of correlation removal on proxy features."""

import numpy as np
import pandas as pd
import pytest

from fairtrack.errors import DataError
from fairtrack.interventions import CorrelationRemoval


@pytest.fixture
def proxy_frame():
    rng = np.random.default_rng(0)
    group = rng.choice(["f", "m"], size=400)
    return pd.DataFrame(
        {
            "hours": rng.normal(40, 5, 400) + np.where(group == "m", 6, 0),
            "job": np.where(rng.random(400) < np.where(group == "m", 0.7, 0.2), "craft", "clerical"),
            "age": rng.integers(20, 60, 400),
            "sex": group,
        }
    )


def test_correlation_removal_decorrelates_proxies(proxy_frame):
    label = np.zeros(len(proxy_frame), dtype=int)
    remover = CorrelationRemoval(proxy_features=["hours", "job"], protected_columns=["sex"])

    transformed = remover.fit_transform(proxy_frame, label, sensitive_features=proxy_frame["sex"])

    is_male = (proxy_frame["sex"] == "m").astype(float)
    assert abs(np.corrcoef(proxy_frame["hours"], is_male)[0, 1]) > 0.4
    for column in ["hours", "job=craft", "job=clerical"]:
        assert abs(np.corrcoef(transformed[column], is_male)[0, 1]) < 1e-10


def test_correlation_removal_keeps_other_columns_and_index(proxy_frame):
    frame = proxy_frame.set_axis(range(100, 100 + len(proxy_frame)))
    remover = CorrelationRemoval(proxy_features=["hours", "job"], protected_columns=["sex"])

    transformed = remover.fit_transform(frame, np.zeros(len(frame), dtype=int), sensitive_features=frame["sex"])

    assert list(transformed.columns) == ["age", "hours", "job=clerical", "job=craft"]
    assert transformed.index.equals(frame.index)
    assert (transformed["age"] == frame["age"]).all()


def test_correlation_removal_alpha_zero_keeps_values(proxy_frame):
    remover = CorrelationRemoval(proxy_features=["hours"], alpha=0.0)

    transformed = remover.fit_transform(
        proxy_frame, np.zeros(len(proxy_frame), dtype=int), sensitive_features=proxy_frame["sex"]
    )

    np.testing.assert_allclose(transformed["hours"], proxy_frame["hours"])


def test_correlation_removal_missing_proxy_rejected(proxy_frame):
    with pytest.raises(DataError, match=r"Proxy features \['tenure'\] are not feature columns"):
        CorrelationRemoval(proxy_features=["tenure"]).fit(
            proxy_frame, np.zeros(len(proxy_frame), dtype=int), sensitive_features=proxy_frame["sex"]
        )
