"""Multiple-testing corrections over a family of hypotheses.

- Holm's step-down procedure controls the family-wise error rate. With the
  m p-values sorted ascending, the adjusted ``i``-th is
  ``max over j <= i of min(1, (m - j + 1) p_(j))``.
- The Benjamini-Hochberg step-up procedure controls the false discovery
  rate. The adjusted ``i``-th is ``min over j >= i of min(1, m p_(j) / j)``.

A hypothesis is rejected when its adjusted p-value is at most ``alpha``, which
gives the same decisions as statsmodels' ``multipletests`` with ``"holm"``
and ``"fdr_bh"``. Hypotheses whose p-value is undefined (NaN) are left out of
the family; they keep a NaN adjusted p-value and are never rejected.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from fairtrack.errors import StatisticsError

CORRECTIONS = ("benjamini-hochberg", "holm")
CORRECTION_NAMES = {
    "holm": "Holm step-down (family-wise error rate)",
    "benjamini-hochberg": "Benjamini-Hochberg step-up (false discovery rate)",
}

Correction = Literal["holm", "benjamini-hochberg"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Hypothesis:
    """One hypothesis of a family with its raw and adjusted p-values.

    Attributes
    ----------
    metric : str
        The metric tested.
    attributes : tuple of str
        The protected attributes whose groups are compared.
    alternative : str
        What a rejection means, for example ``"improved"``.
    pvalue : float
        The raw p-value; NaN when the test was undefined.
    adjusted_pvalue : float
        The p-value after the family's correction.
    rejected : bool
        Whether ``adjusted_pvalue <= alpha``.
    """

    metric: str
    attributes: tuple[str, ...]
    alternative: str
    pvalue: float
    adjusted_pvalue: float
    rejected: bool

    @property
    def name(self) -> str:
        """A readable label such as ``demographic_parity_difference on sex x race: improved``."""
        return f"{self.metric} on {' x '.join(self.attributes)}: {self.alternative}"


@dataclass(frozen=True)
class TestFamily:
    """A family of hypotheses corrected together.

    Attributes
    ----------
    description : str
        What the family contains, for reports.
    correction : {"holm", "benjamini-hochberg"}
        The correction applied.
    alpha : float
        The family-wise error rate (Holm) or false discovery rate
        (Benjamini-Hochberg) controlled.
    hypotheses : tuple of Hypothesis
        The hypotheses, in the order given.
    """

    __test__ = False  # not a pytest test class

    description: str
    correction: str
    alpha: float
    hypotheses: tuple[Hypothesis, ...]

    @property
    def size(self) -> int:
        """The number of hypotheses with a defined p-value, which the correction counts."""
        return sum(not np.isnan(hypothesis.pvalue) for hypothesis in self.hypotheses)

    def find(self, metric: str, attributes: Sequence[str]) -> Hypothesis | None:
        """Return the hypothesis about ``metric`` on ``attributes``, or None."""
        requested = tuple(attributes)
        for hypothesis in self.hypotheses:
            if hypothesis.metric == metric and hypothesis.attributes == requested:
                return hypothesis
        return None

    def to_dict(self) -> dict[str, Any]:
        """Return the family as a JSON-ready dictionary."""
        return {
            "description": self.description,
            "correction": self.correction,
            "alpha": self.alpha,
            "size": self.size,
            "hypotheses": [
                {
                    "metric": hypothesis.metric,
                    "attributes": list(hypothesis.attributes),
                    "alternative": hypothesis.alternative,
                    "pvalue": _none_if_nan(hypothesis.pvalue),
                    "adjusted_pvalue": _none_if_nan(hypothesis.adjusted_pvalue),
                    "rejected": hypothesis.rejected,
                }
                for hypothesis in self.hypotheses
            ],
        }


def holm(pvalues: Sequence[float]) -> np.ndarray:
    """Adjust p-values with Holm's step-down procedure.

    Parameters
    ----------
    pvalues : sequence of float
        Raw p-values in [0, 1]; NaN entries are left out and stay NaN.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values in the input order.
    """
    return _adjust(pvalues, _holm_sorted)


def benjamini_hochberg(pvalues: Sequence[float]) -> np.ndarray:
    """Adjust p-values with the Benjamini-Hochberg step-up procedure.

    Parameters
    ----------
    pvalues : sequence of float
        Raw p-values in [0, 1]; NaN entries are left out and stay NaN.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values in the input order.
    """
    return _adjust(pvalues, _benjamini_hochberg_sorted)


def adjust_pvalues(pvalues: Sequence[float], correction: Correction = "holm") -> np.ndarray:
    """Adjust p-values with the named correction.

    Parameters
    ----------
    pvalues : sequence of float
        Raw p-values; NaN entries are left out and stay NaN.
    correction : {"holm", "benjamini-hochberg"}, default="holm"
        The procedure.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values in the input order.

    Raises
    ------
    StatisticsError
        If the correction is unknown or a p-value is outside [0, 1].
    """
    if correction == "holm":
        return holm(pvalues)
    if correction == "benjamini-hochberg":
        return benjamini_hochberg(pvalues)
    raise StatisticsError(f"correction must be one of {sorted(CORRECTIONS)}; got {correction!r}.")


def correct_family(
    hypotheses: Sequence[tuple[str, tuple[str, ...], str, float]],
    correction: Correction = "holm",
    alpha: float = 0.05,
    description: str = "",
) -> TestFamily:
    """Correct a family of hypotheses together.

    Parameters
    ----------
    hypotheses : sequence of (metric, attributes, alternative, pvalue)
        The family.
    correction : {"holm", "benjamini-hochberg"}, default="holm"
        The procedure.
    alpha : float, default=0.05
        The error rate to control, in (0, 1).
    description : str, default=""
        What the family contains, for reports.

    Returns
    -------
    TestFamily
        The hypotheses with adjusted p-values and decisions.
    """
    if not 0 < alpha < 1:
        raise StatisticsError(f"alpha must be in (0, 1); got {alpha!r}.")
    raw = np.array([pvalue for *_, pvalue in hypotheses], dtype=float)
    adjusted = adjust_pvalues(raw, correction)
    family = TestFamily(
        description=description,
        correction=correction,
        alpha=alpha,
        hypotheses=tuple(
            Hypothesis(
                metric=metric,
                attributes=tuple(attributes),
                alternative=alternative,
                pvalue=float(pvalue),
                adjusted_pvalue=float(adjusted_pvalue),
                rejected=bool(adjusted_pvalue <= alpha),
            )
            for (metric, attributes, alternative, pvalue), adjusted_pvalue in zip(hypotheses, adjusted)
        ),
    )
    logger.info(
        "%s correction over %d hypotheses rejected %d at alpha %s",
        correction,
        family.size,
        sum(hypothesis.rejected for hypothesis in family.hypotheses),
        alpha,
    )
    return family


def _adjust(pvalues: Sequence[float], sorted_adjustment) -> np.ndarray:
    raw = np.asarray(pvalues, dtype=float).reshape(-1)
    defined = ~np.isnan(raw)
    if ((raw[defined] < 0) | (raw[defined] > 1)).any():
        raise StatisticsError(f"p-values must be in [0, 1]; got {raw[defined].tolist()!r}.")

    adjusted = np.full(raw.shape, np.nan)
    values = raw[defined]
    if values.size:
        order = np.argsort(values, kind="stable")
        result = np.empty_like(values)
        result[order] = sorted_adjustment(values[order])
        adjusted[defined] = result
    return adjusted


def _holm_sorted(ordered: np.ndarray) -> np.ndarray:
    n_tests = len(ordered)
    scaled = (n_tests - np.arange(n_tests)) * ordered
    return np.minimum(1.0, np.maximum.accumulate(scaled))


def _benjamini_hochberg_sorted(ordered: np.ndarray) -> np.ndarray:
    n_tests = len(ordered)
    scaled = n_tests * ordered / np.arange(1, n_tests + 1)
    return np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])


def _none_if_nan(value: float) -> float | None:
    return None if np.isnan(value) else value
