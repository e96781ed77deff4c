"""Running Great Expectations suites on a DataFrame and reading the results."""

from __future__ import annotations

import logging
from typing import Any

import great_expectations as gx
import pandas as pd

from fairtrack.contracts.report import Finding
from fairtrack.contracts.rules import ERROR, WARNING

DATA_SOURCE = "fairtrack"
ASSET = "rows"
BATCH = "whole-frame"

HINTS = {
    "expect_column_to_exist": "Add the column to the file or fix its name in the specification.",
    "expect_column_values_to_not_be_null": "Fill or remove the rows with missing values, or set data.drop_missing: true.",
    "expect_column_values_to_be_in_set": "Map every raw value in label.mapping, or fix the data.",
    "expect_column_unique_value_count_to_be_between": "Check the column: it needs the stated number of distinct values.",
    "expect_column_distinct_values_to_contain_set": "Check label.positive against the values of the label column.",
    "expect_column_values_to_be_between": "Check the values, or widen the bins of the protected attribute.",
    "expect_column_values_to_not_be_in_set": "Replace infinite values, for example with missing values, before training.",
    "expect_column_values_to_be_in_type_list": "Convert the column to the expected type, or update the system's suite.",
    "expect_table_row_count_to_be_between": "Collect more rows; estimates on fewer rows are unreliable.",
}

logger = logging.getLogger(__name__)
_batch_definition = None


def validate_frame(frame: pd.DataFrame, suites: list[gx.ExpectationSuite], source: str) -> tuple[list[Finding], list[dict[str, Any]], int]:
    """Validate a frame against suites and turn the failures into findings.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows to validate.
    suites : list of great_expectations.ExpectationSuite
        The suites to apply, in order.
    source : str
        The file the rows came from, for the findings.

    Returns
    -------
    tuple of (list of Finding, list of dict, int)
        The findings, Great Expectations' results as JSON, and the number of
        expectations evaluated.
    """
    batch = ensure_context().get_batch(batch_parameters={"dataframe": frame})
    findings: list[Finding] = []
    results: list[dict[str, Any]] = []
    checked = 0

    for suite in suites:
        outcome = batch.validate(suite, result_format="SUMMARY")
        results.append(outcome.to_json_dict())
        checked += len(outcome.results)
        for result in outcome.results:
            if result.success:
                continue
            finding = _to_finding(result, source, frame.columns)
            if finding is not None:
                findings.append(finding)

    logger.debug("Validated %d rows of %s against %d expectations", len(frame), source, checked)
    return findings, results, checked


def ensure_context() -> Any:
    """Create the ephemeral Great Expectations context once per process; return its batch definition.

    Suites can only be built while a context is active.
    """
    global _batch_definition
    if _batch_definition is None:
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False)
        asset = context.data_sources.add_pandas(DATA_SOURCE).add_dataframe_asset(ASSET)
        _batch_definition = asset.add_batch_definition_whole_dataframe(BATCH)
    return _batch_definition


def _to_finding(result: Any, source: str, columns: pd.Index) -> Finding | None:
    configuration = result.expectation_config
    kind = configuration.type
    kwargs = configuration.kwargs
    column = kwargs.get("column")
    severity = ERROR if str(getattr(configuration.severity, "value", configuration.severity)) == "critical" else WARNING

    if kind != "expect_column_to_exist" and column is not None and column not in columns:
        # The missing column is already reported by its existence check.
        return None
    if result.exception_info and result.exception_info.get("raised_exception"):
        message = result.exception_info.get("exception_message", "unknown error")
        return Finding(kind, ERROR, source, column, f"evaluation failed: {message}", _expected(kind, kwargs))

    return Finding(
        check=kind,
        severity=severity,
        source=source,
        column=column,
        observed=_observed(kind, result.result),
        expected=_expected(kind, kwargs),
        hint=HINTS.get(kind, ""),
    )


def _observed(kind: str, result: dict[str, Any]) -> Any:
    if kind == "expect_column_to_exist":
        return "column missing"
    if "unexpected_count" in result and result.get("unexpected_count") is not None:
        examples = result.get("partial_unexpected_list") or []
        shown = sorted({str(value) for value in examples})[:5]
        share = result.get("unexpected_percent") or 0.0
        return f"{result['unexpected_count']} row(s) ({share:.1f} %) such as {shown}"
    return result.get("observed_value")


def _expected(kind: str, kwargs: dict[str, Any]) -> str:
    mostly = kwargs.get("mostly")
    share = f" in at least {mostly:.0%} of rows" if mostly not in (None, 1, 1.0) else ""
    if kind == "expect_column_to_exist":
        return "the column to exist"
    if kind == "expect_column_values_to_not_be_null":
        return f"no missing values{share}"
    if kind == "expect_column_values_to_be_in_set":
        return f"values in {sorted(map(str, kwargs['value_set']))}{share}"
    if kind == "expect_column_values_to_not_be_in_set":
        return f"no values in {kwargs['value_set']}"
    if kind == "expect_column_distinct_values_to_contain_set":
        return f"values to include {kwargs['value_set']}"
    if kind in ("expect_column_unique_value_count_to_be_between", "expect_table_row_count_to_be_between", "expect_column_values_to_be_between"):
        what = {
            "expect_column_unique_value_count_to_be_between": "distinct values",
            "expect_table_row_count_to_be_between": "rows",
            "expect_column_values_to_be_between": "values",
        }[kind]
        low, high = kwargs.get("min_value"), kwargs.get("max_value")
        if low is not None and high is not None:
            return f"{what} between {low} and {high}"
        return f"at least {low} {what}" if low is not None else f"at most {high} {what}"
    if kind == "expect_column_values_to_be_in_type_list":
        return f"a type in {kwargs['type_list']}"
    return str({key: value for key, value in kwargs.items() if key != "batch_id"})
