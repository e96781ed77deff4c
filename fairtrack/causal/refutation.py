"""Refutation tests of the total-effect estimate with DoWhy's refuters.

Each refuter changes the data in a way that should, or should not, change the
estimate, re-estimates many times and tests the original value against the
simulated ones:

- placebo treatment: A is replaced by a random permutation of itself, so the
  simulated effects should centre on zero;
- random common cause: an independent random column joins the adjustment
  set, so the estimate should not move;
- data subset: the effect is re-estimated on random 80 % subsets, so the
  estimate should stay within their spread.

The estimate survives a refuter when DoWhy's significance test does not
reject at ``1 - confidence_level``. DoWhy 0.14 uses a percentile bootstrap
test from 100 simulations on and a normal approximation below.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np

from fairtrack.causal.identification import DoWhyIdentification

REFUTERS = {
    "placebo_treatment": "placebo_treatment_refuter",
    "random_common_cause": "random_common_cause",
    "data_subset": "data_subset_refuter",
}
SUBSET_FRACTION = 0.8
SURVIVAL_RULES = {
    "placebo_treatment": "survives when the placebo effects are consistent with zero",
    "random_common_cause": "survives when the estimate is consistent with the re-estimates",
    "data_subset": "survives when the estimate is consistent with the subset re-estimates",
}

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refutation:
    """The result of one refutation test.

    Attributes
    ----------
    name : str
        ``"placebo_treatment"``, ``"random_common_cause"`` or ``"data_subset"``.
    estimate : float
        The original estimate.
    new_effect : float
        The mean of the re-estimates.
    p_value : float
        DoWhy's p-value.
    survives : bool
        Whether the estimate survives the test.
    rule : str
        The survival rule in words.
    n_simulations : int
        The number of re-estimates.
    """

    name: str
    estimate: float
    new_effect: float
    p_value: float
    survives: bool
    rule: str
    n_simulations: int

    def to_dict(self) -> dict:
        """Return the result as plain values for JSON."""
        return {
            "name": self.name,
            "estimate": self.estimate,
            "new_effect": self.new_effect,
            "p_value": self.p_value,
            "survives": self.survives,
            "rule": self.rule,
            "n_simulations": self.n_simulations,
        }


def refute_total_effect(
    identified: DoWhyIdentification,
    estimate: Any,
    n_simulations: int,
    significance_level: float,
    random_state: int,
) -> tuple[Refutation, ...]:
    """Run the placebo, random-common-cause and data-subset refuters on an estimate.

    Parameters
    ----------
    identified : DoWhyIdentification
        The identified total effect, with DoWhy's model and estimand.
    estimate : dowhy.causal_estimator.CausalEstimate
        The total-effect estimate from
        :func:`fairtrack.causal.estimate_total_effect`.
    n_simulations : int
        Re-estimates per refuter.
    significance_level : float
        The level at which a refuter's test rejects the estimate.
    random_state : int
        Seeds every refuter.

    Returns
    -------
    tuple of Refutation
        One result per refuter, in the order of :data:`REFUTERS`.
    """
    seeds = np.random.SeedSequence(random_state).generate_state(len(REFUTERS))
    extra = {
        "placebo_treatment": {"placebo_type": "permute"},
        "data_subset": {"subset_fraction": SUBSET_FRACTION},
    }

    results = []
    for (name, method), seed in zip(REFUTERS.items(), seeds):
        # A RandomState object, not an int: DoWhy 0.14's data-subset refuter
        # reseeds pandas' sample with an int on every simulation, so all
        # subsets come out identical and the test always rejects.
        refutation = identified.model.refute_estimate(
            identified.estimand,
            estimate,
            method_name=method,
            num_simulations=n_simulations,
            random_state=np.random.RandomState(int(seed)),
            **extra.get(name, {}),
        )
        p_value = float(refutation.refutation_result["p_value"])
        result = Refutation(
            name=name,
            estimate=float(refutation.estimated_effect),
            new_effect=float(refutation.new_effect),
            p_value=p_value,
            survives=p_value >= significance_level,
            rule=f"{SURVIVAL_RULES[name]} (DoWhy's test, p >= {significance_level:g})",
            n_simulations=n_simulations,
        )
        logger.info(
            "Refutation %s: new effect %.4f, p = %.3f, %s",
            name,
            result.new_effect,
            p_value,
            "survives" if result.survives else "fails",
        )
        results.append(result)
    return tuple(results)
