"""Fairness interventions: pre-processing techniques for now.

Each pre-processing technique returns a :class:`PreprocessingResult` that says
how to retrain: with sample weights, without some columns, or both.
"""

from fairtrack.interventions.base import PreprocessingResult
from fairtrack.interventions.reweighing import reweigh
from fairtrack.interventions.suppression import suppress_proxies

__all__ = ["PreprocessingResult", "reweigh", "suppress_proxies"]
