"""Contract findings and the report that collects them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fairtrack.contracts.rules import ERROR, WARNING
from fairtrack.errors import ContractError


@dataclass(frozen=True)
class Finding:
    """One failed expectation or check.

    Attributes
    ----------
    check : str
        The Great Expectations expectation type or the fairtrack check name.
    severity : {"error", "warning"}
        An error stops the run; a warning is reported and the run goes on.
    source : str
        The file, or the split part, that was checked.
    column : str or None
        The column concerned, if any.
    observed : object
        What the data showed (a value, a count, a share).
    expected : str
        What the contract expects.
    hint : str
        What to do about it.
    """

    check: str
    severity: str
    source: str
    column: str | None
    observed: Any
    expected: str
    hint: str = ""

    def line(self) -> str:
        """Format the finding as one line for terminals and exceptions."""
        where = f"column {self.column!r}" if self.column else "table"
        text = f"[{self.severity}] {self.source}: {where}: {self.check}: observed {self.observed!r}, expected {self.expected}"
        return f"{text}. {self.hint}" if self.hint else text

    def to_dict(self) -> dict[str, Any]:
        """Return the finding as a JSON-ready dictionary."""
        return {
            "check": self.check,
            "severity": self.severity,
            "source": self.source,
            "column": self.column,
            "observed": _jsonable(self.observed),
            "expected": self.expected,
            "hint": self.hint,
        }


@dataclass
class ContractReport:
    """Everything the contract found, with row and group counts.

    Attributes
    ----------
    system : str
        The system's name.
    track : str
        The track the contract was checked for; it sets the severity of
        group-size shortfalls.
    findings : list of Finding
        Failed expectations and checks, errors first.
    rows : dict of str to int
        Rows per split part (empty when the data failed before splitting).
    group_counts : dict
        Rows per group, keyed by attribute, then part, then group.
    notes : list of str
        What loading changed (whitespace stripped, dtypes converted).
    expectations_checked : int
        The number of expectations evaluated.
    seconds : float
        Wall time of the validation.
    validation_results : list of dict
        Great Expectations' validation results, one per file.
    """

    system: str
    track: str
    findings: list[Finding] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)
    group_counts: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    expectations_checked: int = 0
    seconds: float = 0.0
    validation_results: list[dict[str, Any]] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        """The findings that stop the run."""
        return [finding for finding in self.findings if finding.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        """The findings that are only reported."""
        return [finding for finding in self.findings if finding.severity == WARNING]

    @property
    def passed(self) -> bool:
        """True when no finding is an error."""
        return not self.errors

    def raise_for_errors(self) -> None:
        """Raise :class:`ContractError` listing every error, one per line."""
        if self.passed:
            return
        lines = "\n".join(f"  {finding.line()}" for finding in self.errors)
        raise ContractError(
            f"The data of {self.system!r} breaks {len(self.errors)} expectation(s) of its contract "
            f"that stop the run:\n{lines}"
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the report without Great Expectations' raw results."""
        return {
            "system": self.system,
            "track": self.track,
            "passed": self.passed,
            "errors": len(self.errors),
            "warnings": [finding.line() for finding in self.warnings],
            "findings": [finding.to_dict() for finding in self.findings],
            "rows": dict(self.rows),
            "group_counts": self.group_counts,
            "notes": list(self.notes),
            "expectations_checked": self.expectations_checked,
            "seconds": round(self.seconds, 3),
        }

    def table_rows(self) -> list[dict[str, Any]]:
        """Return one row per finding, for a Prefect table artifact."""
        return [
            {
                "severity": finding.severity,
                "source": finding.source,
                "column": finding.column or "",
                "check": finding.check,
                "observed": str(_jsonable(finding.observed)),
                "expected": finding.expected,
            }
            for finding in self.findings
        ]

    def summary_markdown(self) -> str:
        """Render the report as Markdown for people."""
        verdict = "passed" if self.passed else "failed"
        lines = [
            f"# Data contract of {self.system}: {verdict}",
            "",
            f"Track: {self.track}. {self.expectations_checked} expectations checked in {self.seconds:.2f} s; "
            f"{len(self.errors)} error(s), {len(self.warnings)} warning(s).",
            "",
        ]
        if self.rows:
            lines += ["| part | rows |", "| --- | --- |"]
            lines += [f"| {part} | {count} |" for part, count in self.rows.items()]
            lines.append("")
        if self.findings:
            lines += [
                "| severity | source | column | check | observed | expected | what to do |",
                "| --- | --- | --- | --- | --- | --- | --- |",
            ]
            for finding in self.findings:
                lines.append(
                    f"| {finding.severity} | {finding.source} | {finding.column or ''} | {finding.check} | "
                    f"{_jsonable(finding.observed)} | {finding.expected} | {finding.hint} |"
                )
            lines.append("")
        if self.group_counts:
            lines += ["## Groups", ""]
            for attribute, parts in self.group_counts.items():
                lines.append(f"- `{attribute}`: " + "; ".join(f"{part} {counts}" for part, counts in parts.items()))
            lines.append("")
        if self.notes:
            lines += ["## Changes made while reading", ""]
            lines += [f"- {note}" for note in self.notes]
        return "\n".join(lines) + "\n"


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if hasattr(value, "item"):
        return value.item()
    return str(value)
