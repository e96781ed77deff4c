"""Speed of the validation engine against a loop over fairlearn's metric functions.

On the Adult test part, and on it resampled to 1,000,000 and 10,000,000 rows,
this times with fairtrack's engine:

- the count pass alone: one ``numpy.bincount`` over the encoded group, label
  and prediction (the reference for the validation stage);
- 1,000 stratified bootstrap resamples of the demographic parity difference
  and the equalized odds difference (``evaluate_model``, which also computes
  every other metric and attribute);
- 10,000 paired permutations of the demographic parity difference
  (``paired_permutation_test``);
- the whole validation stage (``validate_pair`` without ROC AUC: BCa
  bootstrap of both models and their differences, paired permutation tests
  of both metrics on each attribute and their intersection, parity tests,
  Holm correction and the intersectional analysis).

At Adult size and 1,000,000 rows the bootstrap and the permutations are also
timed as a Python loop over fairlearn's ``demographic_parity_difference`` and
``equalized_odds_difference`` on the primary attribute, on a subset of the
resamples scaled to the full count. Every time is the engine's own work from
rows to results; the data and models are prepared beforehand.

Run from the repository root::

    python benchmarks/validation_speed.py [--loop-iterations 20] [--sizes adult 1m 10m]
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import resource
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference

from fairtrack.interventions.pre_processing import fit_with_pre_processing, run_pre_processing
from fairtrack.model import fit_model, predict
from fairtrack.spec import load_spec
from fairtrack.split import split_system_data
from fairtrack.stats import ModelOutput, evaluate_model, paired_permutation_test, validate_pair

SYSTEM = "systems/adult.yaml"
SIZES = {"adult": None, "1m": 1_000_000, "10m": 10_000_000}
LOOP_SIZES = ("adult", "1m")
N_BOOTSTRAP = 1000
N_PERMUTATIONS = 10_000
MIN_LOOP_ITERATIONS = 20
OURS_REPEATS = 9
MEMORY_LOOP_ITERATIONS = 2
STAGE_TARGET = 3.0
MEMORY_TARGET_BYTES = 4 * 2**30
SEED = 0


@dataclass
class Rows:
    """The benchmark's inputs at one size, prepared outside any timing."""

    name: str
    y_true: np.ndarray
    groups: pd.DataFrame
    baseline: np.ndarray
    candidate: np.ndarray
    group_code: np.ndarray
    n_groups: int
    strata: list[np.ndarray]
    _primary: np.ndarray | None = field(default=None, repr=False)

    @property
    def n_rows(self) -> int:
        return len(self.y_true)

    @property
    def primary(self) -> np.ndarray:
        """The primary attribute as strings, for fairlearn; built on first use and kept."""
        if self._primary is None:
            self._primary = self.groups[self.groups.columns[0]].astype(str).to_numpy()
        return self._primary

    @property
    def input_bytes(self) -> int:
        arrays = (self.y_true, self.baseline, self.candidate)
        return sum(array.nbytes for array in arrays) + int(self.groups.memory_usage(deep=True).sum())


@dataclass
class Row:
    """One line of the output table."""

    operation: str
    rows: int
    ours: float | None
    loop: float | None
    peak_bytes: int | None

    @property
    def ratio(self) -> float | None:
        return self.loop / self.ours if self.ours and self.loop else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--loop-iterations",
        type=int,
        default=MIN_LOOP_ITERATIONS,
        help=f"resamples and permutations the fairlearn loop is timed on (at least {MIN_LOOP_ITERATIONS})",
    )
    parser.add_argument("--sizes", nargs="+", choices=list(SIZES), default=list(SIZES), help="data sizes to run")
    args = parser.parse_args()
    if args.loop_iterations < MIN_LOOP_ITERATIONS:
        parser.error(f"--loop-iterations must be at least {MIN_LOOP_ITERATIONS}; got {args.loop_iterations}")
    logging.getLogger("fairtrack").setLevel(logging.WARNING)

    adult = prepare_adult()
    table: list[Row] = []
    stage_ratio = None
    for size in args.sizes:
        rows = adult if SIZES[size] is None else resample(adult, SIZES[size], size)
        print(f"running {rows.name}: {rows.n_rows:,} rows", flush=True)
        # The count pass and the stage alternate, so that both see the same machine load.
        count, stage = measure_interleaved([lambda: reference_count(rows), lambda: our_stage(rows)])
        table.append(Row("count pass (reference)", rows.n_rows, count[0], None, count[1]))

        bootstrap = measure_ours(lambda: our_bootstrap(rows))
        permutation = measure_ours(lambda: our_permutation(rows))
        loops = (None, None), (None, None)
        if size in LOOP_SIZES:
            loops = (
                measure_loop(lambda n: loop_bootstrap(rows, n), N_BOOTSTRAP, args.loop_iterations),
                measure_loop(lambda n: loop_permutation(rows, n), N_PERMUTATIONS, args.loop_iterations),
            )
        table.append(Row(f"bootstrap DPD+EOD ({N_BOOTSTRAP:,})", rows.n_rows, bootstrap[0], loops[0][0], bootstrap[1]))
        permutation_name = f"paired permutation DPD ({N_PERMUTATIONS:,})"
        table.append(Row(permutation_name, rows.n_rows, permutation[0], loops[1][0], permutation[1]))

        table.append(Row("validation stage", rows.n_rows, stage[0], None, stage[1]))
        if size == "10m":
            stage_ratio = stage[0] / count[0]
        for name, (_, loop_peak) in zip(("bootstrap", "permutation"), loops):
            if loop_peak is not None:
                print(f"  fairlearn loop peak memory ({name}, {rows.n_rows:,} rows): {loop_peak / 2**20:.1f} MiB")
        print(f"  inputs at {rows.n_rows:,} rows: {rows.input_bytes / 2**20:.1f} MiB", flush=True)

    report(table, stage_ratio, args.loop_iterations, adult.n_rows)


