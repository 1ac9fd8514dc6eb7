#!/usr/bin/env bash
# The admin API under wrk, side by side with MLflow on one PostgreSQL server:
#
#   registry read   nomaly  GET /api/v1/models/demo/versions/N
#                   MLflow  GET /api/2.0/mlflow/model-versions/get?name=demo&version=N   (mlflow server)
#   scoring         nomaly  POST /api/v1/models/demo/score?alias=production, 1,000 CSV rows (text/csv)
#                   MLflow  POST /invocations, the same body                             (mlflow models serve)
#
# prints requests/s, p50 and p99 with ratios as a markdown table on stdout. Goal from the issue: at least
# 20× MLflow's requests/s on the registry read, with p99 under 10 ms.
#
# Then the memory of synchronous scoring (api/scoring_memory.py): how much each server's peak resident memory grows
# while it answers 50 MiB bodies (JSON `dataframe_split`, JSON `inputs` as columns, CSV, and two JSON bodies at
# once), on fresh servers for every case (`nomaly serve` with NOMALY_SCORING_MAX_ROWS raised so the bodies are
# scored; `mlflow models serve --workers 1`), and that the default row limit refuses the issue's 50 MiB of
# `{"inputs": {"amount": [0, 0, …]}}`. Goal from issue 16: Nomaly's growth under 3× the body.
#
#   scripts/bench api
#   API_BENCH_ONLY=memory NOMALY_BIN=… bash scripts/bench.d/api.sh    the memory part alone, printed, not recorded
#
# Starts everything itself in a scratch folder and removes it on exit: a throwaway PostgreSQL cluster
# (default settings, durable) with one database for each, `nomaly serve --no-scheduler` (rate limits off,
# the demo model trained from registry/demo.yaml and promoted to production, an admin token), MLflow's
# tracking server on the other database with version 1 of a model `demo` (the same IsolationForest in
# scikit-learn, registered through the server by api/mlflow_setup.py), and MLflow's model server for it
# (`--env-manager local`: nothing is fetched). Every response under load must be 2xx, else it fails.
#
# Expects the release build (NOMALY_BIN overrides its path, BENCH_WORK the scratch folder). API_BENCH_DURATION
# (s, default 15), API_BENCH_CONNECTIONS (32), API_BENCH_LIGHT_CONNECTIONS (4: the latency run),
# API_BENCH_THREADS (2) and API_BENCH_WORKERS (MLflow's worker processes, default one per core) change the load.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/../.."
source scripts/lib/packages.sh
source scripts/lib/postgres.sh

ensure_debian_packages wrk curl
if ! python3 -c 'import mlflow, psycopg2, sklearn, pandas' 2>/dev/null; then
  echo "installing mlflow, psycopg2-binary, scikit-learn and pandas from PyPI" >&2
  python3 -m pip install --quiet mlflow psycopg2-binary scikit-learn pandas >&2
fi
command -v mlflow >/dev/null || { echo "the mlflow command is missing from PATH after pip install mlflow" >&2; exit 1; }

nomaly="${NOMALY_BIN:-$(swift build -c release --show-bin-path)/nomaly}"
[ -x "$nomaly" ] || { echo "no release build at $nomaly: run swift build -c release --product nomaly" >&2; exit 1; }

duration=${API_BENCH_DURATION:-15}
connections=${API_BENCH_CONNECTIONS:-32}
light_connections=${API_BENCH_LIGHT_CONNECTIONS:-4}
threads=${API_BENCH_THREADS:-2}
workers=${API_BENCH_WORKERS:-$(nproc)}
warmup=3
here="$PWD/scripts/bench.d/api"

mkdir -p "${BENCH_WORK:-/tmp}"
work=$(mktemp -d "${BENCH_WORK:-/tmp}/nomaly-bench-api.XXXXXX")
chmod 755 "$work"

