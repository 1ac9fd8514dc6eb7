#!/usr/bin/env bash
# Isolation Forest and ECOD speed against scikit-learn 1.9 and PyOD on the same generated data, in one run:
# in-memory scoring (1 and 2 cores), fit, end-to-end CSV → scores CSV, and peak memory on a 1 GB CSV.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 -c 'import sklearn, pandas, pyod, joblib' 2>/dev/null || pip install -q scikit-learn pandas pyod >&2
swift build -c release --product nomaly-detector-bench >&2
harness="$(swift build -c release --show-bin-path)/nomaly-detector-bench"
work="$BENCH_WORK/detectors"
mkdir -p "$work"

# Standard normal rows with 1% uniform outliers, six decimals: what a feature table exported by a database looks like.
python3 - "$work" <<'PY'
import os, sys
import numpy as np, pandas as pd
work = sys.argv[1]
for rows, name in ((100_000, "100k"), (1_000_000, "1m")):
    path = f"{work}/data-{name}.csv"
    if os.path.exists(path):
        continue
    rng = np.random.default_rng(7)
    x = rng.normal(size=(rows, 10))
    outliers = rng.random(rows) < 0.01
    x[outliers] = rng.uniform(-6, 6, size=(outliers.sum(), 10))
    pd.DataFrame(x, columns=[f"f{i}" for i in range(10)]).to_csv(path + ".tmp", index=False, float_format="%.6f")
    os.rename(path + ".tmp", path)
PY

for threads in 1 2; do
  "$harness" "$work/data-1m.csv" --threads $threads --repeat 3 >"$work/nomaly-if-1m-t$threads.json"
done
"$harness" "$work/data-100k.csv" --threads 1 --repeat 3 >"$work/nomaly-if-100k-t1.json"
"$harness" "$work/data-1m.csv" --detector ecod --threads 2 --repeat 2 >"$work/nomaly-ecod-1m.json"

# End to end: a model fitted once, then CSV in → scores CSV out, single-threaded on both sides.
"$NOMALY_BIN" fit --detector isolation-forest --input "$work/data-1m.csv" --output "$work/model.tar.gz" --seed 1 >/dev/null
cat >"$work/peer_score.py" <<'PY'
import sys
import joblib, pandas as pd
model = joblib.load(sys.argv[1])
frame = pd.read_csv(sys.argv[2])
scores = -model.score_samples(frame.to_numpy())
pd.DataFrame({"score": scores, "is_anomaly": (scores > 0.5).astype(int)}).to_csv(sys.argv[3], index=False)
PY
python3 - "$work" <<'PY'
import sys, joblib, pandas as pd
from sklearn.ensemble import IsolationForest
work = sys.argv[1]
x = pd.read_csv(f"{work}/data-1m.csv").to_numpy()
joblib.dump(IsolationForest(n_estimators=100, max_samples=256, random_state=1).fit(x), f"{work}/peer-model.joblib")
PY
hyperfine --style none --runs 3 --warmup 1 --export-json "$work/e2e.json" \
  -n "nomaly score --threads 1" "$NOMALY_BIN score --threads 1 --model $work/model.tar.gz --input $work/data-1m.csv --output $work/nomaly-scores.csv" \
  -n "nomaly score --threads 2" "$NOMALY_BIN score --threads 2 --model $work/model.tar.gz --input $work/data-1m.csv --output $work/nomaly-scores.csv" \
  -n "pandas + scikit-learn" "python3 $work/peer_score.py $work/peer-model.joblib $work/data-1m.csv $work/peer-scores.csv" >&2

# Peak memory of scoring ~1 GB of CSV: the 1M-row body repeated.
big="$work/data-1gb.csv"
if [ ! -f "$big" ]; then
  head -1 "$work/data-1m.csv" >"$big.tmp"
  for _ in $(seq 11); do tail -n +2 "$work/data-1m.csv" >>"$big.tmp"; done
  mv "$big.tmp" "$big"
fi
/usr/bin/time -f "%M %e" -o "$work/big.time" "$NOMALY_BIN" score --model "$work/model.tar.gz" --input "$big" --output "$work/big-scores.csv" 2>/dev/null
rm -f "$work/big-scores.csv"

python3 - "$work" "$(du -m "$big" | cut -f1)" <<'PY'
import json, sys, time
import numpy as np, pandas as pd
from pyod.models.ecod import ECOD
from joblib import Parallel, delayed
from sklearn.ensemble import IsolationForest
work, big_mb = sys.argv[1], sys.argv[2]
load = lambda name: json.load(open(f"{work}/{name}.json"))

