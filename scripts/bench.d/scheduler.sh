#!/usr/bin/env bash
# Firing lag (claim time − slot time) and claims per second with 1,000 jobs due on the same second,
# shared by 3 `nomaly serve --no-api` replicas on one database (the embedded cluster, shared through
# NOMALY_HOME). Goal from the issue: p99 lag under 250 ms.
set -euo pipefail
cd "$(dirname "$0")/../.."
work="$BENCH_WORK/scheduler"
rm -rf "$work"
mkdir -p "$work/jobs"
chmod 755 "$work" "$BENCH_WORK"
jobs=1000
for i in $(seq -w 1 $jobs); do
  printf 'kind: command\nschedule: "*/10 * * * * *"\nconcurrency: allow\nwith: {command: ["true"]}\nhistory: {keep_succeeded: 100}\n' \
    >"$work/jobs/job-$i.yaml"
done

export NOMALY_HOME="$work/home" NOMALY_JOBS_DIR="$work/jobs" WORKERS=400 NOMALY_DB_POOL_SIZE=20 LOG_LEVEL=warning
"$NOMALY_BIN" migrate >/dev/null
pids=()
for replica in 1 2 3; do
  "$NOMALY_BIN" serve --no-api >"$work/replica-$replica.log" 2>&1 &
  pids+=($!)
done
# Three rounds of 1,000 runs after the replicas have settled.
sleep 42
kill -TERM "${pids[@]}"
wait "${pids[@]}" || true

# The last replica stopped the cluster; start it by hand for the query.
export PGHOST="$work/home/postgres/run" PGUSER=nomaly PGDATABASE=nomaly
owner=$(stat -c %U "$work/home/postgres/data")
start_cluster() { if [ "$(id -u)" -eq 0 ]; then runuser -u "$owner" -- "$@"; else "$@"; fi; }
bindir=$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin | tail -1)
start_cluster "$bindir/pg_ctl" start -D "$work/home/postgres/data" -l "$work/home/postgres/server.log" -w -s
psql -qAt -F, -c "
  SELECT extract(epoch FROM scheduled_at)::bigint, extract(epoch FROM started_at - scheduled_at) * 1000
  FROM job_runs WHERE trigger = 'schedule' AND started_at IS NOT NULL
    AND scheduled_at > (SELECT min(scheduled_at) FROM job_runs) + interval '5 seconds'" >"$work/lags.csv"
start_cluster "$bindir/pg_ctl" stop -D "$work/home/postgres/data" -m fast -w -s

python3 - "$work/lags.csv" "$jobs" <<'PY'
import collections, statistics, sys
rounds = collections.defaultdict(list)
for line in open(sys.argv[1]):
    slot, lag = line.strip().split(",")
    rounds[int(slot)].append(float(lag))
full = {slot: lags for slot, lags in rounds.items() if len(lags) >= int(sys.argv[2]) * 0.99}
lags = sorted(lag for values in full.values() for lag in values)
def pct(p): return lags[min(len(lags) - 1, int(len(lags) * p))]
print("### scheduler")
print()
print(f"{sys.argv[2]} command jobs (`true`, concurrency allow) due on the same second every 10 s, 3 replicas "
      "(`serve --no-api`, WORKERS=400) on the shared embedded cluster; lag = claim time − slot time over "
      f"{len(full)} full rounds ({len(lags)} runs).")
print()
print("| firing lag | ms |")
print("| --- | ---: |")
for name, p in [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0)]:
    print(f"| {name} | {pct(p):.0f} |")
spans = [max(v) - min(v) for v in full.values()]
rate = statistics.median([len(v) / (s / 1000) for v, s in zip(full.values(), spans) if s > 0]) if spans else 0
print()
print(f"- claims per second (median over rounds, 1,000 claims / time from first to last claim): **{rate:.0f}**")
print(f"- goal: p99 under 250 ms: **{pct(0.99):.0f} ms**")
PY