def prepare_adult() -> Rows:
    """Fit the baseline and a reweighed candidate on Adult's training part and predict its test part."""
    spec = load_spec(SYSTEM)
    split = split_system_data(spec)
    baseline_model = fit_model(
        split.train.features, split.train.label, spec.model_family, spec.model_params, random_state=spec.seed
    )
    candidate_model = fit_with_pre_processing(spec, split.train, run_pre_processing(spec, split.train, None))
    test = split.test
    baseline, _ = predict(baseline_model, test.features)
    candidate, _ = predict(candidate_model, test.features)
    groups = test.groups.astype(str).astype("category")
    return _rows("adult", test.label.astype(np.int8), groups, baseline, candidate)


def resample(adult: Rows, n_rows: int, name: str) -> Rows:
    """Draw ``n_rows`` rows of the Adult test part with replacement."""
    positions = np.random.default_rng(SEED).integers(0, adult.n_rows, size=n_rows)
    groups = adult.groups.iloc[positions].reset_index(drop=True)
    return _rows(name, adult.y_true[positions], groups, adult.baseline[positions], adult.candidate[positions])


def _rows(name: str, y_true: np.ndarray, groups: pd.DataFrame, baseline: np.ndarray, candidate: np.ndarray) -> Rows:
    codes = [np.asarray(groups[column].array.codes, dtype=np.int64) for column in groups.columns]
    sizes = [len(groups[column].cat.categories) for column in groups.columns]
    group_code = np.ravel_multi_index(codes, sizes).astype(np.uint8)
    order = np.argsort(group_code, kind="stable")
    strata = np.split(order, np.flatnonzero(np.diff(group_code[order])) + 1)
    return Rows(
        name=name,
        y_true=np.ascontiguousarray(y_true, dtype=np.int8),
        groups=groups,
        baseline=np.ascontiguousarray(baseline, dtype=np.int8),
        candidate=np.ascontiguousarray(candidate, dtype=np.int8),
        group_code=group_code,
        n_groups=int(np.prod(sizes)),
        strata=strata,
    )


def reference_count(rows: Rows) -> np.ndarray:
    """Count each group's label-by-prediction cells in one pass (the reference)."""
    code = rows.group_code * np.uint8(4)
    code += rows.y_true.view(np.uint8) * np.uint8(2)
    code += rows.candidate.view(np.uint8)
    return np.bincount(code, minlength=4 * rows.n_groups)


def our_bootstrap(rows: Rows) -> dict:
    return evaluate_model(
        rows.y_true, rows.groups, ModelOutput(rows.candidate), "sex", n_bootstrap=N_BOOTSTRAP, roc_auc=False
    )


def our_permutation(rows: Rows) -> object:
    return paired_permutation_test(
        rows.y_true,
        rows.groups,
        rows.baseline,
        rows.candidate,
        "demographic_parity_difference",
        attributes=["sex"],
        n_permutations=N_PERMUTATIONS,
    )


def our_stage(rows: Rows) -> object:
    return validate_pair(
        rows.y_true,
        rows.groups,
        ModelOutput(rows.baseline),
        ModelOutput(rows.candidate),
        "sex",
        n_bootstrap=N_BOOTSTRAP,
        n_permutations=N_PERMUTATIONS,
        interval="bca",
        roc_auc=False,
    )


def loop_bootstrap(rows: Rows, n_resamples: int) -> list[tuple[float, float]]:
    """Draw stratified row resamples and score each with fairlearn's metric functions."""
    rng = np.random.default_rng(SEED)
    values = []
    for _ in range(n_resamples):
        drawn = np.concatenate([members[rng.integers(0, len(members), size=len(members))] for members in rows.strata])
        y_true, y_pred, sensitive = rows.y_true[drawn], rows.candidate[drawn], rows.primary[drawn]
        values.append(
            (
                demographic_parity_difference(y_true, y_pred, sensitive_features=sensitive),
                equalized_odds_difference(y_true, y_pred, sensitive_features=sensitive),
            )
        )
    return values


