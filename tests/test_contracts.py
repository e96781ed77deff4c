"""Tests of the data contract: every bad input rejected, every odd but valid input accepted."""

import json

import numpy as np
import pandas as pd
import pytest

from fairtrack.cli import main
from fairtrack.contracts.check import run_contract
from fairtrack.contracts.suites import load_system_suite
from fairtrack.errors import ContractError, DataError, SpecError
from fairtrack.spec import load_spec
from tests.conftest import SYSTEMS, make_biased_frame, write_system


def contract_of(tmp_path, frame=None, track="quick", **overrides):
    return run_contract(load_spec(write_system(tmp_path, frame, **overrides)), track=track)


def error_checks(report):
    return {(finding.check, finding.column) for finding in report.errors}


@pytest.mark.parametrize("name", ["adult", "german"])
def test_bundled_system_passes_contract(name):
    report = run_contract(load_spec(SYSTEMS / f"{name}.yaml"))

    assert report.passed
    assert report.expectations_checked > 50
    assert sum(report.rows.values()) > 0


def test_compas_small_groups_stop_comprehensive_only(compas_path):
    spec = load_spec(SYSTEMS / "compas.yaml").with_data_path(compas_path)

    quick = run_contract(spec, track="quick")
    comprehensive = run_contract(spec, track="comprehensive")

    assert quick.passed
    assert {"group 'Asian' has 31 row(s)", "group 'Native American' has 11 row(s)"} <= {
        finding.observed for finding in quick.warnings
    }
    assert not comprehensive.passed
    assert ("group_size", "race") in error_checks(comprehensive)


def test_accept_small_groups_keeps_comprehensive_going(tmp_path):
    frame = make_biased_frame()
    frame.loc[:39, "group"] = "c"

    report = contract_of(tmp_path, frame, track="comprehensive", fairness={"accept_small_groups": True})

    assert report.passed
    assert any(finding.observed == "group 'c' has 40 row(s)" for finding in report.warnings)


def test_five_row_group_warned_and_kept(tmp_path):
    frame = make_biased_frame()
    frame.loc[:4, "group"] = "c"

    report = contract_of(tmp_path, frame)

    assert report.passed
    assert any(finding.observed == "group 'c' has 5 row(s)" for finding in report.warnings)
    assert sum(report.group_counts["group"][part].get("c", 0) for part in report.rows) == 5


@pytest.mark.parametrize(
    ("change", "check", "column"),
    [
        (lambda f: f.assign(approved="yes"), "expect_column_unique_value_count_to_be_between", "approved"),
        (lambda f: f.assign(approved=np.where(np.arange(len(f)) < 10, "maybe", f["approved"])), "expect_column_unique_value_count_to_be_between", "approved"),
        (lambda f: f.assign(approved=np.where(f["approved"] == "yes", "accepted", "no")), "expect_column_distinct_values_to_contain_set", "approved"),
        (lambda f: f.drop(columns="group"), "expect_column_to_exist", "group"),
        (lambda f: f.assign(group="a"), "expect_column_unique_value_count_to_be_between", "group"),
        (lambda f: f.assign(group=f["group"].where(np.arange(len(f)) % 10 != 0)), "expect_column_values_to_not_be_null", "group"),
        (lambda f: f.assign(approved=f["approved"].where(np.arange(len(f)) >= 7)), "expect_column_values_to_not_be_null", "approved"),
        (lambda f: f.assign(income=f["income"].where(np.arange(len(f)) != 3, np.inf)), "feature_finite", "income"),
        (lambda f: f.assign(region=np.nan), "feature_not_all_missing", "region"),
    ],
    ids=[
        "single-class-label",
        "three-label-values",
        "positive-never-occurs",
        "missing-protected-column",
        "protected-one-group",
        "protected-ten-percent-missing",
        "missing-labels",
        "infinite-feature",
        "all-missing-feature",
    ],
)
def test_bad_frame_fails_contract(tmp_path, change, check, column):
    report = contract_of(tmp_path, change(make_biased_frame()))

    assert not report.passed
    assert (check, column) in error_checks(report)
    with pytest.raises(ContractError, match=f"column '{column}'"):
        report.raise_for_errors()


def test_missing_labels_counted(tmp_path):
    frame = make_biased_frame()
    frame.loc[:6, "approved"] = None

    report = contract_of(tmp_path, frame)

    finding = next(f for f in report.errors if f.column == "approved")
    assert finding.observed.startswith("7 row(s)")


