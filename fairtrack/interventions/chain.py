"""Chaining interventions: pre-processing, then in-processing, then post-processing.

:class:`FairPipeline` contains one intervention per stage and is itself the
single interface of every intervention: ``fit`` on training rows (and
validation rows), then ``predict`` and ``predict_proba`` with the protected
attribute supplied. The pre-processor's transformed features and sample
weights feed the classifier, and the post-processor is fitted on the
validation rows scored by the classifier.

:func:`fit_stage` adds one intervention on top of an already fitted pipeline
and keeps the earlier stages as they were fitted; :func:`fit_chain` runs a
sequence of them. Each returns a :class:`StageResult` with what the
intervention log needs. A technique that raises is reported as failed with
its error and the chain carries on from the last pipeline that fitted.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone

from fairtrack.data import PreparedData
from fairtrack.errors import DataError
from fairtrack.interventions.base import (
    STAGES,
    FairClassifier,
    PostProcessor,
    PreProcessor,
    Stage,
    check_labels,
    check_sample_weight,
    check_sensitive_features,
    log_params,
)
from fairtrack.interventions.system_model import SystemModel

logger = logging.getLogger(__name__)


class FairPipeline(FairClassifier):
    """A pre-processor, a classifier and a post-processor fitted in sequence.

    Parameters
    ----------
    pre : PreProcessor or None, default=None
        The pre-processing technique, or None to pass features through.
    classifier : FairClassifier or None, default=None
        The in-processing technique, or the system's model; None means
        ``SystemModel()`` with its defaults.
    post : PostProcessor or None, default=None
        The post-processing technique, or None. It needs validation rows.

    Attributes
    ----------
    pre_ : PreProcessor or None
        The fitted pre-processor.
    classifier_ : FairClassifier
        The fitted classifier.
    post_ : PostProcessor or None
        The fitted post-processor, wrapping a pipeline of ``pre_`` and
        ``classifier_``.
    sample_weight_ : numpy.ndarray or None
        The weights the classifier was trained with, one per training row in
        the order given to ``fit``.
    training_fingerprint_ : str
        SHA-256 of the training features, labels and groups, so that
        :meth:`with_stage` can check it gets the same rows.
    classes_ : numpy.ndarray
        ``[0, 1]``.
    """

    technique = "pipeline"

    def __init__(
        self,
        pre: PreProcessor | None = None,
        classifier: FairClassifier | None = None,
        post: PostProcessor | None = None,
    ):
        self.pre = pre
        self.classifier = classifier
        self.post = post

    @property
    def techniques(self) -> list[str]:
        """The technique of each stage that is set, in order, for the intervention log."""
        return [
            intervention.technique
            for intervention in (self.pre, self.classifier or SystemModel(), self.post)
            if intervention is not None
        ]

    def fit(
        self,
        X,
        y,
        *,
        sensitive_features,
        sample_weight=None,
        X_val=None,
        y_val=None,
        sensitive_features_val=None,
    ) -> FairPipeline:
        """Fit every stage in order.

        Parameters
        ----------
        X : pandas.DataFrame
            Training features.
        y : array-like of shape (n_rows,)
            Training labels as 0/1.
        sensitive_features : array-like of shape (n_rows,)
            Each training row's group for the targeted protected attribute.
        sample_weight : numpy.ndarray or None, default=None
            Weights the training rows already carry.
        X_val, y_val, sensitive_features_val : optional
            Validation rows: the post-processor is fitted on them and an
            in-processing technique may select its epoch on them.

        Returns
        -------
        self

        Raises
        ------
        DataError
            If the data are invalid, or a post-processor is set without
            validation rows.
        """
        return self._fit_from(0, None, X, y, sensitive_features, sample_weight, X_val, y_val, sensitive_features_val)

    def with_stage(
        self,
        intervention: PreProcessor | FairClassifier | PostProcessor,
        X,
        y,
        *,
        sensitive_features,
        sample_weight=None,
        X_val=None,
        y_val=None,
        sensitive_features_val=None,
    ) -> FairPipeline:
        """Return a new pipeline with ``intervention`` in its stage, fitting only what changes.

        When this pipeline is fitted, the stages before the intervention's
        stage are reused as fitted and the intervention is fitted on their
        output. Later stages are dropped, except that a new pre-processor gets
        a fresh copy of this pipeline's classifier so that the result can
        predict. This pipeline is not modified.

        Parameters
        ----------
        intervention : PreProcessor, FairClassifier or PostProcessor
            The technique to add; it is cloned before fitting.
        X, y, sensitive_features, sample_weight, X_val, y_val, sensitive_features_val
            As in :meth:`fit`; the training rows must be those this pipeline
            was fitted on.

        Returns
        -------
        FairPipeline
            The new fitted pipeline.

        Raises
        ------
        DataError
            If the training rows differ from the ones this pipeline was
            fitted on.
        """
        stage = _stage_of(intervention)
        slots = {"pre": self.pre, "classifier": self.classifier, "post": None}
        slots[_SLOTS[stage]] = intervention
        pipeline = FairPipeline(**slots)

        start = STAGES.index(stage)
        reuse = self if hasattr(self, "classifier_") and start > 0 else None
        return pipeline._fit_from(
            start if reuse is not None else 0,
            reuse,
            X,
            y,
            sensitive_features,
            sample_weight,
            X_val,
            y_val,
            sensitive_features_val,
        )

    def transform(self, X, sensitive_features) -> pd.DataFrame:
        """Return the features the classifier receives: ``X`` after the pre-processor."""
        self._check_fitted()
        if self.pre_ is None:
            return X
        return self.pre_.transform(X, sensitive_features)

    def predict_proba(self, X, sensitive_features) -> np.ndarray:
        """Return the probabilities of predicting 0 and 1 after every stage."""
        self._check_fitted()
        groups = check_sensitive_features(sensitive_features, len(X))
        if self.post_ is not None:
            return self.post_.predict_proba(X, groups)
        return self.classifier_.predict_proba(self.transform(X, groups), groups)

    def predict(self, X, sensitive_features) -> np.ndarray:
        """Return the 0/1 predictions after every stage."""
        self._check_fitted()
        groups = check_sensitive_features(sensitive_features, len(X))
        if self.post_ is not None:
            return self.post_.predict(X, groups)
        return np.asarray(self.classifier_.predict(self.transform(X, groups), groups), dtype=np.int8)

    def _check_fitted(self) -> None:
        if not hasattr(self, "classifier_"):
            raise ValueError("This FairPipeline is not fitted yet; call fit or fit_stage first.")

    def _fit_from(
        self,
        start: int,
        previous: FairPipeline | None,
        X,
        y,
        sensitive_features,
        sample_weight,
        X_val,
        y_val,
        sensitive_features_val,
    ) -> FairPipeline:
        """Fit the stages from index ``start`` on, taking earlier ones from ``previous``."""
        y = check_labels(y, len(X))
        groups = check_sensitive_features(sensitive_features, len(X))
        weights = check_sample_weight(sample_weight, len(X))
        validation = _validation_rows(X_val, y_val, sensitive_features_val)
        fingerprint = _fingerprint(X, y, groups)
        if previous is not None and previous.training_fingerprint_ != fingerprint:
            raise DataError(
                "The training rows differ from the ones the earlier stages were fitted on; pass the "
                "same training rows, in the same order, to every stage of a chain."
            )

        if start <= 0:
            self.pre_ = None if self.pre is None else clone(self.pre)
            if self.pre_ is not None:
                self.pre_.fit(X, y, sensitive_features=groups, sample_weight=weights)
            self.sample_weight_ = weights if self.pre_ is None else self.pre_.sample_weight_
        else:
            self.pre_ = previous.pre_
            self.sample_weight_ = previous.sample_weight_

        if start <= 1:
            features = X if self.pre_ is None else self.pre_.transform(X, groups)
            validation_kwargs = {}
            if validation is not None:
                X_val, y_val, groups_val = validation
                validation_kwargs = {
                    "X_val": X_val if self.pre_ is None else self.pre_.transform(X_val, groups_val),
                    "y_val": y_val,
                    "sensitive_features_val": groups_val,
                }
            self.classifier_ = clone(self.classifier) if self.classifier is not None else SystemModel()
            self.classifier_.fit(
                features, y, sensitive_features=groups, sample_weight=self.sample_weight_, **validation_kwargs
            )
        else:
            self.classifier_ = previous.classifier_

        self.post_ = None
        if self.post is not None:
            if validation is None:
                raise DataError(
                    f"Post-processing with {self.post.technique!r} is fitted on validation rows; pass "
                    "X_val, y_val and sensitive_features_val (never the test split)."
                )
            X_val, y_val, groups_val = validation
            upstream = FairPipeline(pre=self.pre, classifier=self.classifier)
            upstream.pre_, upstream.classifier_, upstream.post_ = self.pre_, self.classifier_, None
            upstream.sample_weight_, upstream.training_fingerprint_ = self.sample_weight_, fingerprint
            upstream.classes_ = np.array([0, 1])
            self.post_ = clone(self.post).set_params(estimator=upstream)
            self.post_.fit(X_val, y_val, sensitive_features=groups_val)

        self.training_fingerprint_ = fingerprint
        self.classes_ = np.array([0, 1])
        return self


@dataclass
class StageResult:
    """One technique tried in a chain, as the intervention log records it.

    Attributes
    ----------
    stage : {"pre_processing", "in_processing", "post_processing"}
        The stage of the technique.
    technique : str
        The technique's name.
    params : dict
        Its parameters, JSON-friendly.
    status : {"completed", "failed"}
        Whether it fitted.
    error : str or None
        The exception type and message when it failed.
    fit_seconds : float
        Wall time of the fit.
    pipeline : FairPipeline or None
        The fitted pipeline that ends with this technique; None when it
        failed.
    chain : list of str
        The techniques of ``pipeline`` in order; for a failed technique, the
        chain it was meant to extend plus itself.
    """

    stage: Stage
    technique: str
    params: dict[str, Any]
    status: Literal["completed", "failed"]
    error: str | None = None
    fit_seconds: float = 0.0
    pipeline: FairPipeline | None = None
    chain: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Return the result without the pipeline, for the intervention log."""
        return {
            "stage": self.stage,
            "technique": self.technique,
            "params": self.params,
            "status": self.status,
            "error": self.error,
            "fit_seconds": round(self.fit_seconds, 3),
            "chain": list(self.chain),
        }


