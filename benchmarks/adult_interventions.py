"""Measure every intervention, and full chains, on Adult with sex protected.

Each technique is fitted on the training split (post-processing on the
validation split) and scored on the test split against the baseline with
fairtrack.evaluation.evaluate_pair: demographic parity difference,
equalized odds difference, accuracy and balanced accuracy, each with a 95 %
bootstrap CI, and the fit time. The table is printed as Markdown.

Run from the repository root:

    python benchmarks/adult_interventions.py [--n-bootstrap 1000] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

from fairtrack.causal.graph import read_dag, summarise_graph
from fairtrack.evaluation import ModelOutput, evaluate_pair
from fairtrack.interventions import (
    AdversarialDebiasing,
    CalibratedEqualizedOdds,
    CorrelationRemoval,
    DisparateImpactRepair,
    ExponentiatedGradientReduction,
    FairPipeline,
    ProxySuppression,
    RejectOptionClassification,
    Reweighing,
    SystemModel,
    ThresholdOptimization,
    fit_chain,
    fit_stage,
)
from fairtrack.spec import load_spec
from fairtrack.split import split_system_data

METRICS = ("demographic_parity_difference", "equalized_odds_difference", "accuracy", "balanced_accuracy")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--system", default="systems/adult.yaml", help="system specification (default: Adult)")
    parser.add_argument("--n-bootstrap", type=int, default=1000, help="bootstrap resamples per CI")
    parser.add_argument("--only", nargs="*", help="names of the rows to run (default: all)")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    spec = load_spec(arguments.system)
    split = split_system_data(spec)
    attribute = spec.primary_attribute
    column = attribute.column
    causal = summarise_graph(
        read_dag(spec.causal_graph), column, spec.label.column, spec.features.legitimate_mediators
    )
    proxies = [name for name in causal.proxy_candidates if name not in causal.legitimate_mediators]
    privileged = list(attribute.privileged)
    favorable = spec.label.favorable

    started = time.perf_counter()
    baseline = FairPipeline(classifier=SystemModel(spec.model_family, spec.model_params, spec.seed)).fit(
        split.train.features, split.train.label, sensitive_features=split.train.groups[column]
    )
    baseline_seconds = time.perf_counter() - started

    single = {
        "reweighing": Reweighing(privileged=privileged, favorable=favorable),
        "suppression": ProxySuppression(
            protected_columns=spec.protected_columns,
            proxy_features=causal.proxy_candidates,
            legitimate_mediators=spec.features.legitimate_mediators,
        ),
        "correlation_removal": CorrelationRemoval(proxy_features=proxies, protected_columns=[column]),
        "disparate_impact_repair": DisparateImpactRepair(protected_columns=[column]),
        "adversarial_debiasing (DP)": AdversarialDebiasing(random_state=spec.seed),
        "adversarial_debiasing (EO)": AdversarialDebiasing(constraints="equalized_odds", random_state=spec.seed),
        "exponentiated_gradient (DP)": ExponentiatedGradientReduction(random_state=spec.seed),
        "exponentiated_gradient (EO)": ExponentiatedGradientReduction(
            constraints="equalized_odds", random_state=spec.seed
        ),
        "threshold_optimizer (DP)": ThresholdOptimization(random_state=spec.seed),
        "threshold_optimizer (EO)": ThresholdOptimization(constraints="equalized_odds", random_state=spec.seed),
        "calibrated_equalized_odds": CalibratedEqualizedOdds(
            privileged=privileged, favorable=favorable, random_state=spec.seed
        ),
        "reject_option_classification": RejectOptionClassification(privileged=privileged, favorable=favorable),
    }
    chains = {
        "reweighing > adversarial_debiasing (EO) > threshold_optimizer (EO)": [
            Reweighing(privileged=privileged, favorable=favorable),
            AdversarialDebiasing(constraints="equalized_odds", random_state=spec.seed),
            ThresholdOptimization(constraints="equalized_odds", random_state=spec.seed),
        ],
        "disparate_impact_repair > adversarial_debiasing (EO) > threshold_optimizer (EO)": [
            DisparateImpactRepair(protected_columns=[column]),
            AdversarialDebiasing(constraints="equalized_odds", random_state=spec.seed),
            ThresholdOptimization(constraints="equalized_odds", random_state=spec.seed),
        ],
        "adversarial_debiasing (EO) > threshold_optimizer (EO)": [
            AdversarialDebiasing(constraints="equalized_odds", random_state=spec.seed),
            ThresholdOptimization(constraints="equalized_odds", random_state=spec.seed),
        ],
        "reweighing > exponentiated_gradient (EO) > threshold_optimizer (EO)": [
            Reweighing(privileged=privileged, favorable=favorable),
            ExponentiatedGradientReduction(constraints="equalized_odds", random_state=spec.seed),
            ThresholdOptimization(constraints="equalized_odds", random_state=spec.seed),
        ],
    }

    rows = []
    baseline_output = _output(baseline, split.test, column)
    rows.append(("baseline", _evaluate(split, column, baseline_output, baseline_output, arguments), baseline_seconds))
    for name, intervention in single.items():
        if arguments.only and name not in arguments.only:
            continue
        result = fit_stage(intervention, split.train, split.validation, column, base=baseline)
        if result.status != "completed":
            print(f"{name}: failed: {result.error}")
            continue
        document = _evaluate(split, column, baseline_output, _output(result.pipeline, split.test, column), arguments)
        rows.append((name, document, result.fit_seconds))
        print(f"{name}: {_row(name, document, result.fit_seconds)}", file=sys.stderr, flush=True)
    for name, interventions in chains.items():
        if arguments.only and name not in arguments.only:
            continue
        started = time.perf_counter()
        chain = fit_chain(interventions, split.train, split.validation, column, base=baseline)
        seconds = time.perf_counter() - started
        failed = [stage.technique for stage in chain.stages if stage.status != "completed"]
        document = _evaluate(split, column, baseline_output, _output(chain.pipeline, split.test, column), arguments)
        rows.append((name + (f" (failed: {failed})" if failed else ""), document, seconds))
        print(f"{name}: {_row(name, document, seconds)}", file=sys.stderr, flush=True)

    print("| technique | " + " | ".join(METRICS) + " | fit s |")
    print("| --- | " + " | ".join("---" for _ in METRICS) + " | --- |")
    for name, document, seconds in rows:
        print(_row(name, document, seconds))


def _row(name: str, document: dict, seconds: float) -> str:
    cells = [_cell(document[metric]) for metric in METRICS]
    return f"| {name} | " + " | ".join(cells) + f" | {seconds:.1f} |"


def _output(pipeline: FairPipeline, part, column: str) -> ModelOutput:
    groups = part.groups[column]
    return ModelOutput(
        predictions=pipeline.predict(part.features, groups), scores=pipeline.predict_proba(part.features, groups)[:, 1]
    )


def _evaluate(split, column: str, baseline: ModelOutput, candidate: ModelOutput, arguments) -> dict:
    evaluation = evaluate_pair(
        split.test.label,
        split.test.groups,
        baseline,
        candidate,
        primary_attribute=column,
        n_bootstrap=arguments.n_bootstrap,
    )
    return evaluation.candidate


def _cell(metric: dict) -> str:
    if metric.get("value") is None:
        return "n/a"
    low, high = metric["ci"]
    return f"{metric['value']:.3f} [{low:.3f}, {high:.3f}]"


if __name__ == "__main__":
    main()
