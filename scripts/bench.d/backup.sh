#!/usr/bin/env bash
# Times `nomaly backup create --kind database` against plain `pg_dump -Fc` of the same database (about 1 GB on
# disk), and `nomaly backup upload` against `aws s3 sync` of the same backup folder to a local S3 server (moto).
# Runs alternate and the median is reported; prints markdown tables on stdout.
#
#   scripts/bench backup          BACKUP_BENCH_ROWS=… changes the size (default 9,000,000 rows ≈ 1 GB)
#
# The Nomaly side is timed without its verification pass (--no-verify), which is a second full read of the dump that
# pg_dump does not do; it is timed separately.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/../.."
source scripts/lib/packages.sh
source scripts/lib/moto.sh
source scripts/lib/postgres.sh

nomaly="${NOMALY_BIN:-$(swift build -c release --show-bin-path)/nomaly}"
[ -x "$nomaly" ] || { echo "no release build at $nomaly" >&2; exit 1; }
command -v aws >/dev/null || { echo "the aws CLI is missing (pip install awscli)" >&2; exit 1; }
rows=${BACKUP_BENCH_ROWS:-9000000}
runs=${BACKUP_BENCH_RUNS:-3}

mkdir -p "${BENCH_WORK:-/tmp}"
work=$(mktemp -d "${BENCH_WORK:-/tmp}/nomaly-bench-backup.XXXXXX")
chmod 755 "$work"
moto_pid=""
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  [ -n "$moto_pid" ] && kill "$moto_pid" 2>/dev/null || true
  stop_scratch_postgres "$work/pg"
  rm -rf "$work"
  exit $status
}
trap cleanup EXIT INT TERM

start_scratch_postgres "$work/pg"
bindir=$pg_bindir
psql -qX -h 127.0.0.1 -p "$pg_port" -U nomaly -d postgres -c "CREATE DATABASE nomaly" >/dev/null

unset DATABASE_URL_FILE POSTGRES_HOST POSTGRES_PORT POSTGRES_DB POSTGRES_USER POSTGRES_PASSWORD PGHOST PGPORT PGDATABASE \
  PGUSER ENCRYPTION_KEY_FILE NOMALY_BACKUP_S3 S3_BUCKET S3_PREFIX NOMALY_PG_BINDIR
export DATABASE_URL="postgresql://nomaly@127.0.0.1:$pg_port/nomaly" NOMALY_HOME="$work/home" LOG_LEVEL=warning \
  NOMALY_MIGRATIONS_DIR="$PWD/migrations" NOMALY_BACKUP_DIR="$work/backups"
"$nomaly" migrate >/dev/null

# Scores as the score job writes them: text keys, doubles, flags, timestamps; plus a run to hang them on.
echo "loading $rows rows…" >&2
psql -qX -d "$DATABASE_URL" -v ON_ERROR_STOP=1 >/dev/null <<SQL
INSERT INTO jobs (name, kind, schedule, spec_hash) VALUES ('bench', 'score', '@daily', 'x');
INSERT INTO job_runs (job_name, scheduled_at, trigger, status) VALUES ('bench', now(), 'manual', 'succeeded');
INSERT INTO anomaly_scores (run_id, row_key, score, is_anomaly, scored_at)
SELECT 1, 'txn-' || n || '-' || md5(n::text), random(), random() < 0.01, now() - n * interval '1 second'
FROM generate_series(1, $rows) n;
VACUUM ANALYZE;
SQL
db_bytes=$(psql -qAtX -d "$DATABASE_URL" -c "SELECT pg_database_size(current_database())")
echo "database: $((db_bytes / 1000000)) MB" >&2

median() { python3 -c 'import statistics,sys; print(statistics.median(map(float, sys.argv[1:])))' "$@"; }
seconds() { local start end; start=$(date +%s.%N); "$@" >/dev/null; end=$(date +%s.%N); awk "BEGIN { print $end - $start }"; }

declare -A times
for i in $(seq "$runs"); do
  rm -rf "$work/backups" "$work/plain.dump"
  a=$(seconds "$bindir/pg_dump" --format=custom --no-owner -d "$DATABASE_URL" -f "$work/plain.dump"); times[pg_dump]+="$a "
  b=$(seconds "$nomaly" backup create --kind database --no-verify); times[nomaly]+="$b "
  echo "run $i: pg_dump $a s, nomaly backup create $b s" >&2
done
dump_bytes=$(stat -c %s "$work/plain.dump")
set_id=$(ls "$work/backups" | head -1)
t=$(seconds "$nomaly" backup verify "$set_id"); times[verify]+="$t "

start_moto "$work"
export S3_BUCKET=bench-nomaly
aws --endpoint-url "$S3_ENDPOINT" s3api create-bucket --bucket bench-nomaly >/dev/null
aws --endpoint-url "$S3_ENDPOINT" s3api create-bucket --bucket bench-aws >/dev/null
t=$(seconds aws --endpoint-url "$S3_ENDPOINT" s3 sync --only-show-errors "$work/backups" s3://bench-aws/backups/); times[aws_sync]+="$t "
t=$(seconds "$nomaly" backup upload); times[upload]+="$t "
t=$(seconds aws --endpoint-url "$S3_ENDPOINT" s3 sync --only-show-errors "$work/backups" s3://bench-aws/backups/); times[aws_again]+="$t "
t=$(seconds "$nomaly" backup upload); times[upload_again]+="$t "

python3 - "$db_bytes" "$dump_bytes" "$(median ${times[pg_dump]})" "$(median ${times[nomaly]})" "$(median ${times[verify]})" \
  "${times[aws_sync]}" "${times[upload]}" "${times[aws_again]}" "${times[upload_again]}" "$runs" <<'PY'
import sys
db, dump = int(sys.argv[1]), int(sys.argv[2])
pg, ours, verify = map(float, sys.argv[3:6])
aws, up, aws2, up2 = map(float, sys.argv[6:10])
runs = sys.argv[10]
print("### backup")
print()
print(f"A {db / 1e6:.0f} MB database ({dump / 1e6:.0f} MB custom-format dump); median of {runs} alternating runs.")
print()
print("| database backup | seconds | vs pg_dump |")
print("| --- | ---: | ---: |")
print(f"| pg_dump -Fc --no-owner -f FILE | {pg:.2f} | 1.00× |")
print(f"| nomaly backup create --kind database --no-verify | {ours:.2f} | {ours / pg:.2f}× |")
print(f"| nomaly backup verify (re-hash + pg_restore -f /dev/null) | {verify:.2f} | {verify / pg:.2f}× |")
print()
print(f"- goal: create at most 1.15× pg_dump: **{ours / pg:.2f}×**")
print()
print("| upload the backup folder to a local S3 (moto) | first run, s | second run (nothing new), s |")
print("| --- | ---: | ---: |")
print(f"| aws s3 sync | {aws:.2f} | {aws2:.2f} |")
print(f"| nomaly backup upload | {up:.2f} | {up2:.2f} |")
print()
print(f"- nomaly vs aws s3 sync, first run: **{aws / up:.2f}×** faster")
PY