def best(fn, runs=3):
    times = []
    for _ in range(runs):
        start = time.perf_counter(); fn(); times.append(time.perf_counter() - start)
    return min(times)

x1m = pd.read_csv(f"{work}/data-1m.csv").to_numpy()
x100k = pd.read_csv(f"{work}/data-100k.csv").to_numpy()
forest = IsolationForest(n_estimators=100, max_samples=256, random_state=1)
sk_fit_1m = best(lambda: forest.fit(x1m))
sk_fit_100k = best(lambda: IsolationForest(n_estimators=100, max_samples=256, random_state=1).fit(x100k))
sk_score_1 = best(lambda: forest.score_samples(x1m), runs=2)
# score_samples uses one core; two threads over halves of the rows is how its users get both cores.
halves = np.array_split(x1m, 2)
sk_score_2 = best(lambda: Parallel(n_jobs=2, prefer="threads")(delayed(forest.score_samples)(h) for h in halves), runs=2)
ecod = ECOD()
pyod_ecod_fit = best(lambda: ecod.fit(x1m), runs=1)
pyod_ecod_score = best(lambda: ecod.decision_function(x1m), runs=1)

t1, t2, t100k, e = load("nomaly-if-1m-t1"), load("nomaly-if-1m-t2"), load("nomaly-if-100k-t1"), load("nomaly-ecod-1m")
e2e = {r["command"]: r["mean"] for r in json.load(open(f"{work}/e2e.json"))["results"]}
peak_kb, big_seconds = open(f"{work}/big.time").read().split()

print("### detectors\n")
print("Generated data, 10 float columns; Isolation Forest with 100 trees, ψ = 256. In-memory rows are timed after loading "
      "(pandas for the peers), best of 2–3 runs; ratios > 1 mean nomaly is faster.\n")
print("| measurement | nomaly | peer | peer value | ratio |")
print("| --- | ---: | --- | ---: | ---: |")
def row(what, ours, peer, theirs, unit, higher_is_better):
    ratio = ours / theirs if higher_is_better else theirs / ours
    fmt = (lambda v: f"{v / 1e6:.2f} M rows/s") if unit == "rate" else (lambda v: f"{v:.3f} s")
    print(f"| {what} | {fmt(ours)} | {peer} | {fmt(theirs)} | **{ratio:.2f}×** |")
row("IF score 1M × 10 in memory, 1 core", t1["score_rows_per_second"], "scikit-learn, 1 thread", 1e6 / sk_score_1, "rate", True)
row("IF score 1M × 10 in memory, 2 cores", t2["score_rows_per_second"], "scikit-learn, 2 joblib threads", 1e6 / sk_score_2, "rate", True)
row("IF fit 100k × 10, 1 core", t100k["fit_seconds"], "scikit-learn", sk_fit_100k, "s", False)
row("IF fit 1M × 10, 1 core", t1["fit_seconds"], "scikit-learn", sk_fit_1m, "s", False)
row("IF fit 1M × 10, 2 cores", t2["fit_seconds"], "scikit-learn", sk_fit_1m, "s", False)
row("ECOD fit 1M × 10", e["fit_seconds"], "PyOD ECOD", pyod_ecod_fit, "s", False)
row("ECOD score 1M × 10 in memory", e["score_seconds"], "PyOD ECOD decision_function", pyod_ecod_score, "s", False)
peer_e2e = e2e["pandas + scikit-learn"]
row("CSV → scores CSV, 1M × 10, 1 thread", e2e["nomaly score --threads 1"], "pandas + scikit-learn", peer_e2e, "s", False)
row("CSV → scores CSV, 1M × 10, 2 threads", e2e["nomaly score --threads 2"], "pandas + scikit-learn", peer_e2e, "s", False)
print()
print(f"- goals: ≥ 1.0 M rows/s on one core: **{t1['score_rows_per_second'] / 1e6:.2f} M**; ≥ 1.8 M on two: "
      f"**{t2['score_rows_per_second'] / 1e6:.2f} M**; end to end ≥ 4× single-threaded: **{peer_e2e / e2e['nomaly score --threads 1']:.2f}×**")
print(f"- peak memory scoring a {big_mb} MB CSV (12M rows, default threads): **{int(peak_kb) / 1024:.0f} MB** RSS "
      f"in {float(big_seconds):.1f} s (goal < 200 MB)")
PY
