"""Tests of data loading, label mapping, protected groups and the split."""

import numpy as np
import pandas as pd
import pytest

from fairtrack.data import load_system_data
from fairtrack.errors import DataError
from fairtrack.spec import load_spec
from fairtrack.split import read_split, split_system_data, store_split
from tests.conftest import SYSTEMS, make_biased_frame, write_system


def test_adult_files_parsed():
    spec = load_spec(SYSTEMS / "adult.yaml")

    train = load_system_data(spec)
    test = load_system_data(spec, test=True)

    assert len(train) + len(test) == 45_222
    assert train.groups["sex"].value_counts().to_dict() == {"Male": 20_380, "Female": 9_782}
    assert set(train.groups["race"]) == {"White", "Black", "Asian-Pac-Islander", "Amer-Indian-Eskimo", "Other"}
    assert "fnlwgt" not in train.features.columns
    assert not train.features["workclass"].str.startswith(" ").any()
    assert 0.2 < test.label.mean() < 0.3


def test_german_sex_derived_from_status():
    spec = load_spec(SYSTEMS / "german.yaml")

    data = load_system_data(spec)

    assert data.groups["sex"].value_counts().to_dict() == {"male": 690, "female": 310}
    assert data.groups["age"].value_counts().to_dict() == {"older": 810, "young": 190}
    assert "personal_status" not in data.features.columns
    assert data.label.sum() == 700


def test_compas_filter_applied(compas_path):
    spec = load_spec(SYSTEMS / "compas.yaml").with_data_path(compas_path)

    data = load_system_data(spec)

    assert len(data) == 6_172
    assert data.label.dtype == np.int8
    assert list(data.features.columns) == list(spec.features.use)


def test_split_stratified_and_seeded(tmp_path):
    spec = load_spec(write_system(tmp_path))

    first = split_system_data(spec)
    second = split_system_data(spec)

    assert len(first.train) + len(first.validation) + len(first.test) == 2000
    assert len(first.test) == 600
    pd.testing.assert_frame_equal(first.test.features, second.test.features)
    share = lambda part: (part.groups["group"] == "b").mean()  # noqa: E731
    assert abs(share(first.train) - share(first.test)) < 0.01


def test_stored_split_round_trip(tmp_path):
    spec = load_spec(write_system(tmp_path))
    split = split_system_data(spec)

    stored = store_split(split, tmp_path / "parts")
    restored = read_split(stored)

    pd.testing.assert_frame_equal(restored.test.features, split.test.features, check_dtype=False)
    np.testing.assert_array_equal(restored.test.label, split.test.label)
    assert list(restored.test.groups["group"]) == list(split.test.groups["group"])
    assert store_split(split, tmp_path / "again").fingerprint == stored.fingerprint


def test_string_label_mapped_to_ones(tmp_path):
    frame = make_biased_frame()
    data = load_system_data(load_spec(write_system(tmp_path, frame)))

    assert data.label.sum() == (frame["approved"] == "yes").sum()


def test_boolean_label_accepted(tmp_path):
    frame = make_biased_frame()
    frame["approved"] = frame["approved"] == "yes"
    spec = load_spec(write_system(tmp_path, frame, label={"column": "approved", "positive": True}))

    assert load_system_data(spec).label.sum() == frame["approved"].sum()


def test_stray_whitespace_normalised(tmp_path):
    frame = make_biased_frame()
    frame.loc[::2, "group"] = " " + frame.loc[::2, "group"]

    data = load_system_data(load_spec(write_system(tmp_path, frame)))

    assert set(data.groups["group"]) == {"a", "b"}
    assert any("stripped surrounding whitespace" in note for note in data.notes)


def test_missing_label_column_rejected(tmp_path):
    spec = load_spec(write_system(tmp_path, label={"column": "outcome", "positive": "yes"}))

    with pytest.raises(DataError, match=r"column\(s\) \['outcome'\] named by label.column not found"):
        load_system_data(spec)


def test_three_label_values_without_mapping_rejected(tmp_path):
    frame = make_biased_frame()
    frame.loc[:9, "approved"] = "maybe"

    with pytest.raises(DataError, match="3 distinct value.*Give label.mapping"):
        load_system_data(load_spec(write_system(tmp_path, frame)))


def test_positive_value_never_occurring_rejected(tmp_path):
    spec = load_spec(write_system(tmp_path, label={"column": "approved", "positive": "Yes"}))

    with pytest.raises(DataError, match="label.positive 'Yes' never occurs.*'no', 'yes'"):
        load_system_data(spec)


def test_single_label_class_rejected(tmp_path):
    frame = make_biased_frame()
    frame["approved"] = "yes"

    with pytest.raises(DataError, match="1 distinct value"):
        load_system_data(load_spec(write_system(tmp_path, frame)))


def test_missing_labels_counted(tmp_path):
    frame = make_biased_frame()
    frame.loc[:4, "approved"] = None

    with pytest.raises(DataError, match="5 missing value"):
        load_system_data(load_spec(write_system(tmp_path, frame)))


def test_protected_not_a_column_rejected(tmp_path):
    spec = load_spec(write_system(tmp_path, protected=[{"column": "gender", "privileged": ["m"]}]))

    with pytest.raises(DataError, match=r"\['gender'\] named by protected not found"):
        load_system_data(spec)


def test_protected_single_group_rejected(tmp_path):
    frame = make_biased_frame()
    frame["group"] = "a"

    with pytest.raises(DataError, match="protected column 'group' has a single group"):
        load_system_data(load_spec(write_system(tmp_path, frame)))


def test_privileged_value_absent_rejected(tmp_path):
    spec = load_spec(write_system(tmp_path, protected=[{"column": "group", "privileged": ["c"]}]))

    with pytest.raises(DataError, match=r"privileged value\(s\) \['c'\].*never occur"):
        load_system_data(spec)


def test_numeric_protected_without_bins_rejected(tmp_path):
    spec = load_spec(write_system(tmp_path, protected=[{"column": "income", "privileged": [50]}]))

    with pytest.raises(DataError, match="numeric with .* distinct values and has no bins"):
        load_system_data(spec)


def test_protected_mostly_missing_rejected(tmp_path):
    frame = make_biased_frame()
    frame.loc[: len(frame) // 10, "group"] = None

    with pytest.raises(DataError, match="miss a protected attribute"):
        load_system_data(load_spec(write_system(tmp_path, frame)))


def test_empty_file_rejected(tmp_path):
    path = write_system(tmp_path)
    (tmp_path / "data.csv").write_text("", encoding="utf-8")

    with pytest.raises(DataError, match="data.csv' is empty"):
        load_system_data(load_spec(path))


def test_header_only_file_rejected(tmp_path):
    path = write_system(tmp_path)
    (tmp_path / "data.csv").write_text("income,tenure,region,group,approved\n", encoding="utf-8")

    with pytest.raises(DataError, match="has no data rows"):
        load_system_data(load_spec(path))


def test_missing_data_file_rejected(tmp_path):
    spec = load_spec(write_system(tmp_path)).with_data_path(tmp_path / "absent.csv")

    with pytest.raises(DataError, match="absent.csv' not found"):
        load_system_data(spec)
