"""The quick track: one pre-processing intervention, validated against the baseline.

Data contract (the first task, which stops the run on an error), causal step, baseline, one pre-processing technique (reweighing by
default, or suppression of proxy features), evaluation with bootstrap CIs,
decision, then MLflow records and reports.
"""

from __future__ import annotations

from typing import Any

from prefect import flow

from tasks.causal import analyse_causal_graph
from tasks.data import check_contract, create_run_folder, load_and_split, load_system
from tasks.evaluation import decide_action, validate_models, write_validation_documents
from tasks.modeling import apply_pre_processing, fit_baseline
from tasks.tracking import assemble_document, publish_summary, record_run

TRACK = "quick"


@flow(name="quick", log_prints=False)
def quick(
    system: str = "systems/adult.yaml",
    seed: int | None = None,
    output_dir: str | None = None,
    data_path: str | None = None,
) -> dict[str, Any]:
    """Run the quick track on a system and return the run document.

    Parameters
    ----------
    system : str, default="systems/adult.yaml"
        Path of the system specification.
    seed : int or None, default=None
        Overrides the specification's seed.
    output_dir : str or None, default=None
        Folder for run files and reports; ``.fairtrack/runs`` when None.
    data_path : str or None, default=None
        Overrides the specification's data file.

    Returns
    -------
    dict
        The run document (see ``fairtrack run --json``).
    """
    spec = load_system(system, seed=seed, data_path=data_path)
    run_folder = create_run_folder(spec, TRACK, output_dir)

    contract = check_contract(spec, TRACK, run_folder)
    stored = load_and_split(spec, run_folder)
    causal = analyse_causal_graph(spec, stored, TRACK, run_folder)

    baseline = fit_baseline(spec, stored)
    pre_processed = apply_pre_processing(spec, stored, causal)
    stages = [baseline, pre_processed]
    selected = pre_processed if pre_processed.status == "completed" else baseline

    validation = validate_models(spec, stored, baseline, selected)
    decision = decide_action(spec, validation, contract)
    validation_reports = write_validation_documents(spec, TRACK, validation, decision, run_folder, selected.technique)

    document = assemble_document(
        spec, TRACK, stages, validation, decision, contract, causal, stored, extra_reports=validation_reports
    )
    document = record_run(spec, document, stages, stored, run_folder)
    publish_summary(document)
    return document