nomaly_pid=""
process_groups=() # process groups (setsid) of the MLflow servers, which fork workers of their own
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [ -n "$nomaly_pid" ] && kill -TERM "$nomaly_pid" 2>/dev/null || true
  for group in "${process_groups[@]}"; do kill -TERM -- "-$group" 2>/dev/null || true; done
  for _ in $(seq 50); do
    alive=""
    [ -n "$nomaly_pid" ] && kill -0 "$nomaly_pid" 2>/dev/null && alive=1
    for group in "${process_groups[@]}"; do kill -0 -- "-$group" 2>/dev/null && alive=1; done
    [ -z "$alive" ] && break
    sleep 0.2
  done
  [ -n "$nomaly_pid" ] && kill -KILL "$nomaly_pid" 2>/dev/null || true
  for group in "${process_groups[@]}"; do kill -KILL -- "-$group" 2>/dev/null || true; done
  wait 2>/dev/null || true
  stop_scratch_postgres "$work/pg"
  rm -rf "$work"
  exit $status
}
trap cleanup EXIT INT TERM

# Stops the benchmark, showing the end of the logs that may say why.
fail() {
  echo "api benchmark: $*" >&2
  for log in "$work"/*.log "$work/pg/server.log"; do
    [ -s "$log" ] && { echo "--- ${log#"$work"/} (last lines)" >&2; tail -n 25 "$log" >&2; }
  done
  exit 1
}

# Waits until URL answers 2xx, or fails naming WHAT; PID is checked to be alive meanwhile.
wait_for() {
  local what=$1 url=$2 pid=$3
  for _ in $(seq 240); do
    curl -fs -o /dev/null "$url" && return 0
    kill -0 "$pid" 2>/dev/null || fail "$what exited before answering on $url"
    sleep 0.5
  done
  fail "$what did not answer on $url within 2 minutes"
}

# --- PostgreSQL: one server, a database for each side ------------------------------------------------
start_scratch_postgres "$work/pg" max_connections=200 || fail "PostgreSQL did not start"
psql -qX -h 127.0.0.1 -p "$pg_port" -U nomaly -d postgres -v ON_ERROR_STOP=1 \
  -c "CREATE ROLE mlflow LOGIN" -c "CREATE DATABASE nomaly" -c "CREATE DATABASE mlflow OWNER mlflow" >/dev/null
pg_version=$(psql -qAtX -h 127.0.0.1 -p "$pg_port" -U nomaly -d postgres -c "SHOW server_version" | cut -d' ' -f1)

# --- Nomaly -----------------------------------------------------------------------------------------
# Nothing of the caller's configuration may reach nomaly: only what is set here.
unset DATABASE_URL_FILE POSTGRES_HOST POSTGRES_PORT POSTGRES_DB POSTGRES_USER POSTGRES_PASSWORD POSTGRES_PASSWORD_FILE \
  PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGSERVICE NOMALY_ARTIFACTS NOMALY_INVOCATIONS_MODEL NOMALY_DB_POOL_SIZE \
  RATE_LIMIT_PER_MINUTE RATE_LIMIT_BURST S3_ENDPOINT S3_BUCKET S3_PREFIX LOG_LEVEL LOG_FORMAT
nomaly_port=$(free_port)
export DATABASE_URL="postgresql://nomaly@127.0.0.1:$pg_port/nomaly" NOMALY_HOME="$work/home" \
  NOMALY_HTTP_HOST=127.0.0.1 NOMALY_HTTP_PORT=$nomaly_port RATE_LIMIT_ENABLED=false \
  NOMALY_JOBS_DIR="$PWD/jobs" NOMALY_REGISTRY_DIR="$PWD/registry" NOMALY_MIGRATIONS_DIR="$PWD/migrations"
"$nomaly" migrate >/dev/null 2>"$work/nomaly-setup.log" || fail "nomaly migrate failed"
# registry/demo.yaml has promotion policy auto: the first version takes the empty production alias.
"$nomaly" models train demo --json >"$work/train.json" 2>>"$work/nomaly-setup.log" || fail "nomaly models train demo failed"
token=$("$nomaly" tokens create --name bench --role admin --json 2>>"$work/nomaly-setup.log" \
  | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])') || fail "nomaly tokens create failed"
"$nomaly" serve --no-scheduler >"$work/nomaly.log" 2>&1 &
nomaly_pid=$!
nomaly_url="http://127.0.0.1:$nomaly_port"
wait_for "nomaly serve" "$nomaly_url/ready" "$nomaly_pid"
curl -fsS -H "Authorization: Bearer $token" "$nomaly_url/api/v1/models/demo" >"$work/nomaly-model.json" \
  || fail "GET /api/v1/models/demo failed"
nomaly_version=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["aliases"]["production"])' "$work/nomaly-model.json") \
  || fail "the demo model has no production alias: $(cat "$work/nomaly-model.json")"

# --- MLflow: tracking server on the same PostgreSQL, the model registered, its model server ------------
mlflow_version_string=$(python3 -c 'import mlflow; print(mlflow.__version__)')
sklearn_version=$(python3 -c 'import sklearn; print(sklearn.__version__)')
mlflow_port=$(free_port)
mlflow_url="http://127.0.0.1:$mlflow_port"
# setsid: the server forks uvicorn workers; the whole group is stopped on exit. The URI names psycopg2
# (psycopg2-binary, installed above): SQLAlchemy 2.1 takes a bare postgresql:// to mean psycopg 3.
setsid mlflow server --backend-store-uri "postgresql+psycopg2://mlflow@127.0.0.1:$pg_port/mlflow" \
  --artifacts-destination "$work/mlartifacts" --host 127.0.0.1 --port "$mlflow_port" --workers "$workers" \
  >"$work/mlflow-server.log" 2>&1 &
process_groups+=($!)
wait_for "mlflow server" "$mlflow_url/health" "${process_groups[-1]}"
export MLFLOW_TRACKING_URI="$mlflow_url"
python3 "$here/mlflow_setup.py" "$mlflow_url" registry/data/payments-train.csv "$work/mlflow-version" >"$work/mlflow-setup.log" 2>&1 \
  || fail "registering the MLflow model failed"
mlflow_version=$(cat "$work/mlflow-version")
serve_port=$(free_port)
serve_url="http://127.0.0.1:$serve_port"
setsid mlflow models serve -m "models:/demo/$mlflow_version" --env-manager local --host 127.0.0.1 --port "$serve_port" \
  --workers "$workers" >"$work/mlflow-models-serve.log" 2>&1 &
process_groups+=($!)
wait_for "mlflow models serve" "$serve_url/ping" "${process_groups[-1]}"

# --- The scoring body: 1,000 rows of the demo model's features, today's payments repeated --------------
body="$work/score-1000.csv"
python3 - registry/data/payments-today.csv "$body" <<'PY'
import csv, itertools, sys
rows = list(csv.DictReader(open(sys.argv[1])))
with open(sys.argv[2], "w", newline="") as out:
    out.write("amount,hour,velocity\n")
    for row in itertools.islice(itertools.cycle(rows), 1000):
        out.write(f"{row['amount']},{row['hour']},{row['velocity']}\n")
PY

# --- Each request once, checked: the right status and a meaningful answer ------------------------------
read_nomaly="$nomaly_url/api/v1/models/demo/versions/$nomaly_version"
read_mlflow="$mlflow_url/api/2.0/mlflow/model-versions/get?name=demo&version=$mlflow_version"
score_nomaly="$nomaly_url/api/v1/models/demo/score?alias=production"
score_mlflow="$serve_url/invocations"
check() {
  local name=$1 url=$2 auth=$3 status headers=()
  shift 3
  [ -n "$auth" ] && headers=(-H "Authorization: Bearer $auth")
  status=$(curl -sS -o "$work/check-$name.json" -w '%{http_code}' "${headers[@]}" "$@" "$url") \
    || fail "$name: $url did not answer"
  [ "$status" = 200 ] || fail "$name: $url answered $status: $(head -c 500 "$work/check-$name.json")"
}
check read-nomaly "$read_nomaly" "$token"
check read-mlflow "$read_mlflow" ""
check score-nomaly "$score_nomaly" "$token" -H 'Content-Type: text/csv' --data-binary "@$body"
check score-mlflow "$score_mlflow" "" -H 'Content-Type: text/csv' --data-binary "@$body"
python3 - "$work" "$nomaly_version" "$mlflow_version" <<'PY' || fail "a checked response is not what the benchmark expects"
import json, sys
work, nomaly_version, mlflow_version = sys.argv[1], int(sys.argv[2]), sys.argv[3]
load = lambda name: json.load(open(f"{work}/check-{name}.json"))
assert load("read-nomaly")["version"] == nomaly_version, load("read-nomaly")
assert load("read-mlflow")["model_version"]["version"] == mlflow_version, load("read-mlflow")
ours, theirs = load("score-nomaly")["predictions"], load("score-mlflow")["predictions"]
assert len(ours) == 1000 and len(theirs) == 1000, (len(ours), len(theirs))
assert {"score", "is_anomaly"} <= set(ours[0]) and {"score", "is_anomaly"} <= set(theirs[0]), (ours[0], theirs[0])
PY

if [ "${API_BENCH_ONLY:-}" != memory ]; then
# --- Load: a warm-up, then the measured run; any non-2xx answer or socket error fails the benchmark -----
load() {
  local name=$1 url=$2 method=$3 auth=$4 payload=$5 clients=${6:-$connections} out="$work/wrk-$1.txt"
  export BENCH_METHOD=$method BENCH_TOKEN=$auth BENCH_BODY=$payload BENCH_CONTENT_TYPE=text/csv
  wrk -t"$threads" -c"$clients" -d"${warmup}s" --timeout 10s -s "$here/request.lua" "$url" >"$work/wrk-$name-warmup.txt" \
    || fail "wrk failed on $url"
  wrk -t"$threads" -c"$clients" -d"${duration}s" --timeout 10s --latency -s "$here/request.lua" "$url" >"$out" \
    || fail "wrk failed on $url"
  echo "== $name: $url" >&2
  cat "$out" >&2
  ! grep -q 'Non-2xx or 3xx responses' "$work/wrk-$name-warmup.txt" "$out" \
    || fail "$name: wrk got error statuses from $url: $(grep -h 'Non-2xx' "$work/wrk-$name-warmup.txt" "$out" | tr '\n' ' ')"
  ! grep -q 'Socket errors' "$out" || fail "$name: $(grep 'Socket errors' "$out")"
}
load read-nomaly "$read_nomaly" GET "$token" ""
load read-mlflow "$read_mlflow" GET "" ""
# Latency where the servers are not saturated: with 32 connections on 2 shared cores, queueing alone sets the
# p99 (Little's law: 32 in flight at 1,400 req/s is 23 ms each on average).
load read-nomaly-light "$read_nomaly" GET "$token" "" "$light_connections"
load read-mlflow-light "$read_mlflow" GET "" "" "$light_connections"
load score-nomaly "$score_nomaly" POST "$token" "$body"
load score-mlflow "$score_mlflow" POST "" "$body"

python3 - "$work" "$duration" "$connections" "$threads" "$warmup" "$workers" "$pg_version" "$mlflow_version_string" "$sklearn_version" \
  "$(nproc)" "$("$nomaly" --version 2>/dev/null | awk '{print $NF}')" "$light_connections" <<'PY'
import json, re, sys
work, duration, connections, threads, warmup, workers, pg, mlflow_v, sklearn_v, cores, nomaly_v, light = sys.argv[1:]
UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}

def parse(name):
    text = open(f"{work}/wrk-{name}.txt").read()
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    latency = {}
    for pct, value, unit in re.findall(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M):
        latency[pct] = float(value) * UNITS[unit]
    total = int(re.search(r"(\d+) requests in", text).group(1))
    return {"rate": rate, "p50": latency["50"], "p99": latency["99"], "requests": total}

r = {name: parse(name) for name in ["read-nomaly", "read-mlflow", "read-nomaly-light", "read-mlflow-light", "score-nomaly", "score-mlflow"]}
ours, theirs = json.load(open(f"{work}/check-score-nomaly.json"))["predictions"], json.load(open(f"{work}/check-score-mlflow.json"))["predictions"]
flagged = lambda predictions: sum(1 for p in predictions if p["is_anomaly"])
ms = lambda v: f"{v:.2f}" if v < 10 else f"{v:.1f}" if v < 100 else f"{v:.0f}"

print("### api")
print()
print(f"wrk `-t{threads} -c{connections} -d{duration}s --latency` after a {warmup} s warm-up, on the same {cores} cores as the "
      f"servers; one PostgreSQL {pg} server with default settings (durable commits) holds both databases. "
      f"Nomaly {nomaly_v} (release build): `nomaly serve --no-scheduler`, rate limits off, an admin token on every request. "
      f"MLflow {mlflow_v}: `mlflow server --workers {workers}` (uvicorn) on PostgreSQL for the registry read; "
      f"`mlflow models serve --workers {workers} --env-manager local` for scoring, serving the demo's IsolationForest "
      f"(scikit-learn {sklearn_v}, same parameters) as a pyfunc that answers `score` and `is_anomaly` per row like Nomaly. "
      "The scoring body is the same 1,000 rows of `amount,hour,velocity` as `text/csv` for both; every response was 2xx. "
      "Ratios > 1 mean Nomaly is faster.")
print()
print("| endpoint | server | requests/s | p50 ms | p99 ms | req/s vs MLflow |")
print("| --- | --- | ---: | ---: | ---: | ---: |")
rows = [
    ("registry read, one version", "Nomaly `GET /api/v1/models/demo/versions/N`", "read-nomaly", "read-mlflow"),
    ("", "MLflow `GET /api/2.0/mlflow/model-versions/get`", "read-mlflow", "read-mlflow"),
    (f"registry read, {light} connections", "Nomaly", "read-nomaly-light", "read-mlflow-light"),
    ("", "MLflow", "read-mlflow-light", "read-mlflow-light"),
    ("score 1,000 CSV rows", "Nomaly `POST /api/v1/models/demo/score?alias=production`", "score-nomaly", "score-mlflow"),
    ("", "MLflow `POST /invocations` (`mlflow models serve`)", "score-mlflow", "score-mlflow"),
]
for endpoint, server, name, peer in rows:
    x = r[name]
    print(f"| {endpoint} | {server} | {x['rate']:,.0f} | {ms(x['p50'])} | {ms(x['p99'])} | **{x['rate'] / r[peer]['rate']:.2f}×** |")
print()
print(f"- goal: registry read at least 20× MLflow's requests/s: **{r['read-nomaly']['rate'] / r['read-mlflow']['rate']:.1f}×**")
print(f"- goal: registry read p99 under 10 ms: **{ms(r['read-nomaly-light']['p99'])} ms** with {light} connections, "
      f"{ms(r['read-nomaly']['p99'])} ms with {connections} (saturated: the wait is queueing behind the other requests)")
print(f"- scoring: {r['score-nomaly']['rate'] * 1000 / 1e6:.2f} M rows/s through Nomaly's endpoint, "
      f"{r['score-mlflow']['rate'] * 1000 / 1e6:.3f} M through MLflow's; the checked responses flag "
      f"{flagged(ours)} (Nomaly) and {flagged(theirs)} (scikit-learn) of the 1,000 rows as anomalies")
PY
fi

# --- Memory: 50 MiB bodies on fresh servers, Nomaly and MLflow ------------------------------------------------
python3 "$here/scoring_memory.py" "$work" registry/data/payments-today.csv "$nomaly" "$token" "models:/demo/$mlflow_version" \
  || fail "the scoring memory benchmark failed"