def loop_permutation(rows: Rows, n_permutations: int) -> list[float]:
    """Swap each row's two predictions with probability 1/2 and score both models with fairlearn."""
    rng = np.random.default_rng(SEED)
    values = []
    for _ in range(n_permutations):
        swap = rng.random(rows.n_rows) < 0.5
        baseline = np.where(swap, rows.candidate, rows.baseline)
        candidate = np.where(swap, rows.baseline, rows.candidate)
        after = demographic_parity_difference(rows.y_true, candidate, sensitive_features=rows.primary)
        before = demographic_parity_difference(rows.y_true, baseline, sensitive_features=rows.primary)
        values.append(after - before)
    return values


def measure_ours(operation: Callable[[], object]) -> tuple[float, int]:
    """Return the best wall time of ``OURS_REPEATS`` runs and the traced peak of one more run."""
    operation()  # warm-up: imports and first-call costs
    times = []
    for _ in range(OURS_REPEATS):
        start = time.perf_counter()
        operation()
        times.append(time.perf_counter() - start)
    return min(times), traced_peak(operation)


def measure_interleaved(operations: list[Callable[[], object]]) -> list[tuple[float, int]]:
    """Run the operations in turn ``OURS_REPEATS`` times; return each one's best time and traced peak."""
    for operation in operations:
        operation()  # warm-up
    times: list[list[float]] = [[] for _ in operations]
    for _ in range(OURS_REPEATS):
        for index, operation in enumerate(operations):
            start = time.perf_counter()
            operation()
            times[index].append(time.perf_counter() - start)
    return [(min(elapsed), traced_peak(operation)) for elapsed, operation in zip(times, operations)]


def measure_loop(run: Callable[[int], object], total: int, iterations: int) -> tuple[float, int]:
    """Time ``iterations`` rounds of the loop, scale the time to ``total``, and trace a short run's peak."""
    start = time.perf_counter()
    run(iterations)
    elapsed = time.perf_counter() - start
    return elapsed * total / iterations, traced_peak(lambda: run(MEMORY_LOOP_ITERATIONS))


def traced_peak(operation: Callable[[], object]) -> int:
    """Return the peak bytes that tracemalloc records as allocated during one run, inputs excluded."""
    tracemalloc.start()
    try:
        operation()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def report(table: list[Row], stage_ratio: float | None, loop_iterations: int, adult_rows: int) -> None:
    header = ("operation", "rows", "ours", "loop", "ratio", "peak memory")
    lines = [
        (
            row.operation,
            f"{row.rows:,}",
            _seconds(row.ours),
            _seconds(row.loop),
            "-" if row.ratio is None else f"{row.ratio:,.0f}x",
            "-" if row.peak_bytes is None else f"{row.peak_bytes / 2**20:,.1f} MiB",
        )
        for row in table
    ]
    widths = [max(len(line[index]) for line in [header, *lines]) for index in range(len(header))]

    print()
    print(f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    print(f"data: {SYSTEM} test part (baseline and reweighed logistic regression), resampled with replacement")
    print(f"ours: best of {OURS_REPEATS} runs, from rows (int8 labels and predictions, categorical groups) to results")
    print(
        f"loop: a Python loop over fairlearn {_fairlearn_version()} metric functions on the primary attribute, "
        f"timed on {loop_iterations} resamples or permutations and scaled to {N_BOOTSTRAP:,} and {N_PERMUTATIONS:,}"
    )
    print(
        "peak memory: tracemalloc peak of the allocations made during one run of the operation by the engine "
        "(inputs excluded; numpy buffers are traced)"
    )
    print()
    print("  ".join(text.ljust(width) for text, width in zip(header, widths)))
    print("  ".join("-" * width for width in widths))
    for line in lines:
        print("  ".join(text.ljust(width) for text, width in zip(line, widths)))
    print()

    if stage_ratio is not None:
        verdict = "meets" if stage_ratio <= STAGE_TARGET else "misses"
        print(
            f"validation stage / count pass at 10,000,000 rows: {stage_ratio:.2f} "
            f"({verdict} the target of {STAGE_TARGET:g})"
        )
    max_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(
        f"process peak resident memory (resource.getrusage, whole run including data and loops): "
        f"{max_rss / 2**20:,.0f} MiB (target below {MEMORY_TARGET_BYTES / 2**30:g} GiB)"
    )
    adult_ratios = [row.ratio for row in table if row.ratio is not None and row.rows == adult_rows]
    print(f"speedup_vs_loop: {min(adult_ratios):.0f}" if adult_ratios else "speedup_vs_loop: n/a (Adult size not run)")


def _seconds(value: float | None) -> str:
    if value is None:
        return "-"
    if value < 1e-3:
        return f"{value * 1e6:.0f} us"
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:,.1f} s"


def _fairlearn_version() -> str:
    import fairlearn

    return fairlearn.__version__


if __name__ == "__main__":
    main()
