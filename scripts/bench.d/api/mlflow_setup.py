"""Registers the MLflow peer of Nomaly's demo model: version 1 of a registered model named `demo`.

usage: mlflow_setup.py TRACKING_URI TRAIN_CSV VERSION_FILE

The model is what registry/demo.yaml trains, in scikit-learn: an IsolationForest with 100 trees, 256 samples
per tree, seed 7 and contamination 0.03 on the columns amount, hour and velocity of the training CSV. It is
logged as a pyfunc whose predict answers like Nomaly's scoring endpoint, one row per input row with `score`
(higher is more anomalous) and `is_anomaly`, so both servers compute and send the same thing. Writes the
registered version's number to VERSION_FILE (MLflow prints links of its own on stdout).
"""
import sys
import warnings

import mlflow
import pandas as pd
from mlflow.models import infer_signature
from sklearn.ensemble import IsolationForest

FEATURES = ["amount", "hour", "velocity"]


class IsolationForestScorer(mlflow.pyfunc.PythonModel):
    def __init__(self, forest, features):
        self.forest = forest
        self.features = features

    def predict(self, context, model_input, params=None):
        x = model_input[self.features].to_numpy(dtype=float)
        scores = -self.forest.score_samples(x)
        # sklearn's own threshold for contamination 0.03: predict() is -1 exactly where score > -offset_.
        return pd.DataFrame({"score": scores, "is_anomaly": scores > -self.forest.offset_})


def main():
    tracking_uri, train_csv, version_file = sys.argv[1:4]
    warnings.filterwarnings("ignore")
    mlflow.set_tracking_uri(tracking_uri)
    frame = pd.read_csv(train_csv)
    x = frame[FEATURES].astype(float)
    forest = IsolationForest(n_estimators=100, max_samples=256, contamination=0.03, random_state=7).fit(x.to_numpy())
    scorer = IsolationForestScorer(forest, FEATURES)
    signature = infer_signature(x, scorer.predict(None, x))
    mlflow.set_experiment("nomaly-bench")
    with mlflow.start_run(run_name="demo"):
        mlflow.log_params({"n_estimators": 100, "max_samples": 256, "contamination": 0.03, "random_state": 7})
        info = mlflow.pyfunc.log_model(
            name="model", python_model=scorer, signature=signature, registered_model_name="demo", pip_requirements=[]
        )
    with open(version_file, "w") as out:
        out.write(f"{info.registered_model_version}\n")


if __name__ == "__main__":
    main()
