"""The validation report (Markdown): tests, CIs, subgroup results, trade-off, robustness, limitations.

:func:`validation_report` renders the text from a
:class:`~fairtrack.stats.validation.ValidationResult` and, when available,
the trade-off frontier, the decision and robustness results; it touches no
disk. :func:`write_validation_report` writes the text and the trade-off plot
(PNG and SVG) that the text links to.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fairtrack import metrics as m
from fairtrack.stats.estimates import Estimate
from fairtrack.stats.intersectional import IntersectionalAnalysis, worst_off_benefit
from fairtrack.stats.multiple_testing import CORRECTION_NAMES
from fairtrack.stats.tradeoff import PLOT_STEM, TradeoffFrontier, write_tradeoff_plot
from fairtrack.stats.validation import MODEL_NAMES, ValidationResult

if TYPE_CHECKING:
    from fairtrack.decision import Decision

REPORT_FILE = "validation_report.md"
UTILITY_METRICS = (*m.OVERALL_METRICS, "roc_auc")

logger = logging.getLogger(__name__)


def validation_report(
    result: ValidationResult,
    *,
    system: str,
    track: str,
    fairness_metric: str,
    utility_metric: str,
    candidate_name: str = "candidate",
    tradeoff: TradeoffFrontier | None = None,
    decision: Decision | None = None,
    robustness: Sequence[dict[str, Any]] | None = None,
) -> str:
    """Render the validation report as Markdown.

    Parameters
    ----------
    result : ValidationResult
        The output of :func:`fairtrack.stats.validation.validate_pair`.
    system, track : str
        The system's and the track's names.
    fairness_metric, utility_metric : str
        The system's metric of record and utility metric.
    candidate_name : str, default="candidate"
        The selected technique's name.
    tradeoff : TradeoffFrontier or None, default=None
        Every technique and strength tried; the report links the plot that
        :func:`write_validation_report` writes next to it.
    decision : Decision or None, default=None
        The decision matrix's outcome.
    robustness : sequence of dict or None, default=None
        One row per repetition (for example another seed, split or time
        period), each a flat dictionary of column name to value.

    Returns
    -------
    str
        The report.
    """
    settings = result.settings
    sections = [
        _header(result, system, track, candidate_name),
        _summary(result, fairness_metric, decision),
        _intervals(result, candidate_name),
        _tests(result),
        _subgroups(result, candidate_name),
        _tradeoff(tradeoff),
        _robustness(robustness),
        _limitations(result, tradeoff),
    ]
    logger.debug("Rendered the validation report of %s on %d rows", system, settings["n_rows"])
    return "\n\n".join(section.rstrip() for section in sections if section) + "\n"


def write_validation_report(
    text: str, folder: str | Path, tradeoff: TradeoffFrontier | None = None
) -> dict[str, str]:
    """Write the validation report and its trade-off plot into ``folder``.

    Parameters
    ----------
    text : str
        The report from :func:`validation_report`.
    folder : str or pathlib.Path
        Where to write; created if missing.
    tradeoff : TradeoffFrontier or None, default=None
        The frontier whose plot the report links to.

    Returns
    -------
    dict of str to str
        ``validation_report`` and, with a frontier, ``tradeoff_png`` and
        ``tradeoff_svg``, mapped to the written paths.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / REPORT_FILE
    path.write_text(text, encoding="utf-8")
    paths = {"validation_report": str(path)}
    if tradeoff is not None:
        plots = write_tradeoff_plot(tradeoff, folder)
        paths.update({f"tradeoff_{suffix}": plot for suffix, plot in plots.items()})
    logger.info("Wrote the validation report to %s", path)
    return paths


def format_estimate(metric: dict[str, Any] | Estimate | None) -> str:
    """Format a metric document or an estimate as ``0.8473 [0.8416, 0.8532]`` or the reason it is undefined."""
    if isinstance(metric, Estimate):
        metric = metric.to_document()
    if metric is None:
        return "n/a"
    if metric["value"] is None:
        return f"undefined ({metric.get('reason') or 'no reason given'})"
    if metric["ci"] is None:
        return f"{metric['value']:.4f} (no CI: {metric.get('reason') or 'undefined'})"
    low, high = metric["ci"]
    return f"{metric['value']:.4f} [{low:.4f}, {high:.4f}]"


