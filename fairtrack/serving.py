"""MLflow pyfunc wrapper for intervened pipelines that need the protected attribute.

Post-processing and some in-processing techniques predict from the features
and each row's group. The wrapper takes one frame with the feature columns
and the protected attribute's column, derives the group (binning a numeric
attribute as the specification does) and calls the pipeline, so that
``mlflow.pyfunc.load_model("models:/NAME@champion").predict(frame)`` works
for every registered model alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from mlflow.pyfunc import PythonModel

from fairtrack.errors import DataError
from fairtrack.model import to_model_frame
from fairtrack.spec import ProtectedAttribute


class FairPipelineModel(PythonModel):
    """A fitted :class:`~fairtrack.interventions.FairPipeline` with the rules to derive groups.

    Parameters
    ----------
    pipeline : FairPipeline
        The fitted pipeline.
    attribute : ProtectedAttribute
        The protected attribute the pipeline targets.
    feature_columns : list of str
        The columns the pipeline was trained on, in order.
    """

    def __init__(self, pipeline: Any, attribute: ProtectedAttribute, feature_columns: list[str]):
        self.pipeline = pipeline
        self.attribute = attribute
        self.feature_columns = list(feature_columns)

    def groups(self, frame: pd.DataFrame) -> np.ndarray:
        """Derive each row's group from the protected attribute's column."""
        column = self.attribute.column
        if column not in frame.columns:
            raise DataError(
                f"Input lacks the protected attribute column {column!r}; this model needs it to predict."
            )
        values = frame[column]
        if self.attribute.bins is not None:
            values = pd.cut(values, bins=list(self.attribute.bins), labels=list(self.attribute.labels), include_lowest=True)
        return values.astype(str).to_numpy()

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> np.ndarray:
        """Predict 0/1 for each row of ``model_input``."""
        features = to_model_frame(model_input[self.feature_columns])
        return np.asarray(self.pipeline.predict(features, self.groups(model_input))).astype(np.int8)
