"""The ``fairtrack`` command.

``fairtrack run quick --system systems/adult.yaml`` runs the quick track as a
Prefect flow and prints a table of baseline and intervention metrics with
their CIs, the decision and where the reports are. ``--json`` prints the run
document instead. Exit status: 0 on success, 2 when the specification or the
data is rejected or the registry refuses a change (no approval, no baseline), 1 on any other failure.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
from collections.abc import Sequence

from fairtrack.errors import ContractError, DataError, RegistryError, SpecError

TRACKS = ("quick", "standard")
CONTRACT_TRACKS = ("quick", "standard", "comprehensive")
CAUSAL_DEPTHS = ("quick", "standard", "comprehensive")
EXIT_FAILURE = 1
EXIT_BAD_INPUT = 2

logger = logging.getLogger("fairtrack")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``fairtrack`` command line and return its exit status."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    # MLflow draws progress bars for each small audit-log download otherwise.
    os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )

    try:
        return args.handler(args)
    except (SpecError, DataError, ContractError, RegistryError) as exc:
        _report_error(args, exc)
        return EXIT_BAD_INPUT
    except Exception as exc:
        logger.debug("Unexpected failure", exc_info=True)
        _report_error(args, exc)
        return EXIT_FAILURE


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fairtrack",
        description="Run fairness interventions on a classifier as an auditable Prefect pipeline.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress of the core library")
    # -v is also accepted after the command; SUPPRESS keeps the top-level value otherwise.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="run a track on a system", parents=[common])
    run.add_argument("track", choices=TRACKS, help="the track to run")
    run.add_argument("--system", required=True, help="path of the system specification (YAML)")
    run.add_argument("--seed", type=int, default=None, help="override the specification's seed")
    run.add_argument(
        "--output-dir",
        default=None,
        help="folder for run files and reports (default: .fairtrack/runs)",
    )
    run.add_argument("--data", default=None, help="read the training data from this file instead")
    run.add_argument(
        "--approve",
        choices=("manual", "auto"),
        default="manual",
        help="standard track: wait for a reviewer in the Prefect UI (manual) or decide automatically (auto)",
    )
    run.add_argument("--json", action="store_true", help="print the run document as JSON")
    run.set_defaults(handler=_run_track)

    validate = commands.add_parser("validate", help="check a system's data against its contract", parents=[common])
    validate.add_argument("--system", required=True, help="path of the system specification (YAML)")
    validate.add_argument("--data", default=None, help="validate this file instead of data.path")
    validate.add_argument(
        "--track",
        choices=CONTRACT_TRACKS,
        default="quick",
        help="the track whose severities apply; small groups stop only the comprehensive track",
    )
    validate.add_argument("--json", action="store_true", help="print the contract report as JSON")
    validate.add_argument(
        "--draft-suite",
        metavar="FILE",
        default=None,
        help="write a draft Great Expectations suite for this system's data to FILE and stop",
    )
    validate.set_defaults(handler=_validate)

    causal = commands.add_parser("causal", help="run the causal analysis stage alone", parents=[common])
    causal.add_argument("--system", required=True, help="path of the system specification (YAML)")
    causal.add_argument("--depth", choices=CAUSAL_DEPTHS, default="quick", help="how deep to analyse (default: quick)")
    causal.add_argument("--data", default=None, help="read the data from this file instead of data.path")
    causal.add_argument(
        "--output-dir",
        default=None,
        help="folder for the causal analysis document (default: .fairtrack/causal/SYSTEM)",
    )
    causal.add_argument("--json", action="store_true", help="print the analysis as JSON")
    causal.set_defaults(handler=_causal)

    approve = commands.add_parser("approve", help="record a reviewer's sign-off on the candidate model", parents=[common])
    approve.add_argument("--system", required=True, help="the registered model (system name) or its specification")
    approve.add_argument("--reviewer", required=True, help="who signs off")
    approve.add_argument("--reject", action="store_true", help="record a rejection instead of an approval")
    approve.add_argument("--comment", default="", help="the reviewer's comment")
    approve.add_argument("--version", default=None, help="the model version reviewed (default: the candidate alias)")
    approve.add_argument("--json", action="store_true", help="print the recorded transition as JSON")
    approve.set_defaults(handler=_approve)

    promote = commands.add_parser("promote", help="move the champion alias to the approved candidate", parents=[common])
    promote.add_argument("--system", required=True, help="the registered model (system name) or its specification")
    promote.add_argument("--force", action="store_true", help="promote without a recorded approval (needs --reason)")
    promote.add_argument("--reason", default="", help="why; required with --force")
    promote.add_argument("--json", action="store_true", help="print the transition as JSON")
    promote.set_defaults(handler=_promote)

    rollback = commands.add_parser("rollback", help="restore the baseline model as champion", parents=[common])
    rollback.add_argument("--system", required=True, help="the system name (emergency) or its specification (quality)")
    rollback.add_argument("--mode", choices=("emergency", "quality"), default="emergency", help="roll back at once, or after a quality check")
    rollback.add_argument("--reason", required=True, help="why; stored on the rolled-back version and in the audit log")
    rollback.add_argument("--batch", default=None, help="production batch file (CSV or Parquet); required in quality mode")
    rollback.add_argument("--notify", default=None, metavar="BLOCK", help="Prefect notification block to notify, as TYPE/NAME")
    rollback.add_argument("--json", action="store_true", help="print the result as JSON")
    rollback.set_defaults(handler=_rollback)

    serve = commands.add_parser("serve", help="serve every deployment from this process (local use)", parents=[common])
    serve.add_argument("--systems-dir", default="systems", help="folder of system specifications (default: systems)")
    serve.set_defaults(handler=_serve)
    return parser


def _causal(args: argparse.Namespace) -> int:
    from fairtrack.causal import analyse_causal, write_causal_document
    from fairtrack.spec import load_spec
    from fairtrack.split import split_system_data

    spec = load_spec(args.system)
    if args.data:
        spec = spec.with_data_path(os.path.abspath(args.data))
    train = split_system_data(spec).train
    analysis = analyse_causal(spec, train, depth=args.depth, random_state=spec.seed)
    folder = args.output_dir or os.path.join(".fairtrack", "causal", spec.name)
    paths = write_causal_document(analysis, folder)

    if args.json:
        print(json.dumps({**analysis.to_dict(), "documents": paths}, indent=2, default=str))
        return 0
    summary = analysis.summary
    lines = [
        f"causal analysis of {spec.name} ({args.depth} depth): {summary.attribute} -> {summary.outcome}",
        f"  confounders: {', '.join(summary.confounders) or 'none'}",
        f"  mediators: {', '.join(summary.mediators) or 'none'}",
        f"  intervention targets: {', '.join(analysis.recommendation.targets) or 'none'}",
        f"  kept as legitimate mediators: {', '.join(analysis.recommendation.kept_mediators) or 'none'}",
    ]
    lines += [f"  {name}: {value:.4f}" for name, value in sorted(analysis.metrics().items())]
    lines.append(f"document: {paths['document']}")
    print("\n".join(lines))
    return 0


def _approve(args: argparse.Namespace) -> int:
    from fairtrack.registry import model_name, record_approval

    decision = "reject" if args.reject else "approve"
    transition = record_approval(model_name(args.system), decision, args.reviewer, args.comment, version=args.version)
    recorded = "rejection" if args.reject else "approval"
    _print_transition(args, transition.to_dict(), f"recorded the {recorded} of version {transition.to_version} by {args.reviewer}")
    return 0


def _promote(args: argparse.Namespace) -> int:
    from fairtrack.registry import current_actor, model_name, promote

    transition = promote(model_name(args.system), actor=current_actor(), force=args.force, reason=args.reason)
    summary = (
        f"champion moved from {_version(transition.from_version)} to version {transition.to_version}"
        if transition.changed
        else f"champion already points at candidate version {transition.to_version}; nothing changed"
    )
    _print_transition(args, transition.to_dict(), summary)
    return 0


def _rollback(args: argparse.Namespace) -> int:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    if args.mode == "quality" and not args.batch:
        raise SpecError("A quality rollback needs a production batch; pass --batch FILE.")
    from flows.rollback import rollback

    with contextlib.redirect_stdout(sys.stderr):
        result = rollback(
            system=args.system,
            mode=args.mode,
            reason=args.reason,
            batch=args.batch,
            notification_block=args.notify,
        )

    transition = result["transition"]
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    elif result["assessment"] and result["assessment"]["outcome"] != "rollback":
        assessment = result["assessment"]
        print(f"quality check of {result['system']}: {assessment['outcome']}; champion unchanged")
        print("\n".join(f"  - {reason}" for reason in assessment["reasons"]))
        print(f"degradation report: {assessment['report']}")
    elif transition["changed"]:
        print(
            f"{result['system']}: champion moved from version {transition['from_version']} to baseline "
            f"version {transition['to_version']}"
        )
    else:
        print(f"{result['system']}: champion already points at baseline version {transition['to_version']}; nothing changed")
    return 0


def _serve(args: argparse.Namespace) -> int:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    from deployments.serve import serve_all

    serve_all(args.systems_dir)
    return 0


def _version(version: str | None) -> str:
    return f"version {version}" if version else "no version"


def _print_transition(args: argparse.Namespace, transition: dict, summary: str) -> None:
    if args.json:
        print(json.dumps(transition, indent=2))
    else:
        print(f"{transition['model']}: {summary}")


def _validate(args: argparse.Namespace) -> int:
    from fairtrack.contracts.check import run_contract
    from fairtrack.contracts.suites import draft_system_suite
    from fairtrack.data import read_system_frame
    from fairtrack.spec import load_spec

    spec = load_spec(args.system)
    if args.data:
        spec = spec.with_data_path(os.path.abspath(args.data))

    if args.draft_suite:
        frame, _ = read_system_frame(spec)
        with open(args.draft_suite, "w", encoding="utf-8") as handle:
            json.dump(draft_system_suite(spec, frame), handle, indent=2)
        print(f"Wrote a draft suite for {spec.name!r} to {args.draft_suite}; review it, then set contract.suite.")
        return 0

    report = run_contract(spec, track=args.track)
    if args.json:
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(_render_contract(report))
    return 0 if report.passed else EXIT_BAD_INPUT


def _render_contract(report) -> str:
    verdict = "passed" if report.passed else "FAILED"
    lines = [
        f"data contract of {report.system} ({report.track} track): {verdict}",
        f"{report.expectations_checked} expectations checked in {report.seconds:.2f} s; "
        f"{len(report.errors)} error(s), {len(report.warnings)} warning(s)",
    ]
    if report.rows:
        lines.append("rows: " + ", ".join(f"{part} {count}" for part, count in report.rows.items()))
    lines += [f"  {finding.line()}" for finding in report.findings]
    lines += [f"  note: {note}" for note in report.notes]
    return "\n".join(lines)


def _run_track(args: argparse.Namespace) -> int:
    from fairtrack.spec import load_spec
    from fairtrack.summary import render_text

    # Reject a bad specification or a missing data file before Prefect starts its server.
    spec = load_spec(args.system)
    _require_local_file(args.data or spec.data.path, "--data or data.path")
    if spec.data.test_path:
        _require_local_file(spec.data.test_path, "data.test_path")

    # The temporary Prefect server otherwise logs "database is locked" on its telemetry write.
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    options = {"system": args.system, "seed": args.seed, "output_dir": args.output_dir, "data_path": args.data}

    # Prefect and the libraries print progress; keep stdout for the result alone.
    with contextlib.redirect_stdout(sys.stderr):
        if args.track == "standard":
            from flows.standard import standard

            document = standard(**options, approve=args.approve)
        else:
            from flows.quick import quick

            document = quick(**options)

    if args.json:
        print(json.dumps(document, indent=2))
    else:
        print(render_text(document))
    return 0


def _require_local_file(path: str, source: str) -> None:
    from fairtrack.errors import DataError
    from fairtrack.spec import resolve_data_path

    resolved = resolve_data_path(str(path))
    if "://" not in resolved and not os.path.isfile(resolved):
        raise DataError(f"Data file {str(path)!r} ({source}) not found. Pass an existing file with --data.")


def _report_error(args: argparse.Namespace, exc: BaseException) -> None:
    kind = type(exc).__name__
    if getattr(args, "json", False):
        print(json.dumps({"error": {"type": kind, "message": str(exc)}}, indent=2))
    print(f"fairtrack: error: {exc}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
