"""The standard track: techniques compared at every stage, validated, then reviewed.

The track runs the contract and the causal analysis at standard depth. It
then compares the pre-processing techniques and keeps the best, adds
in-processing on top of it and post-processing on top of that. Every
technique is evaluated against the baseline on the test part, and the
decision, MLflow records and reports follow before the approval gate. The gate pauses
the flow run until a reviewer answers in the Prefect UI (or through the API),
unless ``approve="auto"``; an approved candidate becomes ``champion``.
"""

from __future__ import annotations

from typing import Any, Literal

from prefect import flow
from prefect.flow_runs import pause_flow_run
from prefect.input import RunInput

from tasks.causal import analyse_causal_graph
from tasks.data import check_contract, create_run_folder, load_and_split, load_system
from tasks.evaluation import decide_action, write_validation_documents
from tasks.standard import (
    automatic_review,
    compare_stage_techniques,
    evaluate_techniques,
    fit_baseline_pipeline,
    promote_candidate,
    record_sign_off,
)
from tasks.tracking import assemble_document, publish_summary, record_pipelines

TRACK = "standard"
STAGES = ("pre_processing", "in_processing", "post_processing")
APPROVAL_TIMEOUT_SECONDS = 7 * 24 * 3600


class Review(RunInput):
    """A reviewer's decision at the approval gate."""

    decision: Literal["approve", "reject"]
    reviewer: str
    comment: str = ""


@flow(name="standard", log_prints=False)
def standard(
    system: str = "systems/adult.yaml",
    seed: int | None = None,
    output_dir: str | None = None,
    data_path: str | None = None,
    approve: Literal["manual", "auto"] = "manual",
    approval_timeout_seconds: int = APPROVAL_TIMEOUT_SECONDS,
) -> dict[str, Any]:
    """Run the standard track on a system and return the run document.

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
    approve : {"manual", "auto"}, default="manual"
        ``manual`` pauses for a reviewer; ``auto`` approves a candidate whose
        recommendation is deploy and rejects any other, for unattended runs.
    approval_timeout_seconds : int, default=604800
        How long the gate waits for a reviewer before the run fails.

    Returns
    -------
    dict
        The run document, with ``sign_off`` and ``promotion`` added.
    """
    spec = load_system(system, seed=seed, data_path=data_path)
    run_folder = create_run_folder(spec, TRACK, output_dir)

    contract = check_contract(spec, TRACK, run_folder)
    stored = load_and_split(spec, run_folder)
    causal = analyse_causal_graph(spec, stored, TRACK, run_folder)

    baseline = fit_baseline_pipeline(spec, stored)
    rounds, previous = [], baseline
    for stage in STAGES:
        stage_round = compare_stage_techniques(spec, stored, causal, stage, previous, baseline)
        rounds.append(stage_round)
        previous = stage_round.selected

    validation, techniques = evaluate_techniques(spec, stored, baseline, rounds)
    decision = decide_action(spec, validation, contract)
    chain = " > ".join(previous.chain)
    validation_reports = write_validation_documents(spec, TRACK, validation, decision, run_folder, chain, techniques)
    document = assemble_document(
        spec,
        TRACK,
        [baseline, *(stage_round.selected for stage_round in rounds)],
        validation,
        decision,
        contract,
        causal,
        stored,
        selected_technique=chain,
        techniques=techniques,
        extra_reports=validation_reports,
    )
    document = record_pipelines(spec, document, baseline, previous, stored, run_folder)
    publish_summary(document)

    if approve == "auto":
        review = automatic_review(document)
    else:
        answer = pause_flow_run(
            wait_for_input=Review.with_initial_data(
                description=f"Approve or reject candidate version {document['registry']['candidate_version']} "
                f"of {spec.name} (recommendation: {document['decision']['action']}).",
                decision="approve",
            ),
            timeout=approval_timeout_seconds,
        )
        review = answer.model_dump()

    sign_off = record_sign_off(spec, document, review, run_folder)
    promotion = promote_candidate(sign_off) if sign_off["decision"] == "approve" else None
    reports = {**document["reports"], "sign_off_record": sign_off["path"]}
    return {**document, "reports": reports, "sign_off": sign_off, "promotion": promotion}
