"""Testing the conditional independences that a DAG implies against the data.

The tested set is the local Markov basis. Take each pair of non-adjacent
observed nodes, with X the later of the two in a topological order and Y the
earlier: the DAG implies X independent of Y given the parents of X. In a
DAG without latent nodes these imply every other independence. When X has
a latent parent and does not descend from Y, the pair is tested the other
way round, given the parents of Y. A pair is untestable when neither way
avoids latent parents.

Each independence is tested with nested linear regressions and an F-test:
the response is regressed on the conditioning set, then on the conditioning
set plus the other variable (one-hot when categorical), and the F-test checks
whether the other variable adds anything. A numeric variable is the
response where there is one. When both are categorical each 0/1 level of X
is a response in turn, with a Bonferroni correction over the levels. The
p-values are then adjusted over all tests with Holm's method. Alongside each
p-value the partial R-squared (the share of the response's residual variance
that the other variable explains) shows how large a violation is: with tens
of thousands of rows, very small dependences are significant.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from fairtrack.causal.encoding import CausalFrame, design_matrix

METHOD = (
    "local Markov basis; nested OLS F-test per independence (categories one-hot, Bonferroni over "
    "the levels of a categorical response); Holm adjustment over all tests"
)
# Residual variance below this share of the response's variance means the
# parents determine the response, and an F-test would divide by zero.
_DETERMINED_SHARE = 1e-10
# Gram-matrix eigenvalues below this share of the largest count as collinear
# directions. They are squared singular values of the design, so this matches
# a relative singular-value cutoff of 1e-5.
_COLLINEAR_SHARE = 1e-10

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndependenceTest:
    """One implied conditional independence and its test.

    Attributes
    ----------
    node : str
        The node X, whose parents are the conditioning set.
    other : str
        The node Y, neither adjacent to X nor a descendant of it.
    conditioning_set : tuple of str
        The parents of X.
    p_value : float or None
        The test's p-value, None when untestable.
    p_adjusted : float or None
        The Holm-adjusted p-value.
    partial_r2 : float or None
        The share of the response's residual variance that the other
        variable explains.
    rejected : bool or None
        Whether the data reject the independence at the significance level
        after adjustment; None when untestable.
    note : str
        Why the independence was not tested, if it was not.
    """

    node: str
    other: str
    conditioning_set: tuple[str, ...]
    p_value: float | None
    p_adjusted: float | None
    partial_r2: float | None
    rejected: bool | None
    note: str = ""

    def statement(self) -> str:
        """Return the independence as text, such as ``x ⊥ y | a, b``."""
        condition = f" | {', '.join(self.conditioning_set)}" if self.conditioning_set else ""
        return f"{self.node} ⊥ {self.other}{condition}"

    def to_dict(self) -> dict:
        """Return the test as plain values for JSON."""
        return {
            "node": self.node,
            "other": self.other,
            "conditioning_set": list(self.conditioning_set),
            "p_value": self.p_value,
            "p_adjusted": self.p_adjusted,
            "partial_r2": self.partial_r2,
            "rejected": self.rejected,
            "note": self.note,
        }


@dataclass(frozen=True)
class IndependenceReport:
    """The tests of a DAG's implied conditional independences.

    Attributes
    ----------
    tests : tuple of IndependenceTest
        Every implied independence of the basis, tested or not.
    significance_level : float
        The level of the Holm-adjusted tests.
    method : str
        How the independences were chosen and tested.
    """

    tests: tuple[IndependenceTest, ...]
    significance_level: float
    method: str = METHOD

    @property
    def n_tested(self) -> int:
        """The number of independences tested."""
        return sum(test.rejected is not None for test in self.tests)

    @property
    def n_rejected(self) -> int:
        """The number of independences the data reject."""
        return sum(bool(test.rejected) for test in self.tests)

    @property
    def survives(self) -> bool:
        """Whether the data reject none of the tested independences."""
        return self.n_rejected == 0

    def to_dict(self) -> dict:
        """Return the report as plain values for JSON."""
        return {
            "n_implied": len(self.tests),
            "n_tested": self.n_tested,
            "n_rejected": self.n_rejected,
            "survives": self.survives,
            "significance_level": self.significance_level,
            "method": self.method,
            "tests": [test.to_dict() for test in self.tests],
        }


def implied_independences(graph: nx.DiGraph) -> list[tuple[str, str, tuple[str, ...]]]:
    """List the local Markov basis of a DAG.

    Parameters
    ----------
    graph : networkx.DiGraph
        The DAG; nodes with a true ``latent`` attribute are left out as X or Y.

    Returns
    -------
    list of tuple
        ``(x, y, parents_of_x)`` for each non-adjacent pair of observed
        nodes, with x after y in a lexicographic topological order. When x
        has a latent parent and x does not descend from y, the pair is
        turned round to condition on y's parents instead, if they are all
        observed.
    """
    order = list(nx.lexicographical_topological_sort(graph))
    observed = [node for node in order if not graph.nodes[node].get("latent", False)]
    position = {node: index for index, node in enumerate(order)}

    def parents(node: str) -> tuple[str, ...]:
        return tuple(sorted(graph.predecessors(node)))

    def all_observed(nodes: tuple[str, ...]) -> bool:
        return not any(graph.nodes[node].get("latent", False) for node in nodes)

    triples = []
    for node in observed:
        for other in observed:
            if position[other] >= position[node]:
                continue
            if graph.has_edge(other, node) or graph.has_edge(node, other):
                continue
            triple = (node, other, parents(node))
            turned = (other, node, parents(other))
            if not all_observed(triple[2]) and all_observed(turned[2]) and not nx.has_path(graph, other, node):
                triple = turned
            triples.append(triple)
    return triples


def check_implied_independences(
    graph: nx.DiGraph, data: CausalFrame, significance_level: float
) -> IndependenceReport:
    """Test a DAG's local Markov basis against the data.

    Parameters
    ----------
    graph : networkx.DiGraph
        The validated DAG.
    data : CausalFrame
        The encoded observed columns.
    significance_level : float
        The level of the Holm-adjusted tests.

    Returns
    -------
    IndependenceReport
        One entry per implied independence.
    """
    frame = data.frame
    raw = []
    for node, other, conditioning_set in implied_independences(graph):
        latent = [parent for parent in conditioning_set if parent not in frame.columns]
        if latent:
            raw.append((node, other, conditioning_set, None, None, f"untestable: latent parent(s) {latent!r}"))
            continue
        p_value, partial_r2, note = _test_pair(frame, node, other, list(conditioning_set))
        raw.append((node, other, conditioning_set, p_value, partial_r2, note))

    tested = [index for index, entry in enumerate(raw) if entry[3] is not None]
    adjusted = {}
    if tested:
        _, corrected, _, _ = multipletests([raw[index][3] for index in tested], method="holm")
        adjusted = dict(zip(tested, corrected))

    tests = []
    for index, (node, other, conditioning_set, p_value, partial_r2, note) in enumerate(raw):
        p_adjusted = float(adjusted[index]) if index in adjusted else None
        tests.append(
            IndependenceTest(
                node=node,
                other=other,
                conditioning_set=conditioning_set,
                p_value=p_value,
                p_adjusted=p_adjusted,
                partial_r2=partial_r2,
                rejected=None if p_adjusted is None else bool(p_adjusted < significance_level),
                note=note,
            )
        )

    report = IndependenceReport(tests=tuple(tests), significance_level=significance_level)
    logger.info(
        "Implied independences: %d in the basis, %d tested, %d rejected",
        len(tests),
        report.n_tested,
        report.n_rejected,
    )
    return report


def _test_pair(
    frame: pd.DataFrame, node: str, other: str, conditioning_set: list[str]
) -> tuple[float | None, float | None, str]:
    base = np.hstack([np.ones((len(frame), 1)), design_matrix(frame, conditioning_set)])
    node_is_numeric = not isinstance(frame[node].dtype, pd.CategoricalDtype)
    other_is_numeric = not isinstance(frame[other].dtype, pd.CategoricalDtype)

    if node_is_numeric or not other_is_numeric:
        response_column, added_column = node, other
    else:
        response_column, added_column = other, node

    responses = design_matrix(frame, [response_column])
    added = design_matrix(frame, [added_column])
    results = _nested_f_tests(responses, base, added)
    testable = [result for result in results if result is not None]
    if not testable:
        return None, None, f"untestable: {response_column!r} is determined by the conditioning set"

    p_value = min(1.0, min(p for p, _ in testable) * len(testable))
    partial_r2 = max(r2 for _, r2 in testable)
    return float(p_value), float(partial_r2), ""


def _nested_f_tests(
    responses: np.ndarray, base: np.ndarray, added: np.ndarray
) -> list[tuple[float, float] | None]:
    """F-test, per response column, of whether ``added`` improves its OLS fit on ``base``.

    Returns the p-value and partial R-squared of each column, or None where
    the test is undefined.
    """
    base_rss, base_rank = _residual_sums_of_squares(base, responses)
    full_rss, full_rank = _residual_sums_of_squares(np.hstack([base, added]), responses)
    totals = ((responses - responses.mean(axis=0)) ** 2).sum(axis=0)
    extra_rank = full_rank - base_rank
    residual_df = len(responses) - full_rank

    results: list[tuple[float, float] | None] = []
    for total, restricted, unrestricted in zip(totals, base_rss, full_rss):
        if total == 0 or restricted <= _DETERMINED_SHARE * total or extra_rank == 0 or residual_df <= 0:
            results.append(None)
            continue
        statistic = ((restricted - unrestricted) / extra_rank) / (unrestricted / residual_df)
        p_value = float(stats.f.sf(statistic, extra_rank, residual_df))
        results.append((p_value, float(max(0.0, (restricted - unrestricted) / restricted))))
    return results


def _residual_sums_of_squares(design: np.ndarray, responses: np.ndarray) -> tuple[np.ndarray, int]:
    """Fit OLS of each response column on ``design``; return the residual sums of squares and the rank.

    The fit solves the normal equations through an eigendecomposition of the
    Gram matrix of the scaled columns, dropping directions whose eigenvalue
    is below ``_COLLINEAR_SHARE`` of the largest. That keeps collinear
    one-hot columns from breaking the fit and is several times faster than
    an SVD of the full design.
    """
    scale = np.sqrt((design**2).mean(axis=0))
    scaled = design / np.where(scale > 0, scale, 1.0)
    eigenvalues, eigenvectors = np.linalg.eigh(scaled.T @ scaled)
    kept = eigenvalues > _COLLINEAR_SHARE * eigenvalues.max()
    basis = eigenvectors[:, kept]
    coefficients = basis @ ((basis.T @ (scaled.T @ responses)) / eigenvalues[kept, None])
    residuals = responses - scaled @ coefficients
    return (residuals**2).sum(axis=0), int(kept.sum())