def test_missing_labels_dropped_when_allowed(tmp_path):
    frame = make_biased_frame()
    frame.loc[:6, "approved"] = None

    report = contract_of(tmp_path, frame, data={"path": "data.csv", "drop_missing": True})

    assert report.passed
    assert any("dropped 7 row(s)" in note for note in report.notes) or report.warnings


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"income,tenure,region,group,approved\n", "has no data rows"),
        (b"income;tenure;region;group;approved\n1;2;n;a;yes\n3;4;s;b;no\n", "probably semicolon-separated"),
        (b"income,tenure,region,group,approved\n1,2,n\xe9,a,yes\n", "not valid UTF-8"),
        (b"income,income,region,group,approved\n1,2,n,a,yes\n3,4,s,b,no\n", r"duplicate column name\(s\) \['income'\]"),
    ],
    ids=["empty", "header-only", "wrong-delimiter", "non-utf8", "duplicate-columns"],
)
def test_unreadable_file_rejected(tmp_path, content, message):
    path = write_system(tmp_path)
    (tmp_path / "data.csv").write_bytes(content)

    with pytest.raises(DataError, match=message):
        run_contract(load_spec(path))


def test_numeric_protected_without_bins_rejected(tmp_path):
    with pytest.raises(DataError, match="add bins and labels"):
        contract_of(tmp_path, protected=[{"column": "income", "privileged": [50]}])


def test_group_only_in_test_file_rejected(tmp_path):
    frame = make_biased_frame()
    test_frame = frame.iloc[:300].copy()
    test_frame.loc[:49, "group"] = "c"
    test_frame.to_csv(tmp_path / "test.csv", index=False)

    report = contract_of(tmp_path, frame, data={"path": "data.csv", "test_path": "test.csv"})

    assert ("group_present_in_training", "group") in error_checks(report)


def test_string_label_with_mapping_accepted(tmp_path):
    report = contract_of(tmp_path, label={"column": "approved", "mapping": {"yes": 1, "no": 0}})

    assert report.passed


def test_boolean_label_accepted(tmp_path):
    frame = make_biased_frame()
    frame["approved"] = frame["approved"] == "yes"

    report = contract_of(tmp_path, frame, label={"column": "approved", "positive": True})

    assert report.passed


def test_stray_whitespace_normalised_and_noted(tmp_path):
    frame = make_biased_frame()
    frame.loc[::2, "group"] = " " + frame.loc[::2, "group"]

    report = contract_of(tmp_path, frame)

    assert report.passed
    assert set(report.group_counts["group"]["train"]) == {"a", "b"}
    assert any("stripped surrounding whitespace in column(s) ['group']" in note for note in report.notes)


@pytest.mark.parametrize("dtype", ["category", "string[pyarrow]", "string[python]"])
def test_parquet_text_dtypes_accepted(tmp_path, dtype):
    frame = make_biased_frame()
    for column in ("region", "group", "approved"):
        frame[column] = frame[column].astype(dtype)
    tmp_path.mkdir(exist_ok=True)
    frame.to_parquet(tmp_path / "data.parquet")
    path = write_system(tmp_path, data={"path": "data.parquet"})

    report = run_contract(load_spec(path))

    assert report.passed
    assert any("converted column(s)" in note for note in report.notes)


def test_wide_frame_validated(tmp_path):
    frame = make_biased_frame(1500)
    wide = pd.DataFrame(np.random.default_rng(0).normal(size=(1500, 995)), columns=[f"x{i}" for i in range(995)])

    report = contract_of(tmp_path, pd.concat([frame, wide], axis=1))

    assert report.passed
    assert report.expectations_checked > 3000


def test_system_suite_flags_new_category(tmp_path):
    frame = make_biased_frame()
    suite = {
        "name": "synthetic",
        "expectations": [
            {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "region", "value_set": ["north", "south"]}, "severity": "warning"},
            {"type": "expect_column_values_to_be_of_type", "kwargs": {"column": "group", "type_": "str"}},
        ],
    }
    (tmp_path / "suite.json").write_text(json.dumps(suite))

    report = contract_of(tmp_path, frame, contract={"suite": "suite.json"})

    assert report.passed
    warning = next(f for f in report.warnings if f.column == "region")
    assert "'east'" in warning.observed


def test_missing_suite_file_rejected(tmp_path):
    with pytest.raises(SpecError, match="Contract suite .*absent.json' not found"):
        load_system_suite(tmp_path / "absent.json")


def test_bundled_suites_load():
    for name in ("adult", "german", "compas"):
        suite = load_system_suite(load_spec(SYSTEMS / f"{name}.yaml").contract_suite)
        assert len(suite.expectations) > 10


def test_validate_command_exit_codes(tmp_path, capsys):
    frame = make_biased_frame()
    frame["group"] = "a"
    bad = write_system(tmp_path / "bad", frame)

    assert main(["validate", "--system", str(SYSTEMS / "german.yaml")]) == 0
    assert "passed" in capsys.readouterr().out
    assert main(["validate", "--system", str(bad), "--json"]) == 2
    document = json.loads(capsys.readouterr().out)
    assert document["passed"] is False
    assert document["findings"][0]["column"] == "group"


def test_validate_command_drafts_suite(tmp_path, capsys):
    target = tmp_path / "suite.json"

    assert main(["validate", "--system", str(SYSTEMS / "german.yaml"), "--draft-suite", str(target)]) == 0
    assert len(json.loads(target.read_text())["expectations"]) > 20
