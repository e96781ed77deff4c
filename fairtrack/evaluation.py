"""Evaluation of a baseline and a candidate model with paired bootstrap CIs.

The implementation lives in :mod:`fairtrack.stats.paired`; this module keeps
the names that tasks, summaries and reports import.
"""

from fairtrack.stats.paired import ModelOutput, PairEvaluation, evaluate_model, evaluate_pair

__all__ = ["ModelOutput", "PairEvaluation", "evaluate_model", "evaluate_pair"]
