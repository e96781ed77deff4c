"""Estimates of the total, natural direct and natural indirect effects of A on Y.

All three are linear-regression estimates on the encoded data (see
:mod:`fairtrack.causal.encoding`). With a 0/1 outcome they are differences in
the probability of the positive label (a linear probability model) between
the privileged (A = 1) and the unprivileged (A = 0) groups.

- Total effect: DoWhy's ``backdoor.linear_regression`` regresses Y on A and
  the back-door adjustment set; the interval comes from the ordinary least
  squares standard error. No effect modifiers are passed, so the effect is
  one coefficient; DoWhy 0.14's per-modifier estimates also fail under
  pandas 3 (a ``KeyError`` from ``groupby.apply``).
- Natural direct effect: the coefficient of A when Y is regressed on A, all
  mediators and the adjustment set. This equals the natural direct effect
  when the model is linear without an A-by-mediator interaction.
- Natural indirect effect: the total effect minus the natural direct effect,
  both fitted on the same rows with the same adjustment set (the difference
  method).

The direct and indirect effects get normal intervals from
heteroskedasticity-robust (HC0, White 1980) standard errors. The indirect
effect's standard error comes from the per-row influence of both
regressions' coefficients, so it accounts for their correlation. This is the
sandwich variance of the two regressions stacked into one estimator.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from fairtrack.causal.encoding import CausalFrame, design_matrix
from fairtrack.causal.identification import DoWhyIdentification, Identification

EFFECT_NAMES = ("total_effect", "natural_direct_effect", "natural_indirect_effect")
TOTAL_ESTIMATOR = (
    "DoWhy backdoor.linear_regression: OLS of the outcome on the attribute and the adjustment set, "
    "interval from the OLS standard error"
)
DIRECT_ESTIMATOR = (
    "OLS of the outcome on the attribute, the mediators and the adjustment set (no interaction), "
    "interval from the heteroskedasticity-robust (HC0) standard error"
)
INDIRECT_ESTIMATOR = (
    "difference method: OLS total effect minus natural direct effect on the same rows, "
    "interval from the HC0 standard error of the difference (stacked influence functions)"
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EffectEstimate:
    """One effect of the protected attribute on the outcome.

    Attributes
    ----------
    name : str
        One of ``"total_effect"``, ``"natural_direct_effect"`` and
        ``"natural_indirect_effect"``.
    value : float or None
        The estimate, None when the effect is not identified.
    ci : tuple of float or None
        The confidence interval, None when not estimated.
    confidence_level : float
        The interval's confidence level.
    estimator : str
        The estimator and the interval's method, in words.
    adjustment_set : tuple of str
        The variables adjusted for.
    identified : bool
        Whether the effect is identified.
    reason : str
        Why it is or is not identified.
    """

    name: str
    value: float | None
    ci: tuple[float, float] | None
    confidence_level: float
    estimator: str
    adjustment_set: tuple[str, ...]
    identified: bool
    reason: str

    def to_dict(self) -> dict:
        """Return the estimate as plain values for JSON, ``{"value": x, "ci": [low, high]}`` first."""
        return {
            "value": self.value,
            "ci": list(self.ci) if self.ci is not None else None,
            "confidence_level": self.confidence_level,
            "estimator": self.estimator,
            "adjustment_set": list(self.adjustment_set),
            "identified": self.identified,
            "reason": self.reason,
        }


def estimate_total_effect(
    identified: DoWhyIdentification, confidence_level: float
) -> tuple[EffectEstimate, Any]:
    """Estimate the total effect of A on Y with DoWhy's linear regression.

    Parameters
    ----------
    identified : DoWhyIdentification
        The output of :func:`fairtrack.causal.identify_total_effect`.
    confidence_level : float
        The confidence level of the interval, for example 0.95.

    Returns
    -------
    EffectEstimate
        The estimate, or the reason there is none.
    dowhy.causal_estimator.CausalEstimate or None
        DoWhy's estimate, which the refutations need; None when the effect
        is not identified.
    """
    identification = identified.identification
    if not identification.identified:
        return _not_estimated("total_effect", identification, confidence_level, TOTAL_ESTIMATOR), None

    estimate = identified.model.estimate_effect(
        identified.estimand,
        method_name="backdoor.linear_regression",
        control_value=0,
        treatment_value=1,
        confidence_intervals=True,
        effect_modifiers=[],
        method_params={"confidence_level": confidence_level},
    )
    low, high = np.asarray(estimate.get_confidence_intervals(), dtype=float).ravel()[:2]
    logger.info("Total effect %.4f [%.4f, %.4f]", estimate.value, low, high)
    result = EffectEstimate(
        name="total_effect",
        value=float(estimate.value),
        ci=(float(low), float(high)),
        confidence_level=confidence_level,
        estimator=TOTAL_ESTIMATOR,
        adjustment_set=identification.adjustment_set,
        identified=True,
        reason=identification.reason,
    )
    return result, estimate


def estimate_natural_effects(
    data: CausalFrame, natural: Identification, confidence_level: float
) -> tuple[EffectEstimate, EffectEstimate]:
    """Estimate the natural direct and indirect effects of A on Y.

    Parameters
    ----------
    data : CausalFrame
        The encoded observed columns.
    natural : Identification
        The output of :func:`fairtrack.causal.identify_natural_effects`.
    confidence_level : float
        The confidence level of the intervals.

    Returns
    -------
    tuple of EffectEstimate
        The natural direct effect and the natural indirect effect.
    """
    if not natural.identified:
        return (
            _not_estimated("natural_direct_effect", natural, confidence_level, DIRECT_ESTIMATOR),
            _not_estimated("natural_indirect_effect", natural, confidence_level, INDIRECT_ESTIMATOR),
        )

    frame = data.frame
    outcome = frame[data.outcome].to_numpy(dtype=float)
    intercept = np.ones((len(frame), 1))
    attribute = frame[[data.attribute]].to_numpy(dtype=float)
    adjustment = _standardised(design_matrix(frame, natural.adjustment_set))
    mediators = _standardised(design_matrix(frame, natural.mediators))

    total, total_influence = _attribute_coefficient(np.hstack([intercept, attribute, adjustment]), outcome)
    direct, direct_influence = _attribute_coefficient(
        np.hstack([intercept, attribute, mediators, adjustment]), outcome
    )
    z = stats.norm.ppf(0.5 + confidence_level / 2)
    direct_margin = z * float(np.sqrt(direct_influence @ direct_influence))
    indirect_influence = total_influence - direct_influence
    indirect_margin = z * float(np.sqrt(indirect_influence @ indirect_influence))
    indirect = total - direct
    logger.info("Natural direct effect %.4f, natural indirect effect %.4f", direct, indirect)
    return (
        EffectEstimate(
            "natural_direct_effect",
            direct,
            (float(direct - direct_margin), float(direct + direct_margin)),
            confidence_level,
            DIRECT_ESTIMATOR,
            natural.adjustment_set,
            True,
            natural.reason,
        ),
        EffectEstimate(
            "natural_indirect_effect",
            indirect,
            (float(indirect - indirect_margin), float(indirect + indirect_margin)),
            confidence_level,
            INDIRECT_ESTIMATOR,
            natural.adjustment_set,
            True,
            natural.reason,
        ),
    )


def _standardised(columns: np.ndarray) -> np.ndarray:
    """Scale each column to unit spread, which keeps the Gram matrix well conditioned.

    Scaling other regressors leaves the attribute's coefficient unchanged.
    """
    spread = columns.std(axis=0)
    return columns / np.where(spread > 0, spread, 1.0)


def _attribute_coefficient(design: np.ndarray, outcome: np.ndarray) -> tuple[float, np.ndarray]:
    """Fit OLS; return the second column's (the attribute's) coefficient and its influence per row.

    The influence of row i is the attribute's entry of (X'X)^-1 x_i e_i. Its
    sum of squares is the HC0 sandwich variance of the coefficient.
    """
    # pinv copes with collinear columns, such as education and its numeric code.
    inverse_gram = np.linalg.pinv(design.T @ design, hermitian=True)
    coefficients = inverse_gram @ (design.T @ outcome)
    residuals = outcome - design @ coefficients
    influence = (design @ inverse_gram[:, 1]) * residuals
    return float(coefficients[1]), influence


def _not_estimated(
    name: str, identification: Identification, confidence_level: float, estimator: str
) -> EffectEstimate:
    return EffectEstimate(
        name=name,
        value=None,
        ci=None,
        confidence_level=confidence_level,
        estimator=estimator,
        adjustment_set=(),
        identified=False,
        reason=identification.reason,
    )
