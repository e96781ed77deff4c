"""Calibrated equalized odds (Pleiss, Raghavan, Wu, Kleinberg and Weinberger,
"On fairness and calibration", NeurIPS 2017), with aif360's
``CalibratedEqOddsPostprocessing``.

On validation rows, aif360 fits the share of each group's scores to replace
by that group's base rate. The shares make the generalised false positive
rate, false negative rate or their weighted sum (``cost_constraint``) equal
between the privileged and the unprivileged group. Only one group is ever
mixed.

A mixing rate above 1 means that even the group's trivial classifier (every
score set to the base rate) cannot bring its cost up to the other group's.
aif360 0.6.1 returns such a rate without comment, and its predictions then
replace every score of the group. fairtrack raises an error instead, so that
the technique is reported as failed. On Adult with sex protected, the
``"weighted"`` and ``"fpr"`` costs needed rates of 1.61 and 2.51 for women,
while ``"fnr"`` needed 0.08 for men, which is why ``"fnr"`` is the default
here (aif360's is ``"weighted"``).

fairtrack fits with aif360 and then predicts with the fitted mixing rates
itself: aif360's ``predict`` seeds numpy's global generator
(``np.random.seed``), and fairtrack seeds nothing global. The rule is the
same: each row of a group is replaced by the group's base rate with
probability equal to the group's mixing rate, and the label is favourable
where the resulting score is at least 0.5. The draws come from a generator
seeded by ``random_state`` on every call, so the same rows in the same order
get the same predictions.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from fairtrack.errors import FairtrackError
from fairtrack.interventions._aif360 import (
    PRIVILEGED_GROUPS,
    UNPRIVILEGED_GROUPS,
    binary_label_dataset,
    import_aif360,
)
from fairtrack.interventions.base import PostProcessor, check_privileged

COST_CONSTRAINTS = ("fnr", "fpr", "weighted")
DECISION_THRESHOLD = 0.5

logger = logging.getLogger(__name__)


class CalibratedEqualizedOdds(PostProcessor):
    """Mix one group's scores with its base rate to equalise a generalised error rate.

    Parameters
    ----------
    estimator : FairClassifier or None, default=None
        The fitted classifier whose scores are adjusted; set by
        :class:`~fairtrack.interventions.chain.FairPipeline` when chaining.
    privileged : sequence
        The privileged groups of the targeted protected attribute; every
        other group is unprivileged.
    cost_constraint : {"fnr", "fpr", "weighted"}, default="fnr"
        The generalised error rate to equalise, as in aif360.
    favorable : {0, 1}, default=1
        The label value that is the favourable outcome.
    random_state : int, default=0
        Seeds the draws that decide which rows are mixed.

    Attributes
    ----------
    privileged_mix_rate_, unprivileged_mix_rate_ : float
        Probability that a row of the group gets the group's base rate.
    privileged_base_rate_, unprivileged_base_rate_ : float
        Share of favourable labels per group on the validation rows.

    Notes
    -----
    ``predict_proba`` returns the probability that ``predict`` gives label
    1, which only takes the values 0, 1, the mixing rate and one minus it.
    """

    technique = "calibrated_equalized_odds"

    def __init__(
        self,
        estimator: Any = None,
        privileged: Sequence[Any] = (),
        cost_constraint: Literal["fnr", "fpr", "weighted"] = "fnr",
        favorable: int = 1,
        random_state: int = 0,
    ):
        self.estimator = estimator
        self.privileged = privileged
        self.cost_constraint = cost_constraint
        self.favorable = favorable
        self.random_state = random_state

    def _fit_scores(self, scores: np.ndarray, y: np.ndarray, groups: np.ndarray) -> None:
        if self.cost_constraint not in COST_CONSTRAINTS:
            raise ValueError(
                f"cost_constraint must be one of {sorted(COST_CONSTRAINTS)!r}; got {self.cost_constraint!r}."
            )
        is_privileged = check_privileged(self.privileged, groups)
        favorable_scores = _favorable_scores(scores, self.favorable)
        predicted = np.where(favorable_scores >= DECISION_THRESHOLD, self.favorable, 1 - self.favorable)

        CalibratedEqOddsPostprocessing = import_aif360(
            "aif360.algorithms.postprocessing", "CalibratedEqOddsPostprocessing"
        )
        model = CalibratedEqOddsPostprocessing(
            unprivileged_groups=UNPRIVILEGED_GROUPS,
            privileged_groups=PRIVILEGED_GROUPS,
            cost_constraint=self.cost_constraint,
        )
        model.fit(
            binary_label_dataset(is_privileged, y, self.favorable),
            binary_label_dataset(is_privileged, predicted, self.favorable, scores=favorable_scores),
        )
        self.privileged_mix_rate_ = float(model.priv_mix_rate)
        self.unprivileged_mix_rate_ = float(model.unpriv_mix_rate)
        self.privileged_base_rate_ = float(model.base_rate_priv)
        self.unprivileged_base_rate_ = float(model.base_rate_unpriv)

        rates = {"privileged": self.privileged_mix_rate_, "unprivileged": self.unprivileged_mix_rate_}
        infeasible = {group: round(rate, 4) for group, rate in rates.items() if not 0.0 <= rate <= 1.0}
        if infeasible:
            others = sorted(set(COST_CONSTRAINTS) - {self.cost_constraint})
            raise FairtrackError(
                f"Calibrated equalized odds with cost_constraint={self.cost_constraint!r} is infeasible on "
                f"these validation rows: it needs mixing rates {infeasible!r}, outside [0, 1]. "
                f"Try cost_constraint in {others!r} or another post-processing technique."
            )
        logger.info(
            "Calibrated equalized odds (%s) mixes %.3f of privileged and %.3f of unprivileged scores",
            self.cost_constraint,
            self.privileged_mix_rate_,
            self.unprivileged_mix_rate_,
        )

    def _adjust(self, scores: np.ndarray, groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        is_privileged = np.isin(groups, [str(value) for value in self.privileged])
        favorable_scores = _favorable_scores(scores, self.favorable)
        mix_rate = np.where(is_privileged, self.privileged_mix_rate_, self.unprivileged_mix_rate_)
        base_rate = np.where(is_privileged, self.privileged_base_rate_, self.unprivileged_base_rate_)

        draws = np.random.default_rng(self.random_state).random(len(scores))
        mixed = np.where(draws <= mix_rate, base_rate, favorable_scores)
        favorable_predicted = mixed >= DECISION_THRESHOLD
        favorable_probability = (1 - mix_rate) * (favorable_scores >= DECISION_THRESHOLD) + mix_rate * (
            base_rate >= DECISION_THRESHOLD
        )

        if self.favorable == 1:
            return favorable_predicted.astype(np.int8), favorable_probability
        return (~favorable_predicted).astype(np.int8), 1.0 - favorable_probability


def _favorable_scores(scores: np.ndarray, favorable: int) -> np.ndarray:
    """Return the probability of the favourable label from the probability of label 1."""
    if favorable not in (0, 1):
        raise ValueError(f"favorable must be 0 or 1; got {favorable!r}.")
    return scores if favorable == 1 else 1.0 - scores
