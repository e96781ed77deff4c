"""System specifications: the YAML file that describes what fairtrack works on.

A specification names the data, the label and its favourable value, the
protected attributes, the model family, the causal graph and the fairness
targets of one system. :func:`load_spec` reads and validates it before any
data is touched, so that a typo fails in milliseconds with the key's path.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from fairtrack.errors import SpecError

RISK_TIERS = ("critical", "high", "low", "medium")
DATA_FORMATS = ("csv", "parquet")
MODEL_FAMILIES = ("logistic_regression",)
FAIRNESS_METRICS = (
    "demographic_parity_difference",
    "equal_opportunity_difference",
    "equalized_odds_difference",
)
UTILITY_METRICS = ("accuracy", "balanced_accuracy", "precision", "recall", "roc_auc")
PRE_PROCESSING_TECHNIQUES = ("reweighing", "suppression")
ON_DEGRADATION = ("alert", "rollback")

BUNDLED_PREFIX = "bundled:"
BUNDLED_DIR = Path(__file__).parent / "datasets"

TOP_LEVEL_KEYS = (
    "approval",
    "causal",
    "contract",
    "data",
    "fairness",
    "features",
    "interventions",
    "label",
    "model",
    "monitoring",
    "name",
    "protected",
    "risk_tier",
    "seed",
    "validation",
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DerivedColumn:
    """A column computed from another one by a value mapping.

    German credit, for example, codes sex together with marital status in one
    column; a derived ``sex`` column maps each code to a sex.
    """

    name: str
    source: str
    mapping: dict[Any, Any]


@dataclass(frozen=True)
class DataSpec:
    """Where the rows come from and how they are split."""

    path: str
    format: Literal["csv", "parquet"]
    read_options: dict[str, Any] = field(default_factory=dict)
    test_path: str | None = None
    test_read_options: dict[str, Any] = field(default_factory=dict)
    test_size: float = 0.3
    validation_size: float = 0.2
    time_column: str | None = None
    filter: str | None = None
    drop_missing: bool = False
    derive: tuple[DerivedColumn, ...] = ()


@dataclass(frozen=True)
class LabelSpec:
    """The label column and how its raw values map to 0 and 1.

    Exactly one of ``positive`` and ``mapping`` is set. With ``positive``, the
    column must hold two distinct values and the positive one becomes 1.
    """

    column: str
    positive: Any = None
    mapping: dict[Any, int] | None = None
    favorable: int = 1


@dataclass(frozen=True)
class ProtectedAttribute:
    """A protected attribute: its column, privileged groups and optional bins."""

    column: str
    privileged: tuple[Any, ...]
    bins: tuple[float, ...] | None = None
    labels: tuple[str, ...] | None = None


@dataclass(frozen=True)
class FeatureSpec:
    """The feature columns of the model."""

    use: tuple[str, ...] | None = None
    drop: tuple[str, ...] = ()
    legitimate_mediators: tuple[str, ...] = ()


@dataclass(frozen=True)
class FairnessSpec:
    """The fairness metric of record, the utility metric and the loss allowed."""

    metric: str = "demographic_parity_difference"
    utility_metric: str = "balanced_accuracy"
    max_utility_loss: float = 0.05
    accept_small_groups: bool = False
    attribute: str | None = None


@dataclass(frozen=True)
class SystemSpec:
    """A validated system specification.

    Build it with :func:`load_spec`; relative paths are already resolved
    against the specification file's folder.
    """

    name: str
    data: DataSpec
    label: LabelSpec
    protected: tuple[ProtectedAttribute, ...]
    features: FeatureSpec = FeatureSpec()
    model_family: str = "logistic_regression"
    model_params: dict[str, Any] = field(default_factory=dict)
    causal_graph: Path | None = None
    contract_suite: Path | None = None
    fairness: FairnessSpec = FairnessSpec()
    pre_processing: str = "reweighing"
    n_bootstrap: int = 1000
    confidence_level: float = 0.95
    risk_tier: str = "medium"
    on_degradation: str = "alert"
    approval_roles: tuple[str, ...] = ()
    seed: int = 0
    source: Path | None = None

    @property
    def primary_attribute(self) -> ProtectedAttribute:
        """The protected attribute that the metric of record and interventions target."""
        wanted = self.fairness.attribute or self.protected[0].column
        return next(attr for attr in self.protected if attr.column == wanted)

    @property
    def protected_columns(self) -> tuple[str, ...]:
        """The column names of all protected attributes, primary first."""
        primary = self.primary_attribute.column
        others = [attr.column for attr in self.protected if attr.column != primary]
        return (primary, *others)

    def with_data_path(self, path: str | Path) -> SystemSpec:
        """Return a copy that reads its training data from ``path``."""
        return dataclasses.replace(self, data=dataclasses.replace(self.data, path=str(path)))

    def with_seed(self, seed: int) -> SystemSpec:
        """Return a copy with another seed."""
        return dataclasses.replace(self, seed=seed)


def load_spec(path: str | Path) -> SystemSpec:
    """Read and validate a system specification from a YAML file.

    Parameters
    ----------
    path : str or pathlib.Path
        The YAML file. Relative paths inside it are resolved against its
        folder; ``bundled:FILE`` names a data file shipped with fairtrack.

    Returns
    -------
    SystemSpec
        The validated specification.

    Raises
    ------
    SpecError
        If the file is missing or is not valid YAML, or if a key is unknown,
        missing, of the wrong type or out of range. The message names the file
        and the key.
    """
    path = Path(path)
    if path.is_dir():
        raise SpecError(f"System specification {str(path)!r} is a folder; pass a YAML file inside it.")
    if not path.is_file():
        raise SpecError(
            f"System specification {str(path)!r} not found. Pass the path of a YAML file "
            "such as systems/adult.yaml."
        )

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise SpecError(f"System specification {str(path)!r} is not valid YAML: {exc}") from exc

    return parse_spec(raw, source=path.resolve())


def parse_spec(raw: Any, source: Path | None = None) -> SystemSpec:
    """Validate a specification already parsed into Python objects.

    Parameters
    ----------
    raw : dict
        The parsed YAML document.
    source : pathlib.Path or None, default=None
        The file it came from, used to resolve relative paths and in messages.
        Relative paths are resolved against the working directory when None.

    Returns
    -------
    SystemSpec
        The validated specification.

    Raises
    ------
    SpecError
        If a key is unknown, missing, of the wrong type or out of range.
    """
    where = str(source) if source else "<specification>"
    base = source.parent if source else Path.cwd()
    reader = _Reader(where)

    top = reader.mapping(raw, "")
    reader.known_keys(top, "", TOP_LEVEL_KEYS)

    name = reader.string(top, "name")
    data = _parse_data(reader, reader.mapping(top.get("data"), "data"), base)
    label = _parse_label(reader, reader.mapping(top.get("label"), "label"))
    protected = _parse_protected(reader, top.get("protected"))
    features = _parse_features(reader, reader.mapping(top.get("features", {}), "features"))
    fairness = _parse_fairness(reader, reader.mapping(top.get("fairness", {}), "fairness"), protected)

    model = reader.mapping(top.get("model", {}), "model")
    reader.known_keys(model, "model", ("family", "params"))
    model_family = reader.choice(model, "model.family", MODEL_FAMILIES, default="logistic_regression")
    model_params = reader.mapping(model.get("params", {}), "model.params")

    causal = reader.mapping(top.get("causal", {}), "causal")
    reader.known_keys(causal, "causal", ("graph",))
    graph = reader.optional_string(causal, "causal.graph")

    contract = reader.mapping(top.get("contract", {}), "contract")
    reader.known_keys(contract, "contract", ("suite",))
    suite = reader.optional_string(contract, "contract.suite")

    interventions = reader.mapping(top.get("interventions", {}), "interventions")
    reader.known_keys(interventions, "interventions", ("pre_processing",))
    pre_processing = reader.choice(
        interventions, "interventions.pre_processing", PRE_PROCESSING_TECHNIQUES, default="reweighing"
    )

    validation = reader.mapping(top.get("validation", {}), "validation")
    reader.known_keys(validation, "validation", ("n_bootstrap", "confidence_level"))
    n_bootstrap = reader.integer(validation, "validation.n_bootstrap", default=1000, minimum=100)
    confidence_level = reader.number(
        validation, "validation.confidence_level", default=0.95, low=0.5, high=0.999
    )

    monitoring = reader.mapping(top.get("monitoring", {}), "monitoring")
    reader.known_keys(monitoring, "monitoring", ("on_degradation",))
    approval = reader.mapping(top.get("approval", {}), "approval")
    reader.known_keys(approval, "approval", ("roles",))

    return SystemSpec(
        name=name,
        data=data,
        label=label,
        protected=protected,
        features=features,
        model_family=model_family,
        model_params=dict(model_params),
        causal_graph=_resolve_local(graph, base) if graph else None,
        contract_suite=_resolve_local(suite, base) if suite else None,
        fairness=fairness,
        pre_processing=pre_processing,
        n_bootstrap=n_bootstrap,
        confidence_level=confidence_level,
        risk_tier=reader.choice(top, "risk_tier", RISK_TIERS, default="medium"),
        on_degradation=reader.choice(
            monitoring, "monitoring.on_degradation", ON_DEGRADATION, default="alert"
        ),
        approval_roles=tuple(reader.string_list(approval, "approval.roles")),
        seed=reader.integer(top, "seed", default=0, minimum=0),
        source=source,
    )


def resolve_data_path(path: str) -> str:
    """Turn a ``bundled:FILE`` reference into a real path; leave others as they are."""
    if path.startswith(BUNDLED_PREFIX):
        return str(BUNDLED_DIR / path[len(BUNDLED_PREFIX) :])
    return path


def _resolve_local(value: str, base: Path) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else (base / path).resolve()


def _resolve_data(value: str, base: Path) -> str:
    if value.startswith(BUNDLED_PREFIX) or "://" in value:
        return value
    return str(_resolve_local(value, base))


def _parse_data(reader: _Reader, data: dict, base: Path) -> DataSpec:
    reader.known_keys(
        data,
        "data",
        (
            "derive",
            "drop_missing",
            "filter",
            "format",
            "path",
            "read_options",
            "split",
            "test_path",
            "test_read_options",
            "time_column",
        ),
    )
    path = _resolve_data(reader.string(data, "data.path"), base)
    suffix_format = "parquet" if ".parquet" in Path(path).suffixes else "csv"
    data_format = reader.choice(data, "data.format", DATA_FORMATS, default=suffix_format)
    test_path = reader.optional_string(data, "data.test_path")

    split = reader.mapping(data.get("split", {}), "data.split")
    reader.known_keys(split, "data.split", ("test_size", "validation_size"))
    test_size = reader.number(split, "data.split.test_size", default=0.3, low=0.05, high=0.5)
    validation_size = reader.number(
        split, "data.split.validation_size", default=0.2, low=0.0, high=0.5
    )

    derive = []
    for column, rule in reader.mapping(data.get("derive", {}), "data.derive").items():
        key = f"data.derive.{column}"
        rule = reader.mapping(rule, key)
        reader.known_keys(rule, key, ("from", "map"))
        derive.append(
            DerivedColumn(
                name=str(column),
                source=reader.string(rule, f"{key}.from"),
                mapping=dict(reader.mapping(rule.get("map"), f"{key}.map")),
            )
        )

    return DataSpec(
        path=path,
        format=data_format,
        read_options=dict(reader.mapping(data.get("read_options", {}), "data.read_options")),
        test_path=_resolve_data(test_path, base) if test_path else None,
        test_read_options=dict(
            reader.mapping(data.get("test_read_options", {}), "data.test_read_options")
        ),
        test_size=test_size,
        validation_size=validation_size,
        time_column=reader.optional_string(data, "data.time_column"),
        filter=reader.optional_string(data, "data.filter"),
        drop_missing=reader.boolean(data, "data.drop_missing", default=False),
        derive=tuple(derive),
    )


def _parse_label(reader: _Reader, label: dict) -> LabelSpec:
    reader.known_keys(label, "label", ("column", "favorable", "mapping", "positive"))
    column = reader.string(label, "label.column")
    has_positive = "positive" in label
    has_mapping = "mapping" in label
    if has_positive == has_mapping:
        raise SpecError(
            f"{reader.where}: label needs exactly one of 'positive' (the raw value that means 1) "
            "or 'mapping' (raw value to 0 or 1), "
            f"got {'both' if has_positive else 'neither'}."
        )

    mapping = None
    if has_mapping:
        mapping = dict(reader.mapping(label["mapping"], "label.mapping"))
        targets = set(mapping.values())
        if targets != {0, 1}:
            raise SpecError(
                f"{reader.where}: label.mapping must map raw values to both 0 and 1, "
                f"got targets {sorted(targets, key=repr)!r}."
            )

    favorable = label.get("favorable", 1)
    if favorable not in (0, 1) or isinstance(favorable, bool):
        raise SpecError(
            f"{reader.where}: label.favorable must be 0 or 1 (the label value that is the good "
            f"outcome), got {favorable!r}."
        )

    return LabelSpec(column=column, positive=label.get("positive"), mapping=mapping, favorable=favorable)


def _parse_protected(reader: _Reader, raw: Any) -> tuple[ProtectedAttribute, ...]:
    if not isinstance(raw, list) or not raw:
        raise SpecError(
            f"{reader.where}: protected must be a non-empty list of attributes, each with "
            f"'column' and 'privileged', got {raw!r}."
        )

    attributes = []
    for index, item in enumerate(raw):
        key = f"protected[{index}]"
        item = reader.mapping(item, key)
        reader.known_keys(item, key, ("bins", "column", "labels", "privileged"))
        column = reader.string(item, f"{key}.column")
        privileged = item.get("privileged")
        if not isinstance(privileged, list) or not privileged:
            raise SpecError(
                f"{reader.where}: {key}.privileged must be a non-empty list of the privileged "
                f"group values of column {column!r}, got {privileged!r}."
            )

        bins = item.get("bins")
        labels = item.get("labels")
        if bins is not None:
            if not isinstance(bins, list) or len(bins) < 3 or sorted(bins) != bins:
                raise SpecError(
                    f"{reader.where}: {key}.bins must be an increasing list of at least three "
                    f"edges (two groups), got {bins!r}."
                )
            if labels is None or len(labels) != len(bins) - 1:
                raise SpecError(
                    f"{reader.where}: {key}.labels must name each of the {len(bins) - 1} bins "
                    f"of column {column!r}, got {labels!r}."
                )
            missing = [value for value in privileged if value not in labels]
            if missing:
                raise SpecError(
                    f"{reader.where}: {key}.privileged values {missing!r} are not bin labels; "
                    f"expected some of {labels!r}."
                )

        attributes.append(
            ProtectedAttribute(
                column=column,
                privileged=tuple(privileged),
                bins=tuple(float(edge) for edge in bins) if bins is not None else None,
                labels=tuple(str(label) for label in labels) if labels is not None else None,
            )
        )

    columns = [attr.column for attr in attributes]
    duplicates = sorted({column for column in columns if columns.count(column) > 1})
    if duplicates:
        raise SpecError(f"{reader.where}: protected lists column(s) {duplicates!r} more than once.")
    return tuple(attributes)


def _parse_features(reader: _Reader, features: dict) -> FeatureSpec:
    reader.known_keys(features, "features", ("drop", "legitimate_mediators", "use"))
    use = features.get("use")
    return FeatureSpec(
        use=tuple(reader.string_list(features, "features.use")) if use is not None else None,
        drop=tuple(reader.string_list(features, "features.drop")),
        legitimate_mediators=tuple(reader.string_list(features, "features.legitimate_mediators")),
    )


def _parse_fairness(
    reader: _Reader, fairness: dict, protected: tuple[ProtectedAttribute, ...]
) -> FairnessSpec:
    reader.known_keys(
        fairness,
        "fairness",
        ("accept_small_groups", "attribute", "max_utility_loss", "metric", "utility_metric"),
    )
    attribute = reader.optional_string(fairness, "fairness.attribute")
    columns = [attr.column for attr in protected]
    if attribute is not None and attribute not in columns:
        raise SpecError(
            f"{reader.where}: fairness.attribute {attribute!r} is not a protected attribute; "
            f"expected one of {columns!r}."
        )

    return FairnessSpec(
        metric=reader.choice(
            fairness, "fairness.metric", FAIRNESS_METRICS, default="demographic_parity_difference"
        ),
        utility_metric=reader.choice(
            fairness, "fairness.utility_metric", UTILITY_METRICS, default="balanced_accuracy"
        ),
        max_utility_loss=reader.number(
            fairness, "fairness.max_utility_loss", default=0.05, low=0.0, high=1.0
        ),
        accept_small_groups=reader.boolean(fairness, "fairness.accept_small_groups", default=False),
        attribute=attribute,
    )


class _Reader:
    """Typed access to a parsed YAML document with messages that name the key."""

    def __init__(self, where: str) -> None:
        self.where = where

    def fail(self, key: str, expected: str, value: Any) -> SpecError:
        shown = repr(value)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        return SpecError(f"{self.where}: {key} must be {expected}, got {shown}.")

    def known_keys(self, mapping: dict, key: str, allowed: tuple[str, ...]) -> None:
        unknown = sorted(set(mapping) - set(allowed))
        if unknown:
            place = f"under {key!r}" if key else "at the top level"
            raise SpecError(
                f"{self.where}: unknown key(s) {unknown!r} {place}; "
                f"only the following keys are supported: {sorted(allowed)!r}."
            )

    def mapping(self, value: Any, key: str) -> dict:
        if value is None and key:
            raise SpecError(f"{self.where}: missing required key {key!r}.")
        if not isinstance(value, dict):
            raise self.fail(key or "the document", "a mapping", value)
        return value

    def string(self, mapping: dict, key: str) -> str:
        value = mapping.get(key.rsplit(".", 1)[-1])
        if value is None:
            raise SpecError(f"{self.where}: missing required key {key!r}.")
        if not isinstance(value, str) or not value.strip():
            raise self.fail(key, "a non-empty string", value)
        return value

    def optional_string(self, mapping: dict, key: str) -> str | None:
        if mapping.get(key.rsplit(".", 1)[-1]) is None:
            return None
        return self.string(mapping, key)

    def string_list(self, mapping: dict, key: str) -> list[str]:
        value = mapping.get(key.rsplit(".", 1)[-1], [])
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.fail(key, "a list of strings", value)
        return value

    def choice(self, mapping: dict, key: str, allowed: tuple[str, ...], default: str) -> str:
        value = mapping.get(key.rsplit(".", 1)[-1], default)
        if value not in allowed:
            raise SpecError(
                f"{self.where}: {key} {value!r} is not supported; "
                f"only the following values are: {sorted(allowed)!r}."
            )
        return value

    def boolean(self, mapping: dict, key: str, default: bool) -> bool:
        value = mapping.get(key.rsplit(".", 1)[-1], default)
        if not isinstance(value, bool):
            raise self.fail(key, "true or false", value)
        return value

    def integer(self, mapping: dict, key: str, default: int, minimum: int) -> int:
        value = mapping.get(key.rsplit(".", 1)[-1], default)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            raise self.fail(key, f"an integer of at least {minimum}", value)
        return value

    def number(self, mapping: dict, key: str, default: float, low: float, high: float) -> float:
        value = mapping.get(key.rsplit(".", 1)[-1], default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise self.fail(key, f"a number between {low} and {high}", value)
        return float(value)
