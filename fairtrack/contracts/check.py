"""Running the whole data contract of a system: files first, then the split."""

from __future__ import annotations

import logging
import time
from itertools import product

import numpy as np

from fairtrack.contracts.report import ContractReport, Finding
from fairtrack.contracts.rules import (
    ERROR,
    MIN_GROUP_ROWS,
    MIN_INTERSECTION_CELL_ROWS,
    TRACKS,
    TRACKS_STOPPED_BY_SMALL_GROUPS,
    VALIDATION_SHARE_RANGE,
    WARNING,
)
from fairtrack.contracts.runner import validate_frame
from fairtrack.contracts.features import check_feature_columns
from fairtrack.contracts.suites import build_generic_suite, feature_columns, load_system_suite
from fairtrack.data import read_system_frame
from fairtrack.errors import SpecError
from fairtrack.spec import SystemSpec
from fairtrack.split import SplitData, split_system_data

SPLIT_PARTS = ("train", "validation", "test")

logger = logging.getLogger(__name__)


def run_contract(spec: SystemSpec, track: str = "quick") -> ContractReport:
    """Check a system's data against its contract.

    The generic contract and the system's suite are validated on each file
    with Great Expectations. When no error is found, the data is split and
    the split is checked: group sizes, intersectional cells, groups that
    occur only in the test part, and the validation share.

    Parameters
    ----------
    spec : SystemSpec
        The system specification.
    track : {"quick", "standard", "comprehensive"}, default="quick"
        Group-size shortfalls are errors in the comprehensive track unless
        ``fairness.accept_small_groups`` is set, and warnings otherwise.

    Returns
    -------
    ContractReport
        The findings; call :meth:`ContractReport.raise_for_errors` to stop on
        errors.

    Raises
    ------
    DataError
        If a file cannot be read at all (missing, empty, not UTF-8,
        duplicate column names).
    """
    if track not in TRACKS:
        raise SpecError(f"Track {track!r} is not supported; only the following are: {sorted(TRACKS)!r}.")

    started = time.perf_counter()
    report = ContractReport(system=spec.name, track=track)
    system_suite = load_system_suite(spec.contract_suite) if spec.contract_suite else None

    sources = [(spec.data.path, False)]
    if spec.data.test_path:
        sources.append((spec.data.test_path, True))
    for source, is_test in sources:
        frame, notes = read_system_frame(spec, test=is_test)
        report.notes.extend(notes)
        suites = [build_generic_suite(spec, frame)] + ([system_suite] if system_suite else [])
        findings, results, checked = validate_frame(frame, suites, source)
        feature_findings, feature_checks = check_feature_columns(frame, feature_columns(spec, frame), source)
        report.findings.extend(findings + feature_findings)
        checked += feature_checks
        report.validation_results.extend(results)
        report.expectations_checked += checked

    if report.passed:
        split = split_system_data(spec)
        report.rows = {part: len(getattr(split, part)) for part in SPLIT_PARTS}
        report.group_counts = _group_counts(split)
        report.findings.extend(check_split(spec, split, track, report.group_counts))
        report.expectations_checked += 4

    report.findings.sort(key=lambda finding: finding.severity != ERROR)
    report.seconds = time.perf_counter() - started
    logger.info(
        "Contract of %s: %d expectations, %d error(s), %d warning(s) in %.2f s",
        spec.name,
        report.expectations_checked,
        len(report.errors),
        len(report.warnings),
        report.seconds,
    )
    return report