def _header(result: ValidationResult, system: str, track: str, candidate_name: str) -> str:
    settings = result.settings
    evaluation = result.evaluation
    return "\n".join(
        [
            f"# Validation report: {system}",
            "",
            f"Track: {track}. Compared: the baseline and `{candidate_name}` on the same "
            f"{settings['n_rows']} test rows. Seed: {settings['random_state']}.",
            "",
            f"- Intervals: {evaluation.confidence_level:.0%} {evaluation.method}, {settings['n_bootstrap']} resamples.",
            f"- Tests: paired permutation tests with {settings['n_permutations']} permutations and tests "
            f"against parity with {settings['n_parity_permutations']} draws, each family with the "
            f"{CORRECTION_NAMES[settings['correction']]} correction at alpha {settings['alpha']}.",
            f"- Attribute sets tested: {', '.join(' x '.join(s) for s in settings['attribute_sets'])}.",
        ]
    )


def _summary(result: ValidationResult, fairness_metric: str, decision: Decision | None) -> str:
    lines = ["## Summary", ""]
    primary = result.evaluation.primary_attribute
    change = result.evaluation.differences.get(fairness_metric)
    lines.append(
        f"- Change in `{fairness_metric}` on `{primary}` (candidate minus baseline): {format_estimate(change)}."
    )
    hypothesis = result.family.find(fairness_metric, (primary,))
    if hypothesis is not None:
        verdict = "significant" if hypothesis.rejected else "not significant"
        lines.append(
            f"- Improvement test: p = {_p(hypothesis.pvalue)}, adjusted p = {_p(hypothesis.adjusted_pvalue)} "
            f"({verdict} at alpha {result.family.alpha} after the {result.family.correction} correction)."
        )
    if decision is not None:
        lines.append(
            f"- Decision: **{decision.action}** (matrix row `{decision.row}`, response `{decision.response}`)."
        )
        lines += [f"  - {reason}" for reason in decision.reasons]
    return "\n".join(lines)


def _intervals(result: ValidationResult, candidate_name: str) -> str:
    evaluation = result.evaluation
    baseline, candidate, differences = evaluation.baseline, evaluation.candidate, evaluation.differences
    lines = [
        "## Confidence intervals",
        "",
        f"| metric | baseline | {candidate_name} | difference |",
        "| --- | --- | --- | --- |",
    ]
    for name in UTILITY_METRICS:
        if name in baseline:
            lines.append(
                f"| {name} | {format_estimate(baseline[name])} | {format_estimate(candidate[name])} | "
                f"{format_estimate(differences.get(name))} |"
            )
    for attribute, disparities in baseline["attributes"].items():
        for name in disparities:
            lines.append(
                f"| {name} ({attribute}) | {format_estimate(disparities[name])} | "
                f"{format_estimate(candidate['attributes'][attribute][name])} | "
                f"{format_estimate(differences['attributes'][attribute][name])} |"
            )
    lines += ["", "The difference is the candidate minus the baseline, with its paired bootstrap CI."]
    return "\n".join(lines)


