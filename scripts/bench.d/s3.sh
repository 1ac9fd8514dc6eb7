#!/usr/bin/env bash
# Times `nomaly s3 cp` against `aws s3 cp` uploading one 200 MB file of mixed content to a fresh local
# S3 server (moto, checking signatures as in scripts/test): 7 runs each, alternating, every run into a
# bucket of its own; prints the median seconds and the ratio as a markdown table on stdout.
#
#   scripts/bench s3
#
# Expects the release build (swift build -c release --product nomaly); NOMALY_BIN overrides its path and
# BENCH_WORK the scratch folder. Both tools run with their default settings (aws: 8 MB parts, 10 at a
# time; nomaly: 16 MiB parts, 4 at a time). The server is the same Python process for both, so the
# numbers compare the clients' overhead on one machine, not S3's throughput.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/../.."
source scripts/lib/packages.sh
source scripts/lib/moto.sh

nomaly="${NOMALY_BIN:-$(swift build -c release --show-bin-path)/nomaly}"
[ -x "$nomaly" ] || { echo "no release build at $nomaly: run swift build -c release --product nomaly" >&2; exit 1; }
"$nomaly" s3 cp --help 2>/dev/null | grep -q "nomaly s3 cp" || { echo "$nomaly has no s3 command: is S3Command registered?" >&2; exit 1; }
command -v aws >/dev/null || { echo "the aws CLI is missing (pip install awscli)" >&2; exit 1; }
python3 -c 'import moto.server, boto3' 2>/dev/null || { echo "moto[server] is missing (pip install 'moto[server]')" >&2; exit 1; }

mkdir -p "${BENCH_WORK:-/tmp}"
work=$(mktemp -d "${BENCH_WORK:-/tmp}/nomaly-bench-s3.XXXXXX")
cleanup() {
  [ -n "$moto_pid" ] && kill "$moto_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

start_moto "$work"
# Nothing of the caller's configuration may reach nomaly: only the S3 settings above.
unset DATABASE_URL DATABASE_URL_FILE S3_BUCKET S3_PREFIX S3_MULTIPART_THRESHOLD S3_PART_SIZE S3_CONCURRENCY
export NOMALY_HOME="$work/home" LOG_LEVEL=warning

# 200 MB of mixed content: random (incompressible) bytes, zeros, and repetitive CSV-like text.
file="$work/payload.bin"
{
  head -c 100000000 /dev/urandom
  head -c 50000000 /dev/zero
  # yes ends on SIGPIPE when head has enough, which pipefail would report.
  { yes "20261129T020000Z,sensor-0042,0.73125,0.002,normal" || true; } | head -c 50000000
} >"$file"
size=$(stat -c %s "$file")
expected=$(sha256sum "$file" | cut -d' ' -f1)

# Seconds for one upload into a fresh bucket; the object is checked and the bucket removed afterwards,
# so the server holds one copy at a time.
run() {
  local tool=$1 run=$2 bucket="bench-$1-$2" start end stored
  aws --endpoint-url "$S3_ENDPOINT" s3api create-bucket --bucket "$bucket" >/dev/null
  start=$(date +%s.%N)
  case $tool in
    aws) aws --endpoint-url "$S3_ENDPOINT" s3 cp --only-show-errors "$file" "s3://$bucket/bench/payload.bin" ;;
    nomaly) "$nomaly" s3 cp "$file" "s3://$bucket/bench/payload.bin" >/dev/null ;;
  esac
  end=$(date +%s.%N)
  stored=$(aws --endpoint-url "$S3_ENDPOINT" s3api head-object --bucket "$bucket" --key bench/payload.bin \
    --query ContentLength --output text)
  [ "$stored" = "$size" ] || { echo "$tool run $run stored $stored bytes, not $size" >&2; exit 1; }
  if [ "$tool" = nomaly ]; then
    stored=$(aws --endpoint-url "$S3_ENDPOINT" s3api head-object --bucket "$bucket" --key bench/payload.bin \
      --query Metadata.sha256 --output text)
    [ "$stored" = "$expected" ] || { echo "nomaly run $run recorded sha256 $stored, not $expected" >&2; exit 1; }
  fi
  aws --endpoint-url "$S3_ENDPOINT" s3 rb --force "s3://$bucket" >/dev/null
  awk "BEGIN { print $end - $start }"
}

declare -A times
for i in 1 2 3 4 5 6 7; do
  # Alternate who goes first, so neither always meets the server just after the other's cleanup.
  order="aws nomaly"
  [ $((i % 2)) -eq 0 ] && order="nomaly aws"
  for tool in $order; do
    seconds=$(run "$tool" "$i")
    echo "$tool run $i: $seconds s" >&2
    times[$tool]+="$seconds "
  done
done

python3 - "$size" "${times[nomaly]}" "${times[aws]}" <<'PY'
import statistics, sys
size, ours, theirs = int(sys.argv[1]), sys.argv[2].split(), sys.argv[3].split()
medians = {"nomaly s3 cp": statistics.median(map(float, ours)), "aws s3 cp": statistics.median(map(float, theirs))}
base = medians["nomaly s3 cp"]
print("### s3")
print()
print("One 200 MB file (random, zeros, CSV text) uploaded to a fresh local moto server with signature checking; "
      "7 runs each, alternating, median wall time. Moto itself is the bottleneck, so this compares client overhead.")
print()
print(f"| upload {size / 1e6:.0f} MB to a local S3 (moto) | median s | MB/s | vs nomaly |")
print("| --- | ---: | ---: | ---: |")
for name, seconds in medians.items():
    print(f"| {name} | {seconds:.2f} | {size / 1e6 / seconds:.1f} | {seconds / base:.2f}× |")
PY
echo
python3 -c "import statistics,sys; a=statistics.median(map(float,sys.argv[1].split())); b=statistics.median(map(float,sys.argv[2].split())); print(f'- goal: upload faster than aws s3 cp: **{b / a:.2f}×** faster')" "${times[nomaly]}" "${times[aws]}"
