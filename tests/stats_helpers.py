"""Small synthetic data sets shared by the tests of fairtrack.stats."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fairtrack.stats import ModelOutput


def make_pair(n_rows: int = 3000, seed: int = 0) -> tuple[np.ndarray, pd.DataFrame, ModelOutput, ModelOutput]:
    """Labels, two protected attributes, a biased baseline and a fairer candidate on the same rows."""
    rng = np.random.default_rng(seed)
    groups = pd.DataFrame(
        {
            "sex": rng.choice(["female", "male"], size=n_rows, p=[0.4, 0.6]),
            "race": rng.choice(["p", "q", "r"], size=n_rows, p=[0.6, 0.3, 0.1]),
        }
    )
    y_true = rng.integers(0, 2, size=n_rows)
    male = (groups["sex"] == "male").to_numpy()
    baseline_score = np.clip(0.3 * y_true + 0.6 * rng.random(n_rows) + 0.15 * male, 0, 1)
    candidate_score = np.clip(0.3 * y_true + 0.6 * rng.random(n_rows) + 0.05 * male, 0, 1)
    baseline = ModelOutput((baseline_score > 0.5).astype(np.int8), baseline_score)
    candidate = ModelOutput((candidate_score > 0.5).astype(np.int8), candidate_score)
    return y_true, groups, baseline, candidate


def exchangeable_pair(n_rows: int, seed: int) -> tuple[np.ndarray, pd.DataFrame, np.ndarray, np.ndarray]:
    """Two models whose predictions are independent draws from the same group-dependent rates."""
    rng = np.random.default_rng(seed)
    groups = pd.DataFrame({"g": rng.choice(["a", "b"], size=n_rows, p=[0.6, 0.4])})
    y_true = rng.integers(0, 2, size=n_rows)
    rate = np.where(groups["g"].to_numpy() == "a", 0.55, 0.4) + 0.1 * y_true
    first = (rng.random(n_rows) < rate).astype(np.int8)
    second = (rng.random(n_rows) < rate).astype(np.int8)
    return y_true, groups, first, second