@dataclass
class ChainResult:
    """The outcome of :func:`fit_chain`.

    Attributes
    ----------
    pipeline : FairPipeline
        The last pipeline that fitted: the whole chain when every stage
        completed, otherwise the chain without the failed stages.
    stages : list of StageResult
        One result per technique, in order.
    """

    pipeline: FairPipeline
    stages: list[StageResult]


def fit_stage(
    intervention: PreProcessor | FairClassifier | PostProcessor,
    train: PreparedData,
    validation: PreparedData | None,
    attribute: str,
    base: FairPipeline | None = None,
    sample_weight: np.ndarray | None = None,
) -> StageResult:
    """Fit one intervention on top of ``base`` and report it for the intervention log.

    Parameters
    ----------
    intervention : PreProcessor, FairClassifier or PostProcessor
        The technique to fit.
    train : PreparedData
        The training rows; the same rows ``base`` was fitted on.
    validation : PreparedData or None
        The validation rows; post-processing and adversarial epoch selection
        use them. Never pass the test split.
    attribute : str
        The protected attribute the intervention targets, a column of
        ``train.groups``.
    base : FairPipeline or None, default=None
        The pipeline to build on: its fitted earlier stages are reused. None
        starts from ``FairPipeline()``, the system model with defaults.
    sample_weight : numpy.ndarray or None, default=None
        Weights the training rows already carry.

    Returns
    -------
    StageResult
        ``status="completed"`` with the new pipeline, or ``status="failed"``
        with the error when the technique raised.

    Raises
    ------
    DataError
        If ``attribute`` is not a column of the groups; this is a mistake in
        the call, not a failure of the technique.
    """
    stage = _stage_of(intervention)
    base = base if base is not None else FairPipeline()
    chain = _chain_names(base, intervention)
    for part, name in ((train, "training"), (validation, "validation")):
        if part is not None and attribute not in part.groups.columns:
            raise DataError(
                f"Protected attribute {attribute!r} is not in the {name} groups; the groups are "
                f"{list(part.groups.columns)!r}."
            )

    params = log_params(intervention)
    started = time.perf_counter()
    try:
        pipeline = base.with_stage(
            intervention,
            train.features,
            train.label,
            sensitive_features=train.groups[attribute],
            sample_weight=sample_weight,
            **_validation_kwargs(validation, attribute),
        )
    # A technique that fails (a library error, a constraint it cannot meet,
    # bad data for this method) must not end the track: it is reported with
    # its error and the caller keeps the best result so far.
    except Exception as exc:
        seconds = time.perf_counter() - started
        logger.warning("%s %s failed after %.1f s: %s: %s", stage, intervention.technique, seconds, type(exc).__name__, exc)
        return StageResult(
            stage=stage,
            technique=intervention.technique,
            params=params,
            status="failed",
            error=f"{type(exc).__name__}: {exc}",
            fit_seconds=seconds,
            chain=chain,
        )

    seconds = time.perf_counter() - started
    logger.info("%s %s fitted in %.1f s (chain: %s)", stage, intervention.technique, seconds, " > ".join(chain))
    return StageResult(
        stage=stage,
        technique=intervention.technique,
        params=params,
        status="completed",
        fit_seconds=seconds,
        pipeline=pipeline,
        chain=chain,
    )


