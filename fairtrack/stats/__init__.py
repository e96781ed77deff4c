"""Statistical validation of fairness interventions.

One counting pass turns the rows into a :class:`CellTable`. Every
count-based statistic then draws from those counts, so its cost does not
grow with the number of rows. The modules, one concept each:

- :mod:`~fairtrack.stats.cells`: the one-pass cell counts;
- :mod:`~fairtrack.stats.bootstrap`: the stratified bootstrap on counts and,
  for ROC AUC, on rows;
- :mod:`~fairtrack.stats.jackknife` and :mod:`~fairtrack.stats.intervals`:
  percentile and BCa intervals;
- :mod:`~fairtrack.stats.estimates`: metrics of a table with intervals;
- :mod:`~fairtrack.stats.paired`: two models on the same rows and their
  paired differences;
- :mod:`~fairtrack.stats.permutation`: the paired permutation test;
- :mod:`~fairtrack.stats.parity`: the one-sample test against parity;
- :mod:`~fairtrack.stats.multiple_testing`: Holm and Benjamini-Hochberg;
- :mod:`~fairtrack.stats.sample_size` and
  :mod:`~fairtrack.stats.intersectional`: subgroups and their flags;
- :mod:`~fairtrack.stats.tradeoff`: the fairness-utility Pareto frontier;
- :mod:`~fairtrack.stats.validation`: the validation stage;
- :mod:`~fairtrack.stats.report`: the validation report.
"""

from fairtrack.stats.bootstrap import TableBootstrap, bootstrap_roc_auc, bootstrap_table, resample_counts
from fairtrack.stats.cells import CellTable, cell_codes, count_cells
from fairtrack.stats.estimates import BootstrapValues, Estimate, bootstrap_values, estimate, table_metrics
from fairtrack.stats.intersectional import IntersectionalAnalysis, intersectional_analysis
from fairtrack.stats.intervals import INTERVAL_METHODS, bca_interval, percentile_interval
from fairtrack.stats.jackknife import acceleration, count_jackknife, roc_auc_jackknife
from fairtrack.stats.multiple_testing import (
    CORRECTIONS,
    TestFamily,
    adjust_pvalues,
    benjamini_hochberg,
    correct_family,
    holm,
)
from fairtrack.stats.paired import ModelOutput, PairEvaluation, evaluate_model, evaluate_pair
from fairtrack.stats.parity import ParityTest, parity_test
from fairtrack.stats.permutation import PermutationTest, paired_permutation_test, paired_permutation_tests
from fairtrack.stats.report import validation_report, write_validation_report
from fairtrack.stats.sample_size import sample_size_warnings
from fairtrack.stats.tradeoff import (
    TradeoffFrontier,
    TradeoffPoint,
    pareto_frontier,
    plot_tradeoff,
    write_tradeoff_plot,
)
from fairtrack.stats.validation import ValidationResult, validate_pair

__all__ = [
    "CORRECTIONS",
    "INTERVAL_METHODS",
    "BootstrapValues",
    "CellTable",
    "Estimate",
    "IntersectionalAnalysis",
    "ModelOutput",
    "PairEvaluation",
    "ParityTest",
    "PermutationTest",
    "TableBootstrap",
    "TestFamily",
    "TradeoffFrontier",
    "TradeoffPoint",
    "ValidationResult",
    "acceleration",
    "adjust_pvalues",
    "bca_interval",
    "benjamini_hochberg",
    "bootstrap_roc_auc",
    "bootstrap_table",
    "bootstrap_values",
    "cell_codes",
    "correct_family",
    "count_cells",
    "count_jackknife",
    "estimate",
    "evaluate_model",
    "evaluate_pair",
    "holm",
    "intersectional_analysis",
    "paired_permutation_test",
    "paired_permutation_tests",
    "pareto_frontier",
    "parity_test",
    "percentile_interval",
    "plot_tradeoff",
    "resample_counts",
    "roc_auc_jackknife",
    "sample_size_warnings",
    "table_metrics",
    "validate_pair",
    "validation_report",
    "write_tradeoff_plot",
    "write_validation_report",
]
