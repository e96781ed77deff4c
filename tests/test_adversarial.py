"""Tests of adversarial debiasing: seeding, sample weights, epoch selection."""

import numpy as np
import pytest
import torch

from fairtrack.errors import DataError
from fairtrack.interventions import AdversarialDebiasing
from fairtrack.interventions.adversarial import _select_epoch
from tests.conftest import make_biased_frame

FEATURES = ["income", "tenure", "region", "group"]


@pytest.fixture(scope="module")
def rows():
    frame = make_biased_frame(600, seed=3)
    return frame[FEATURES], (frame["approved"] == "yes").to_numpy().astype(int), frame["group"]


def _fit(rows, **params):
    X, y, groups = rows
    sample_weight = params.pop("sample_weight", None)
    params = {"max_epochs": 8, "pretrain_epochs": 2, "patience": 4, **params}
    model = AdversarialDebiasing(**params)
    return model.fit(X, y, sensitive_features=groups, sample_weight=sample_weight)


def test_adversarial_reproducible_with_seed(rows):
    X, _, groups = rows

    first = _fit(rows, random_state=7).predict_proba(X, groups)
    second = _fit(rows, random_state=7).predict_proba(X, groups)
    other = _fit(rows, random_state=8).predict_proba(X, groups)

    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other)


def test_adversarial_leaves_global_state_untouched(rows):
    torch_state = torch.get_rng_state()
    numpy_state = np.random.get_state()[1].copy()
    threads = torch.get_num_threads()

    _fit(rows, random_state=1)

    assert torch.equal(torch.get_rng_state(), torch_state)
    assert np.array_equal(np.random.get_state()[1], numpy_state)
    assert torch.get_num_threads() == threads


def test_adversarial_sample_weights_reach_losses(rows):
    X, y, groups = rows
    plain = _fit(rows).predict_proba(X, groups)

    doubled = _fit(rows, sample_weight=np.full(len(y), 2.0)).predict_proba(X, groups)
    uneven = _fit(rows, sample_weight=np.where(groups == "b", 3.0, 0.5)).predict_proba(X, groups)

    # Losses are weighted means, so scaling every weight changes nothing.
    np.testing.assert_array_equal(plain, doubled)
    assert np.abs(plain - uneven).max() > 1e-3


def test_adversarial_records_history_and_device(rows):
    model = _fit(rows)

    phases = [entry["phase"] for entry in model.history_]
    assert phases[:4] == ["pretrain_predictor"] * 2 + ["pretrain_adversary"] * 2
    assert model.history_[model.best_epoch_ - 1]["phase"] == "adversarial"
    assert model.n_epochs_ == len(model.history_) <= 4 + 8
    assert model.device_ == ("cuda" if torch.cuda.is_available() else "cpu")


def test_adversarial_partial_validation_arguments_rejected(rows):
    X, y, groups = rows

    with pytest.raises(DataError, match="Pass all of X_val, y_val and sensitive_features_val"):
        AdversarialDebiasing().fit(X, y, sensitive_features=groups, X_val=X)


def test_adversarial_unknown_constraint_rejected(rows):
    X, y, groups = rows

    with pytest.raises(ValueError, match="constraints must be one of"):
        AdversarialDebiasing(constraints="parity").fit(X, y, sensitive_features=groups)


def test_select_epoch_skips_collapsed_epoch():
    metric = "demographic_parity_difference"
    history = [
        {"phase": "pretrain_predictor", "balanced_accuracy": 0.80, metric: 0.30},
        {"phase": "adversarial", "balanced_accuracy": 0.79, metric: 0.10},
        {"phase": "adversarial", "balanced_accuracy": 0.50, metric: 0.00},
        {"phase": "adversarial", "balanced_accuracy": 0.785, metric: 0.05},
        {"phase": "adversarial", "balanced_accuracy": 0.70, metric: 0.01},
    ]

    assert _select_epoch(history, "balanced_accuracy", metric, tolerance=0.02) == 3


def test_select_epoch_none_eligible():
    metric = "equalized_odds_difference"
    history = [
        {"phase": "pretrain_predictor", "balanced_accuracy": 0.80, metric: 0.30},
        {"phase": "adversarial", "balanced_accuracy": 0.60, metric: 0.10},
        {"phase": "adversarial", "balanced_accuracy": 0.65, metric: 0.20},
    ]

    assert _select_epoch(history, "balanced_accuracy", metric, tolerance=0.02) == 2
