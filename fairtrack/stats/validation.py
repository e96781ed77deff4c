"""The validation stage: every statistic that compares a candidate with its baseline.

:func:`validate_pair` counts the rows once, then draws from those counts:

- stratified bootstrap CIs (percentile or BCa) of every metric of both
  models and of their paired differences (:mod:`fairtrack.stats.paired`);
- paired permutation tests that the candidate improved each tested metric
  on each protected attribute and on their full intersection, corrected
  together as one family (Holm by default);
- permutation tests of each model's metrics against parity, corrected as a
  second family;
- the intersectional analysis of both models with the worst-off subgroup
  (:mod:`fairtrack.stats.intersectional`);
- the sample-size warnings.

Only ROC AUC touches the rows again; ``roc_auc=False`` skips it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from fairtrack import metrics as m
from fairtrack.errors import StatisticsError
from fairtrack.stats.bootstrap import bootstrap_table
from fairtrack.stats.cells import count_cells
from fairtrack.stats.intersectional import IntersectionalAnalysis, attribute_combinations, intersectional_analysis
from fairtrack.stats.intervals import IntervalMethod
from fairtrack.stats.multiple_testing import CORRECTION_NAMES, Correction, TestFamily, correct_family
from fairtrack.stats.paired import (
    ModelOutput,
    PairEvaluation,
    check_evaluation_options,
    pair_evaluation,
    paired_estimates,
    roc_auc_values,
)
from fairtrack.stats.parity import ParityTest, parity_tests
from fairtrack.stats.permutation import PermutationTest, default_attribute_sets, paired_permutation_tests
from fairtrack.stats.sample_size import sample_size_warnings

TESTED_METRICS = ("demographic_parity_difference", "equalized_odds_difference")
MODEL_NAMES = ("baseline", "candidate")

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ValidationResult:
    """Everything the validation stage computed for one baseline and candidate.

    Attributes
    ----------
    evaluation : PairEvaluation
        Metric documents of both models and their paired differences.
    permutation_tests : tuple of PermutationTest
        Whether the candidate improved each tested metric, per attribute set.
    family : TestFamily
        The permutation tests after the multiple-testing correction.
    parity_tests : tuple of ParityTest
        Each model's tested metrics against parity, per attribute set.
    parity_family : TestFamily
        The parity tests after the same correction.
    intersectional : tuple of IntersectionalAnalysis
        The baseline's and the candidate's subgroup results, or empty.
    sample_size_warnings : tuple of str
        Violations of the sample-size rules.
    settings : dict
        The options the stage ran with.
    """

    evaluation: PairEvaluation
    permutation_tests: tuple[PermutationTest, ...]
    family: TestFamily
    parity_tests: tuple[ParityTest, ...]
    parity_family: TestFamily
    intersectional: tuple[IntersectionalAnalysis, ...]
    sample_size_warnings: tuple[str, ...]
    settings: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """Return the tests, families, subgroup results and settings as a JSON-ready dictionary."""
        return {
            "settings": dict(self.settings),
            "permutation_tests": [test.to_dict() for test in self.permutation_tests],
            "family": self.family.to_dict(),
            "parity_tests": [test.to_dict() for test in self.parity_tests],
            "parity_family": self.parity_family.to_dict(),
            "intersectional": {
                MODEL_NAMES[analysis.model]: analysis.to_dict() for analysis in self.intersectional
            },
            "sample_size_warnings": list(self.sample_size_warnings),
        }


def validate_pair(
    y_true: np.ndarray,
    groups: pd.DataFrame,
    baseline: ModelOutput,
    candidate: ModelOutput,
    primary_attribute: str,
    *,
    metrics: Sequence[str] = TESTED_METRICS,
    n_bootstrap: int = 1000,
    n_permutations: int = 10_000,
    n_parity_permutations: int = 1_000,
    confidence_level: float = 0.95,
    interval: IntervalMethod = "percentile",
    correction: Correction = "holm",
    alpha: float = 0.05,
    favorable: int = 1,
    intersectional: bool = True,
    roc_auc: bool = True,
    random_state: int = 0,
) -> ValidationResult:
    """Validate a candidate against its baseline on the same rows.

    Parameters
    ----------
    y_true : numpy.ndarray of shape (n_rows,)
        Labels as 0/1.
    groups : pandas.DataFrame
        One column per protected attribute.
    baseline, candidate : ModelOutput
        The two models' predictions (and scores, for ROC AUC).
    primary_attribute : str
        The attribute whose disparities appear at the top of the documents.
    metrics : sequence of str, default=("demographic_parity_difference", "equalized_odds_difference")
        The disparity metrics tested; they should include the system's
        fairness metric of record.
    n_bootstrap : int, default=1000
        Bootstrap resamples.
    n_permutations : int, default=10_000
        Permutations of every paired test.
    n_parity_permutations : int, default=1_000
        Draws of every test against parity. Each draw costs one
        hypergeometric draw per intersectional cell and label, the most
        expensive draw of the stage; 1,000 give p-values down to 0.001,
        enough for a Holm-corrected family of up to 50 tests at alpha 0.05.
    confidence_level : float, default=0.95
        The coverage of every interval.
    interval : {"percentile", "bca"}, default="percentile"
        The interval method.
    correction : {"holm", "benjamini-hochberg"}, default="holm"
        The multiple-testing correction of both families.
    alpha : float, default=0.05
        The level of the corrected tests.
    favorable : {0, 1}, default=1
        The label value that is the favourable outcome, for the worst-off
        subgroup.
    intersectional : bool, default=True
        Whether to run the intersectional analysis.
    roc_auc : bool, default=True
        Whether to estimate ROC AUC (the one statistic that resamples rows).
    random_state : int, default=0
        Seed of every draw. With the same seed the evaluation equals
        :func:`fairtrack.evaluation.evaluate_pair`'s.

    Returns
    -------
    ValidationResult
        Intervals, tests, corrected families, subgroup results and warnings.

    Raises
    ------
    StatisticsError
        If an option is invalid.
    DataError
        If the labels, predictions or groups are invalid.
    """
    check_evaluation_options(groups, primary_attribute, interval)
    unknown = [metric for metric in metrics if metric not in m.FAIRER_DIRECTION]
    if unknown or not metrics:
        raise StatisticsError(
            f"metrics must be a non-empty selection of {sorted(m.FAIRER_DIRECTION)}; got {list(metrics)!r}."
        )

    table = count_cells(y_true, groups, [baseline.predictions, candidate.predictions])
    rng = np.random.default_rng(random_state)
    boot = bootstrap_table(table, n_bootstrap, rng)
    auc_values = None
    if roc_auc and baseline.scores is not None and candidate.scores is not None:
        auc_values = roc_auc_values(y_true, groups, [baseline.scores, candidate.scores], n_bootstrap, rng)
    estimates = paired_estimates(
        boot, attribute_combinations(table.attributes), confidence_level, interval, auc_values
    )
    evaluation = pair_evaluation(boot, primary_attribute, confidence_level, interval, estimates=estimates)

    attribute_sets = default_attribute_sets(table.attributes)
    tests = paired_permutation_tests(table, metrics, attribute_sets, n_permutations, "improved", rng)
    family = correct_family(
        [(test.metric, test.attributes, test.alternative, test.pvalue) for test in tests],
        correction,
        alpha,
        description=_family_description(
            "paired permutation tests that the candidate improved", metrics, attribute_sets, len(tests)
        ),
    )

    models = (0, 1)
    parity = parity_tests(table, metrics, attribute_sets, models, n_parity_permutations, rng)
    parity_family = correct_family(
        [
            (test.metric, test.attributes, f"{MODEL_NAMES[test.model]} differs from parity", test.pvalue)
            for test in parity
        ],
        correction,
        alpha,
        description=_family_description(
            "permutation tests against parity of the baseline and of the candidate for",
            metrics,
            attribute_sets,
            len(parity),
        ),
    )

    analyses: tuple[IntersectionalAnalysis, ...] = ()
    if intersectional:
        analyses = tuple(
            intersectional_analysis(boot, model, favorable=favorable, estimates=estimates[model])
            for model in (0, 1)
        )

    settings = {
        "n_rows": table.n_rows,
        "n_bootstrap": n_bootstrap,
        "n_permutations": n_permutations,
        "n_parity_permutations": n_parity_permutations,
        "confidence_level": confidence_level,
        "interval": interval,
        "correction": correction,
        "alpha": alpha,
        "metrics": list(metrics),
        "attribute_sets": [list(attributes) for attributes in attribute_sets],
        "favorable": favorable,
        "random_state": random_state,
    }
    logger.info(
        "Validated the candidate on %d rows: %d of %d improvement hypotheses rejected after %s",
        table.n_rows,
        sum(hypothesis.rejected for hypothesis in family.hypotheses),
        family.size,
        CORRECTION_NAMES[correction],
    )
    return ValidationResult(
        evaluation=evaluation,
        permutation_tests=tuple(tests),
        family=family,
        parity_tests=tuple(parity),
        parity_family=parity_family,
        intersectional=analyses,
        sample_size_warnings=tuple(sample_size_warnings(table)),
        settings=settings,
    )


def _family_description(
    tests: str, metrics: Sequence[str], attribute_sets: Sequence[tuple[str, ...]], n_hypotheses: int
) -> str:
    sets = ", ".join(" x ".join(attributes) for attributes in attribute_sets)
    return f"{tests} {', '.join(metrics)} on {sets}: {n_hypotheses} hypotheses"
