#!/usr/bin/env bash
# ROC-AUC of nomaly's Isolation Forest and ECOD against scikit-learn and PyOD on the ten ADBench sets, 10 seeds.
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 -c 'import sklearn, pandas, pyod' 2>/dev/null || pip install -q scikit-learn pandas pyod >&2
python3 scripts/lib/adbench_accuracy.py "$NOMALY_BIN" ../shared/data/adbench "$BENCH_WORK/accuracy" 10