def check_split(
    spec: SystemSpec,
    split: SplitData,
    track: str,
    group_counts: dict[str, dict[str, dict[str, int]]],
) -> list[Finding]:
    """Check group sizes, intersections, test-only groups and the validation share.

    Parameters
    ----------
    spec : SystemSpec
        The system specification.
    split : SplitData
        The train, validation and test parts.
    track : str
        The track, which sets the severity of small groups.
    group_counts : dict
        Rows per group, keyed by attribute, then part, then group.

    Returns
    -------
    list of Finding
        One finding per small group or cell, unseen group and share problem.
    """
    findings: list[Finding] = []
    small_severity = (
        ERROR if track in TRACKS_STOPPED_BY_SMALL_GROUPS and not spec.fairness.accept_small_groups else WARNING
    )
    small_hint = (
        "Collect more rows for this group, or set fairness.accept_small_groups: true to accept wide intervals."
    )

    for attribute, parts in group_counts.items():
        unseen = sorted(set(parts["test"]) - set(parts["train"]))
        for group in unseen:
            findings.append(
                Finding(
                    "group_present_in_training",
                    ERROR,
                    "split",
                    attribute,
                    f"group {group!r} has {parts['test'][group]} test row(s) and 0 training rows",
                    "every test group to occur in the training data",
                    "Add training rows for this group or remove it from the test data.",
                )
            )

        totals = {group: sum(parts[part].get(group, 0) for part in SPLIT_PARTS) for group in set().union(*parts.values())}
        for group, count in sorted(totals.items()):
            if count < MIN_GROUP_ROWS:
                findings.append(
                    Finding(
                        "group_size",
                        small_severity,
                        "split",
                        attribute,
                        f"group {group!r} has {count} row(s)",
                        f"at least {MIN_GROUP_ROWS} rows per group",
                        small_hint,
                    )
                )

    findings.extend(_intersection_findings(split, small_severity, small_hint))

    rest = len(split.train) + len(split.validation)
    share = len(split.validation) / rest if rest else 0.0
    low, high = VALIDATION_SHARE_RANGE
    if not low - 0.005 <= share <= high + 0.005:
        findings.append(
            Finding(
                "validation_share",
                WARNING,
                "split",
                None,
                f"{share:.1%} of the rows after the test part",
                f"between {low:.0%} and {high:.0%}",
                "Set data.split.validation_size between 0.2 and 0.3.",
            )
        )
    return findings


def _intersection_findings(split: SplitData, severity: str, hint: str) -> list[Finding]:
    attributes = list(split.train.groups.columns)
    if len(attributes) < 2:
        return []

    parts = [getattr(split, part).groups for part in SPLIT_PARTS]
    combined = [frame.astype(str).agg(" & ".join, axis=1) for frame in parts]
    counts: dict[str, int] = {}
    for series in combined:
        for cell, count in series.value_counts().items():
            counts[cell] = counts.get(cell, 0) + int(count)

    categories = [sorted(set().union(*(frame[column].astype(str) for frame in parts))) for column in attributes]
    cells = [" & ".join(values) for values in product(*categories)]
    total = sum(counts.values())
    needed = MIN_INTERSECTION_CELL_ROWS * int(np.prod([len(values) for values in categories]))

    findings = []
    if total <= needed:
        findings.append(
            Finding(
                "intersectional_sample_size",
                severity,
                "split",
                " x ".join(attributes),
                f"{total} rows for {len(cells)} intersectional cells",
                f"more than {needed} rows ({MIN_INTERSECTION_CELL_ROWS} per cell)",
                hint,
            )
        )
    for cell in cells:
        if counts.get(cell, 0) < MIN_INTERSECTION_CELL_ROWS:
            findings.append(
                Finding(
                    "intersectional_cell_size",
                    WARNING,
                    "split",
                    " x ".join(attributes),
                    f"cell {cell!r} has {counts.get(cell, 0)} row(s)",
                    f"at least {MIN_INTERSECTION_CELL_ROWS} rows per cell",
                    "Its intersectional metrics will have wide intervals.",
                )
            )
    return findings


def _group_counts(split: SplitData) -> dict[str, dict[str, dict[str, int]]]:
    counts: dict[str, dict[str, dict[str, int]]] = {}
    for attribute in split.train.groups.columns:
        counts[attribute] = {
            part: {
                str(group): int(count)
                for group, count in getattr(split, part).groups[attribute].value_counts().sort_index().items()
            }
            for part in SPLIT_PARTS
        }
    return counts
