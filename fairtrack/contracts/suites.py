"""Great Expectations suites: the generic contract and per-system suite files.

The generic contract is built from a specification: every named column
exists, the label is complete and maps to two classes, and protected
attributes are present, mostly complete and have at least two groups. The
feature checks (no all-missing, constant or infinite column) run vectorised
in :mod:`fairtrack.contracts.features` instead, because Great Expectations
evaluates one expectation at a time. A system's own suite file (Great
Expectations' JSON format) adds the facts specific to that system: column types,
allowed categories and value ranges. :func:`draft_system_suite` proposes such
a file from a sample of the data.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd
from great_expectations.expectations.expectation_configuration import ExpectationConfiguration

from fairtrack.contracts.runner import ensure_context
from fairtrack.contracts.rules import MAX_MISSING_PROTECTED_SHARE, MIN_TOTAL_ROWS
from fairtrack.errors import SpecError
from fairtrack.spec import SystemSpec

# Great Expectations names pandas 3 text columns "str"; fairtrack converts
# categorical, Arrow-backed and all-text object columns to that dtype on reading.
TEXT_TYPE = "str"
NUMERIC_TYPES = ["int8", "int16", "int32", "int64", "float32", "float64", "Int64", "Float64"]
BOOLEAN_TYPES = ["bool", "boolean"]
MAX_DRAFT_CATEGORIES = 60
CRITICAL = "critical"
WARNING = "warning"


def build_generic_suite(spec: SystemSpec, frame: pd.DataFrame) -> gx.ExpectationSuite:
    """Build the contract that every system's data must meet.

    Parameters
    ----------
    spec : SystemSpec
        The system specification; it names the label, protected attributes
        and features.
    frame : pandas.DataFrame
        The normalised frame; its columns decide which feature expectations
        apply.

    Returns
    -------
    great_expectations.ExpectationSuite
        Critical expectations stop the run; warning ones are reported.
    """
    ensure_context()
    suite = gx.ExpectationSuite(name=f"{spec.name}-generic")
    label = spec.label.column

    required = [label, *spec.protected_columns, *(spec.features.use or ())]
    for column in dict.fromkeys(required):
        suite.add_expectation(gxe.ExpectColumnToExist(column=column, severity=CRITICAL))

    suite.add_expectation(
        gxe.ExpectColumnValuesToNotBeNull(
            column=label, severity=WARNING if spec.data.drop_missing else CRITICAL
        )
    )
    if spec.label.mapping is not None:
        suite.add_expectation(
            gxe.ExpectColumnValuesToBeInSet(column=label, value_set=list(spec.label.mapping), severity=CRITICAL)
        )
    else:
        suite.add_expectation(
            gxe.ExpectColumnUniqueValueCountToBeBetween(column=label, min_value=2, max_value=2, severity=CRITICAL)
        )
        suite.add_expectation(
            gxe.ExpectColumnDistinctValuesToContainSet(column=label, value_set=[spec.label.positive], severity=CRITICAL)
        )

    for attribute in spec.protected:
        column = attribute.column
        suite.add_expectation(
            gxe.ExpectColumnValuesToNotBeNull(
                column=column, mostly=1 - MAX_MISSING_PROTECTED_SHARE, severity=CRITICAL
            )
        )
        suite.add_expectation(gxe.ExpectColumnUniqueValueCountToBeBetween(column=column, min_value=2, severity=CRITICAL))
        if attribute.bins is not None:
            suite.add_expectation(
                gxe.ExpectColumnValuesToBeBetween(
                    column=column, min_value=attribute.bins[0], max_value=attribute.bins[-1], severity=CRITICAL
                )
            )

    suite.add_expectation(gxe.ExpectTableRowCountToBeBetween(min_value=MIN_TOTAL_ROWS, severity=WARNING))
    return suite


def load_system_suite(path: str | Path) -> gx.ExpectationSuite:
    """Read a system's suite file in Great Expectations' JSON format.

    Raises
    ------
    SpecError
        If the file is missing, is not JSON, or contains an unknown expectation.
    """
    path = Path(path)
    if not path.is_file():
        raise SpecError(
            f"Contract suite {str(path)!r} not found. Fix contract.suite in the specification, "
            "or write one with 'fairtrack validate --system PATH --draft-suite FILE'."
        )

    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        ensure_context()
        suite = gx.ExpectationSuite(name=document.get("name", path.stem))
        for item in document.get("expectations", []):
            configuration = ExpectationConfiguration(
                type=item["type"], kwargs=item.get("kwargs", {}), meta=item.get("meta") or {}
            )
            expectation = configuration.to_domain_obj()
            expectation.severity = item.get("severity", CRITICAL)
            suite.add_expectation(expectation)
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise SpecError(f"Contract suite {str(path)!r} is not a valid Great Expectations suite: {exc}") from exc
    return suite


def draft_system_suite(spec: SystemSpec, frame: pd.DataFrame) -> dict[str, Any]:
    """Propose a system suite from a sample of the data.

    Every column gets a type expectation (critical). Text columns with at most
    60 distinct values get their value set, and numeric columns their observed
    range. Both only warn, so that new categories or values in later data are
    reported without stopping a run. Review the draft before committing it.

    Parameters
    ----------
    spec : SystemSpec
        The system specification, for the suite's name.
    frame : pandas.DataFrame
        The normalised frame (see :func:`fairtrack.data.read_system_frame`).

    Returns
    -------
    dict
        The suite in Great Expectations' JSON format.
    """
    ensure_context()
    suite = gx.ExpectationSuite(name=spec.name)
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_bool_dtype(values):
            suite.add_expectation(gxe.ExpectColumnValuesToBeInTypeList(column=column, type_list=BOOLEAN_TYPES, severity=CRITICAL))
        elif pd.api.types.is_numeric_dtype(values):
            suite.add_expectation(gxe.ExpectColumnValuesToBeInTypeList(column=column, type_list=NUMERIC_TYPES, severity=CRITICAL))
            present = values.dropna()
            if not present.empty:
                suite.add_expectation(
                    gxe.ExpectColumnValuesToBeBetween(
                        column=column, min_value=float(present.min()), max_value=float(present.max()), severity=WARNING
                    )
                )
        else:
            suite.add_expectation(gxe.ExpectColumnValuesToBeOfType(column=column, type_=TEXT_TYPE, severity=CRITICAL))
            if column == spec.label.column:
                continue
            categories = sorted(str(value) for value in values.dropna().unique())
            if len(categories) <= MAX_DRAFT_CATEGORIES:
                suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column=column, value_set=categories, severity=WARNING))

    document = suite.to_json_dict()
    document.pop("id", None)
    for item in document["expectations"]:
        item.pop("id", None)
    return document


def feature_columns(spec: SystemSpec, frame: pd.DataFrame) -> list[str]:
    """Return the columns of ``frame`` that the specification uses as features."""
    if spec.features.use is not None:
        return [column for column in spec.features.use if column in frame.columns]
    excluded = {spec.label.column, *spec.features.drop, *(rule.source for rule in spec.data.derive)}
    return [column for column in frame.columns if column not in excluded]
