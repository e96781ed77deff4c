"""Sensitivity of the total effect to an unobserved common cause of A and Y.

DoWhy's ``add_unobserved_common_cause`` refuter (direct simulation) draws a
standard normal confounder U, flips A for the rows with the largest U with a
given probability (the strength on A) and subtracts the strength on Y times
U from Y, then re-estimates. Over a grid of both strengths the estimate
survives when its sign never changes.

Two DoWhy 0.14 traps are avoided here. Its default strengths, inferred from
the observed confounders, fail under pandas 3 with ``IndexError: invalid
index to scalar variable``, so the grid is always passed explicitly. Passed a
whole grid at once, it modifies one copy of the data in place from cell to
cell, so later cells add up the confounding of earlier ones. Each cell is
therefore a separate call with scalar strengths.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from fairtrack.causal.identification import DoWhyIdentification

TREATMENT_FLIP_PROBABILITIES = (0.01, 0.05, 0.1, 0.2)
"""Default strengths on A: the probability that U flips a row's attribute."""
OUTCOME_STRENGTHS_IN_SD = (0.05, 0.1, 0.25, 0.5)
"""Default strengths on Y: the shift of Y per standard deviation of U, in standard deviations of Y."""
METHOD = (
    "DoWhy add_unobserved_common_cause, direct simulation: binary flip of the attribute, "
    "linear effect on the outcome, one call per grid cell"
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SensitivityAnalysis:
    """Re-estimates of the total effect over a grid of confounding strengths.

    Attributes
    ----------
    estimate : float
        The original total effect.
    treatment_strengths : tuple of float
        Probabilities that the simulated confounder flips A (grid rows).
    outcome_strengths_in_sd : tuple of float
        Effects of the confounder on Y in standard deviations of Y (grid
        columns).
    outcome_strengths : tuple of float
        The same effects in the outcome's units, as passed to DoWhy.
    new_effects : tuple of tuple of float
        The re-estimate for each grid cell, rows by treatment strength.
    survives : bool
        Whether every re-estimate has the sign of the original estimate.
    method : str
        How the confounder was simulated.
    """

    estimate: float
    treatment_strengths: tuple[float, ...]
    outcome_strengths_in_sd: tuple[float, ...]
    outcome_strengths: tuple[float, ...]
    new_effects: tuple[tuple[float, ...], ...]
    survives: bool
    method: str = METHOD

    @property
    def range(self) -> tuple[float, float]:
        """The smallest and largest re-estimate."""
        values = np.asarray(self.new_effects, dtype=float)
        return float(values.min()), float(values.max())

    def to_dict(self) -> dict:
        """Return the grid as plain values for JSON."""
        low, high = self.range
        return {
            "estimate": self.estimate,
            "treatment_strengths": list(self.treatment_strengths),
            "outcome_strengths_in_sd": list(self.outcome_strengths_in_sd),
            "outcome_strengths": list(self.outcome_strengths),
            "new_effects": [list(row) for row in self.new_effects],
            "new_effect_range": [low, high],
            "survives": self.survives,
            "method": self.method,
        }


def simulate_unobserved_confounding(
    identified: DoWhyIdentification,
    estimate: Any,
    outcome_sd: float,
    treatment_strengths: tuple[float, ...] = TREATMENT_FLIP_PROBABILITIES,
    outcome_strengths_in_sd: tuple[float, ...] = OUTCOME_STRENGTHS_IN_SD,
) -> SensitivityAnalysis:
    """Re-estimate the total effect under simulated unobserved confounders.

    Parameters
    ----------
    identified : DoWhyIdentification
        The identified total effect, with DoWhy's model and estimand.
    estimate : dowhy.causal_estimator.CausalEstimate
        The total-effect estimate.
    outcome_sd : float
        The outcome's standard deviation, which converts
        ``outcome_strengths_in_sd`` to the outcome's units.
    treatment_strengths : tuple of float, default=TREATMENT_FLIP_PROBABILITIES
        Flip probabilities of A, each in [0, 0.5].
    outcome_strengths_in_sd : tuple of float, default=OUTCOME_STRENGTHS_IN_SD
        Effects of the confounder on Y, in standard deviations of Y.

    Returns
    -------
    SensitivityAnalysis
        The re-estimate of each grid cell.

    Notes
    -----
    NOTE: DoWhy 0.14 draws the confounder from NumPy's global random
    generator and takes no seed for this refuter, so re-estimates vary
    slightly between runs. fairtrack does not seed the global generator.
    """
    outcome_strengths = tuple(float(strength * outcome_sd) for strength in outcome_strengths_in_sd)
    grid = []
    for flip in treatment_strengths:
        row = []
        for strength in outcome_strengths:
            refutation = identified.model.refute_estimate(
                identified.estimand,
                estimate,
                method_name="add_unobserved_common_cause",
                simulation_method="direct-simulation",
                confounders_effect_on_treatment="binary_flip",
                confounders_effect_on_outcome="linear",
                effect_strength_on_treatment=float(flip),
                effect_strength_on_outcome=strength,
                plotmethod=None,
            )
            row.append(float(refutation.new_effect))
        grid.append(tuple(row))

    original = float(estimate.value)
    survives = all(np.sign(value) == np.sign(original) for row in grid for value in row)
    analysis = SensitivityAnalysis(
        estimate=original,
        treatment_strengths=tuple(float(flip) for flip in treatment_strengths),
        outcome_strengths_in_sd=tuple(float(strength) for strength in outcome_strengths_in_sd),
        outcome_strengths=outcome_strengths,
        new_effects=tuple(grid),
        survives=survives,
    )
    low, high = analysis.range
    logger.info(
        "Unobserved common cause: re-estimates from %.4f to %.4f over %d cells; estimate %s",
        low,
        high,
        len(treatment_strengths) * len(outcome_strengths),
        "survives" if survives else "changes sign",
    )
    return analysis