def fit_chain(
    interventions: Sequence[PreProcessor | FairClassifier | PostProcessor],
    train: PreparedData,
    validation: PreparedData | None,
    attribute: str,
    base: FairPipeline | None = None,
    sample_weight: np.ndarray | None = None,
) -> ChainResult:
    """Fit interventions in stage order, each on top of the last one that fitted.

    Parameters
    ----------
    interventions : sequence
        At most one technique per stage, in the order pre-processing,
        in-processing, post-processing.
    train, validation, attribute, base, sample_weight
        As in :func:`fit_stage`. ``base`` is fitted first when it is not.

    Returns
    -------
    ChainResult
        The last pipeline that fitted and one result per technique.

    Raises
    ------
    ValueError
        If the interventions are not in stage order or two share a stage.
    """
    stages = [_stage_of(intervention) for intervention in interventions]
    positions = [STAGES.index(stage) for stage in stages]
    if positions != sorted(set(positions)):
        raise ValueError(
            f"A chain takes at most one technique per stage, in the order {list(STAGES)!r}; got {stages!r}."
        )

    current = base if base is not None else FairPipeline()
    if not hasattr(current, "classifier_"):
        current = clone(current).fit(
            train.features,
            train.label,
            sensitive_features=train.groups[attribute],
            sample_weight=sample_weight,
            **_validation_kwargs(validation, attribute),
        )

    results = []
    for intervention in interventions:
        result = fit_stage(intervention, train, validation, attribute, base=current, sample_weight=sample_weight)
        results.append(result)
        if result.pipeline is not None:
            current = result.pipeline
    return ChainResult(pipeline=current, stages=results)


