"""Accuracy of nomaly's detectors against scikit-learn's IsolationForest and PyOD's ECOD on ADBench.

usage: adbench_accuracy.py NOMALY_BIN DATA_DIR WORK_DIR [SEEDS]

Protocol (../shared/data/adbench/README.md): sets under 1,000 rows resampled with replacement to 1,000,
over 10,000 subsampled to 10,000; stratified 70/30 split; min-max scaling fitted on the training part;
fit on the training part without labels; ROC-AUC on the test part. Every seed gives every tool the same
split, written to CSV for nomaly and kept in memory for the Python peers.
"""
import os
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
from pyod.models.ecod import ECOD
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import MinMaxScaler

warnings.filterwarnings("ignore")
nomaly, data_dir, work = sys.argv[1], sys.argv[2], sys.argv[3]
seeds = range(int(sys.argv[4]) if len(sys.argv) > 4 else 10)
os.makedirs(work, exist_ok=True)

PUBLISHED = {  # ADBench Table D4, ROC-AUC x100: (IForest, ECOD)
    "annthyroid": (82.01, 78.03), "cardio": (93.19, 94.44), "mammography": (86.39, 90.75),
    "pendigits": (94.76, 91.22), "Pima": (72.87, 51.54), "satimage-2": (99.16, 97.11),
    "shuttle": (99.56, 99.40), "thyroid": (98.30, 97.78), "WDBC": (98.95, 97.20), "wine": (80.37, 71.34),
}


def split(frame, seed):
    rng = np.random.RandomState(seed)
    if len(frame) < 1000:
        frame = frame.iloc[rng.choice(len(frame), 1000, replace=True)]
    elif len(frame) > 10000:
        frame = frame.iloc[rng.choice(len(frame), 10000, replace=False)]
    x = frame.drop(columns="label").to_numpy(dtype=float)
    y = frame["label"].to_numpy(dtype=int)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.3, stratify=y, random_state=seed)
    scaler = MinMaxScaler().fit(x_train)
    return scaler.transform(x_train), scaler.transform(x_test), y_train, y_test


def write_csv(path, x, y=None):
    frame = pd.DataFrame(x, columns=[f"f{i}" for i in range(x.shape[1])])
    if y is not None:
        frame["label"] = y
    frame.to_csv(path, index=False, float_format="%.17g")


def nomaly_auc(detector, seed, train, test, y_test):
    model, scores = f"{work}/model.tar.gz", f"{work}/scores.csv"
    fit = [nomaly, "fit", "--detector", detector, "--input", train, "--output", model]
    if detector == "isolation-forest":
        fit += ["--seed", str(seed)]
    subprocess.run(fit, check=True, capture_output=True)
    subprocess.run([nomaly, "score", "--model", model, "--input", test, "--output", scores], check=True, capture_output=True)
    return roc_auc_score(y_test, pd.read_csv(scores)["score"].to_numpy())


rows = []
for name in PUBLISHED:
    frame = pd.read_csv(f"{data_dir}/{name}.csv.gz")
    results = {key: [] for key in ("sk_if", "no_if", "py_ecod", "no_ecod")}
    for seed in seeds:
        x_train, x_test, _, y_test = split(frame, seed)
        train, test = f"{work}/train.csv", f"{work}/test.csv"
        write_csv(train, x_train)
        write_csv(test, x_test)
        forest = IsolationForest(n_estimators=100, max_samples=256, random_state=seed).fit(x_train)
        results["sk_if"].append(roc_auc_score(y_test, -forest.score_samples(x_test)))
        results["no_if"].append(nomaly_auc("isolation-forest", seed, train, test, y_test))
        ecod = ECOD().fit(x_train)
        results["py_ecod"].append(roc_auc_score(y_test, ecod.decision_function(x_test)))
        results["no_ecod"].append(nomaly_auc("ecod", seed, train, test, y_test))
    rows.append((name, {key: float(np.mean(values)) for key, values in results.items()}))

n = len(list(seeds))
print("### accuracy\n")
print(f"ROC-AUC on the ten ADBench sets (README protocol), mean over {n} seeds; published = ADBench Table D4.\n")
print("| dataset | IForest published | scikit-learn | nomaly | Δ | ECOD published | PyOD | nomaly | Δ |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for name, r in rows:
    pub_if, pub_ecod = PUBLISHED[name]
    print(
        f"| {name} | {pub_if / 100:.4f} | {r['sk_if']:.4f} | {r['no_if']:.4f} | {r['no_if'] - r['sk_if']:+.4f} "
        f"| {pub_ecod / 100:.4f} | {r['py_ecod']:.4f} | {r['no_ecod']:.4f} | {r['no_ecod'] - r['py_ecod']:+.4f} |"
    )
mean_abs_if = np.mean([abs(r["no_if"] - r["sk_if"]) for _, r in rows])
worst_if = min(r["no_if"] - r["sk_if"] for _, r in rows)
ecod_gap = np.mean([r["no_ecod"] for _, r in rows]) - np.mean([r["py_ecod"] for _, r in rows])
mean_sk = np.mean([r["sk_if"] for _, r in rows])
mean_no = np.mean([r["no_if"] for _, r in rows])
print()
print(f"- Isolation Forest: mean |nomaly − scikit-learn| = **{mean_abs_if:.4f}** (goal ≤ 0.015); "
      f"worst set {worst_if:+.4f} (goal ≥ −0.05); means {mean_no:.4f} vs {mean_sk:.4f}")
print(f"- ECOD: mean ROC-AUC nomaly − PyOD = **{ecod_gap:+.4f}** (goal within ±0.02)")
