"""Tasks that read the specification and the data and check the contract."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

from prefect import get_run_logger, task
from prefect.artifacts import create_table_artifact

from fairtrack.contracts.check import run_contract
from fairtrack.contracts.files import CONTRACT_DIR, write_contract_files
from fairtrack.contracts.report import ContractReport
from fairtrack.spec import SystemSpec, load_spec
from fairtrack.split import StoredSplit, split_system_data, store_split
from tasks.options import IN_MEMORY, artifact_key

DEFAULT_OUTPUT_DIR = Path(".fairtrack") / "runs"


@task(name="load_system", **IN_MEMORY)
def load_system(system: str, seed: int | None = None, data_path: str | None = None) -> SystemSpec:
    """Read and validate the system specification, applying run overrides."""
    spec = load_spec(system)
    if seed is not None:
        spec = spec.with_seed(seed)
    if data_path is not None:
        spec = spec.with_data_path(Path(data_path).resolve())
    get_run_logger().info("Loaded system %r from %s (seed %d)", spec.name, system, spec.seed)
    return spec


@task(name="create_run_folder", **IN_MEMORY)
def create_run_folder(spec: SystemSpec, track: str, output_dir: str | None = None) -> str:
    """Create the folder that receives this run's split files and reports."""
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    base = Path(output_dir) if output_dir else DEFAULT_OUTPUT_DIR
    folder = (base / re.sub(r"[^A-Za-z0-9_.-]", "_", spec.name) / f"{stamp}-{track}").resolve()
    folder.mkdir(parents=True, exist_ok=False)
    get_run_logger().info("Writing run files to %s", folder)
    return str(folder)


@task(name="load_and_split", **IN_MEMORY)
def load_and_split(spec: SystemSpec, run_folder: str) -> StoredSplit:
    """Load the data, split it and store the parts as Parquet files."""
    logger = get_run_logger()
    split = split_system_data(spec)
    for note in split.notes():
        logger.info("%s", note)

    stored = store_split(split, Path(run_folder) / "data")
    logger.info(
        "Stored %d training, %d validation and %d test rows (fingerprint %s)",
        len(split.train),
        len(split.validation),
        len(split.test),
        stored.fingerprint[:12],
    )
    return stored


@task(name="check_contract", **IN_MEMORY)
def check_contract(spec: SystemSpec, track: str, run_folder: str) -> ContractReport:
    """Validate the data against its contract; stop the run on an error.

    The result is attached to the flow run as a table artifact and written to
    ``contract/`` in the run folder (Great Expectations' validation results
    and a readable summary) before an error stops the run.
    """
    logger = get_run_logger()
    report = run_contract(spec, track=track)
    write_contract_files(report, Path(run_folder) / CONTRACT_DIR)

    for note in report.notes:
        logger.info("%s", note)
    for finding in report.warnings:
        logger.warning("%s", finding.line())
    for finding in report.errors:
        logger.error("%s", finding.line())

    rows = report.table_rows() or [{"severity": "none", "source": "", "column": "", "check": "all passed", "observed": "", "expected": ""}]
    create_table_artifact(
        key=artifact_key(f"{spec.name}-{track}-contract"),
        table=rows,
        description=(
            f"Data contract of {spec.name}: {report.expectations_checked} expectations, "
            f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)"
        ),
    )
    logger.info(
        "Contract of %s checked %d expectations in %.2f s: %s",
        spec.name,
        report.expectations_checked,
        report.seconds,
        "passed" if report.passed else "failed",
    )
    report.raise_for_errors()
    return report
