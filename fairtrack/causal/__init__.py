"""Causal analysis of a system from its DAG."""

from fairtrack.causal.graph import CausalSummary, read_dag, summarise_graph

__all__ = ["CausalSummary", "read_dag", "summarise_graph"]