def _tests(result: ValidationResult) -> str:
    family = result.family
    lines = [
        "## Hypothesis tests",
        "",
        f"Family: {family.description}. Correction: {CORRECTION_NAMES[family.correction]} "
        f"over the {family.size} defined hypotheses, alpha {family.alpha}. "
        "Each test permutes which model's prediction each row takes; the statistic is the candidate's "
        "metric minus the baseline's, and the one-sided alternative is that the candidate is fairer.",
        "",
        "| hypothesis | statistic | p-value | adjusted p-value | significant |",
        "| --- | --- | --- | --- | --- |",
    ]
    by_key = {(test.metric, test.attributes): test for test in result.permutation_tests}
    for hypothesis in family.hypotheses:
        test = by_key[(hypothesis.metric, hypothesis.attributes)]
        lines.append(
            f"| {hypothesis.name} | {_number(test.statistic)} | {_p(hypothesis.pvalue)} | "
            f"{_p(hypothesis.adjusted_pvalue)} | {'yes' if hypothesis.rejected else 'no'} |"
        )

    parity = result.parity_family
    lines += [
        "",
        f"Against parity: {parity.description}. Each test draws group labels at random (within each label "
        "for the equalized odds metrics) and asks whether the observed disparity is larger than chance "
        f"gives. Correction: {CORRECTION_NAMES[parity.correction]} over {parity.size} hypotheses.",
        "",
        "| model | metric | attributes | value | p-value | adjusted p-value | differs from parity |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for test, hypothesis in zip(result.parity_tests, parity.hypotheses):
        lines.append(
            f"| {MODEL_NAMES[test.model]} | {test.metric} | {' x '.join(test.attributes)} | "
            f"{_number(test.statistic)} | "
            f"{_p(hypothesis.pvalue)} | {_p(hypothesis.adjusted_pvalue)} | {'yes' if hypothesis.rejected else 'no'} |"
        )
    return "\n".join(lines)


def _subgroups(result: ValidationResult, candidate_name: str) -> str:
    if not result.intersectional:
        return "## Subgroup results\n\nThe intersectional analysis was not run."
    baseline, candidate = result.intersectional
    lines = [
        "## Subgroup results",
        "",
        f"Every combination of the protected attributes. A subgroup with fewer than 100 rows is flagged "
        "`small`; a combination is flagged `insufficient` when it has no more than 100 rows per possible subgroup.",
    ]
    lines += _worst_off_lines(baseline, candidate)
    for base_combination, cand_combination in zip(baseline.combinations, candidate.combinations):
        label = " x ".join(base_combination.attributes)
        status = "" if base_combination.sufficient else " (insufficient)"
        lines += [
            "",
            f"### {label}{status}",
            "",
            f"| metric | baseline | {candidate_name} |",
            "| --- | --- | --- |",
        ]
        for name in m.DISPARITY_METRICS:
            lines.append(
                f"| {name} | {format_estimate(base_combination.disparities[name])} | "
                f"{format_estimate(cand_combination.disparities[name])} |"
            )
        lines += [
            "",
            f"| subgroup | rows | baseline selection rate | {candidate_name} selection rate | baseline TPR | "
            f"{candidate_name} TPR | baseline FPR | {candidate_name} FPR | flag |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for base, cand in zip(base_combination.subgroups, cand_combination.subgroups):
            lines.append(
                f"| {'/'.join(base.groups)} | {base.count} | {format_estimate(base.rates['selection_rate'])} | "
                f"{format_estimate(cand.rates['selection_rate'])} | {format_estimate(base.rates['tpr'])} | "
                f"{format_estimate(cand.rates['tpr'])} | {format_estimate(base.rates['fpr'])} | "
                f"{format_estimate(cand.rates['fpr'])} | {'small' if base.small else ''} |"
            )
    return "\n".join(lines)


def _worst_off_lines(baseline: IntersectionalAnalysis, candidate: IntersectionalAnalysis) -> list[str]:
    criterion = baseline.criterion
    favourable = "" if baseline.favorable == 1 else "one minus the "
    lines = ["", f"Worst-off subgroup of the full intersection (maximin on {favourable}{criterion}):", ""]
    for name, analysis in zip(MODEL_NAMES, (baseline, candidate)):
        worst = analysis.worst_off
        if worst is None:
            lines.append(f"- {name}: none defined.")
        else:
            lines.append(
                f"- {name}: {'/'.join(worst.groups)} ({worst.count} rows), "
                f"{criterion} {format_estimate(worst.rates[criterion])}."
            )
    before, after = worst_off_benefit(baseline), worst_off_benefit(candidate)
    if not (math.isnan(before) or math.isnan(after)):
        direction = "keeps"
        if after > before:
            direction = "raises"
        elif after < before:
            direction = "lowers"
        lines.append(
            f"- The candidate {direction} the worst-off subgroup's favourable rate ({before:.4f} to {after:.4f})."
        )
    return lines


def _tradeoff(tradeoff: TradeoffFrontier | None) -> str:
    lines = ["## Trade-off", ""]
    if tradeoff is None:
        lines.append("No trade-off was computed: only one technique and strength were compared with the baseline.")
        return "\n".join(lines)

    lines += [
        f"`{tradeoff.fairness_metric}` against `{tradeoff.utility_metric}` for every technique and strength tried. "
        f"The utility threshold is {tradeoff.utility_threshold:.4f} (the baseline's utility less the maximum "
        "acceptable loss).",
        "",
        f"![Fairness-utility trade-off]({PLOT_STEM}.svg)",
        "",
        "| technique | strength | fairness | utility | on the Pareto frontier | meets the utility threshold |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for _, point in tradeoff.points.iterrows():
        strength = "" if point["strength"] is None or point["strength"] != point["strength"] else point["strength"]
        lines.append(
            f"| {point['technique']} | {strength} | {_cell(point['fairness'])} | {_cell(point['utility'])} | "
            f"{'yes' if point['on_frontier'] else 'no'} | {'yes' if point['meets_threshold'] else 'no'} |"
        )
    return "\n".join(lines)


def _robustness(robustness: Sequence[dict[str, Any]] | None) -> str:
    lines = ["## Robustness", ""]
    if not robustness:
        lines.append("Not assessed in this run (no repetitions over seeds, splits or time periods were given).")
        return "\n".join(lines)
    columns = list(dict.fromkeys(column for row in robustness for column in row))
    lines += ["| " + " | ".join(columns) + " |", "| " + " | ".join("---" for _ in columns) + " |"]
    for row in robustness:
        lines.append("| " + " | ".join(_cell(row.get(column)) for column in columns) + " |")
    return "\n".join(lines)


def _limitations(result: ValidationResult, tradeoff: TradeoffFrontier | None) -> str:
    settings = result.settings
    lines = [
        "## Limitations",
        "",
        "- The intervals and tests describe sampling variation of the test rows for the two fitted models; "
        "they do not cover the variation from retraining on other data or with other seeds.",
        "- The permutation tests assume that, without an effect, each row's two predictions are exchangeable; "
        f"with {settings['n_permutations']} permutations the smallest possible p-value is "
        f"{1 / (settings['n_permutations'] + 1):.2g}.",
        "- Count-based metrics are discrete, so with few rows per group the intervals are coarse and the "
        "tests conservative.",
    ]
    if settings["interval"] == "bca":
        lines.append(
            "- Where a BCa interval was undefined (an undefined jackknife value, or every resample on one side "
            "of the estimate) the percentile interval is shown instead."
        )
    lines += [f"- {warning}" for warning in result.sample_size_warnings]
    for analysis in result.intersectional[:1]:
        lines += [f"- {warning}" for warning in analysis.warnings]
    undefined = _undefined_metrics(result)
    if undefined:
        lines.append(f"- Undefined metrics (reported as null with a reason): {', '.join(undefined)}.")
    if tradeoff is None:
        lines.append("- The trade-off covers no other technique or strength.")
    return "\n".join(lines)


def _undefined_metrics(result: ValidationResult) -> list[str]:
    names = []
    for model, document in zip(MODEL_NAMES, (result.evaluation.baseline, result.evaluation.candidate)):
        for attribute, groups in document["groups"].items():
            for group, rates in groups.items():
                for rate in m.GROUP_RATES:
                    if rates[rate]["value"] is None:
                        names.append(f"{model} {rate} of {attribute}={group}")
    return names


def _p(value: float) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.4g}"


def _number(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "undefined"
    return f"{value:+.4f}" if isinstance(value, float) else str(value)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:.4f}"
    return "" if value is None else str(value)
