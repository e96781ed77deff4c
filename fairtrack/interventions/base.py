"""The result that a pre-processing technique passes to retraining."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class PreprocessingResult:
    """The outcome of a pre-processing technique.

    Attributes
    ----------
    technique : str
        The technique's name, as in the specification.
    params : dict
        The parameters it ran with, for the intervention log.
    sample_weight : numpy.ndarray or None
        Weights for the training rows, or None for equal weights.
    dropped_features : tuple of str
        Feature columns to leave out when retraining.
    """

    technique: str
    params: dict[str, Any] = field(default_factory=dict)
    sample_weight: np.ndarray | None = None
    dropped_features: tuple[str, ...] = ()
