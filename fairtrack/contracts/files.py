"""Writing a contract report to files: Great Expectations' results and a summary."""

from __future__ import annotations

import json
from pathlib import Path

from fairtrack.contracts.report import ContractReport

CONTRACT_DIR = "contract"
RESULTS_FILE = "validation_results.json"
SUMMARY_FILE = "contract_summary.md"
REPORT_FILE = "contract.json"


def write_contract_files(report: ContractReport, folder: str | Path) -> dict[str, str]:
    """Write the validation results, the report and its Markdown summary to ``folder``.

    Returns
    -------
    dict of str to str
        ``validation_results``, ``report`` and ``summary`` mapped to their paths.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "validation_results": folder / RESULTS_FILE,
        "report": folder / REPORT_FILE,
        "summary": folder / SUMMARY_FILE,
    }
    paths["validation_results"].write_text(json.dumps(report.validation_results, indent=2, default=str), encoding="utf-8")
    paths["report"].write_text(json.dumps(report.to_dict(), indent=2), encoding="utf-8")
    paths["summary"].write_text(report.summary_markdown(), encoding="utf-8")
    return {name: str(path) for name, path in paths.items()}