_SLOTS: dict[Stage, str] = {"pre_processing": "pre", "in_processing": "classifier", "post_processing": "post"}


def _stage_of(intervention: BaseEstimator) -> Stage:
    stage = getattr(intervention, "stage", None)
    if stage not in STAGES or not hasattr(intervention, "technique"):
        raise TypeError(
            f"Expected a PreProcessor, FairClassifier or PostProcessor from fairtrack.interventions; "
            f"got {type(intervention).__name__}."
        )
    return stage


def _chain_names(base: FairPipeline, intervention: BaseEstimator) -> list[str]:
    stage = _stage_of(intervention)
    if stage == "pre_processing":
        return [intervention.technique, (base.classifier or SystemModel()).technique]
    if stage == "in_processing":
        return [*([base.pre.technique] if base.pre is not None else []), intervention.technique]
    return [*FairPipeline(pre=base.pre, classifier=base.classifier).techniques, intervention.technique]


def _validation_rows(X_val, y_val, sensitive_features_val) -> tuple | None:
    given = [value is not None for value in (X_val, y_val, sensitive_features_val)]
    if not any(given):
        return None
    if not all(given):
        raise DataError("Pass all of X_val, y_val and sensitive_features_val, or none of them.")
    return X_val, check_labels(y_val, len(X_val)), check_sensitive_features(sensitive_features_val, len(X_val))


def _validation_kwargs(validation: PreparedData | None, attribute: str) -> dict[str, Any]:
    if validation is None or len(validation) == 0:
        return {}
    return {
        "X_val": validation.features,
        "y_val": validation.label,
        "sensitive_features_val": validation.groups[attribute],
    }


def _fingerprint(X: pd.DataFrame, y: np.ndarray, groups: np.ndarray) -> str:
    digest = hashlib.sha256()
    digest.update(pd.util.hash_pandas_object(X, index=False).to_numpy().tobytes())
    digest.update(np.asarray(y, dtype=np.int64).tobytes())
    digest.update(pd.util.hash_array(groups).tobytes())
    return digest.hexdigest()
