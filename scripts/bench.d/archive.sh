#!/usr/bin/env bash
# nomaly archive create/extract against GNU tar+gzip, bsdtar and tar+pigz on one ~200 MB tree of mixed files.
set -euo pipefail
work="$BENCH_WORK/archive"
tree="$work/tree"
mkdir -p "$work"
if [ ! -f "$tree/.complete" ]; then
  rm -rf "$tree"
  # Mixed like a model and backup folder: CSV text, JSON, already-compressed (random) blobs, many small files.
  python3 - "$tree" <<'PY'
import json, os, random, sys
root = sys.argv[1]
rng = random.Random(42)
os.makedirs(root)
for i in range(12):
    with open(f"{root}/scores-{i}.csv", "w") as f:
        f.write("id,feature_a,feature_b,feature_c,score,label\n")
        for row in range(160_000):
            f.write(f"{row},{rng.gauss(0,1):.6f},{rng.random():.6f},{rng.randint(0,9999)},{rng.random():.8f},{rng.random()<0.02:d}\n")
for i in range(8):
    with open(f"{root}/blob-{i}.bin", "wb") as f:
        f.write(rng.randbytes(12 << 20))
os.makedirs(f"{root}/small")
for i in range(3000):
    with open(f"{root}/small/item-{i:05}.json", "w") as f:
        json.dump({"id": i, "values": [rng.random() for _ in range(rng.randint(1, 60))]}, f)
PY
  touch "$tree/.complete"
fi
size_mb=$(du -sm --exclude=.complete "$tree" | cut -f1)
rm -f "$tree/.complete"
cd "$work"

# sync before each run: pages dirtied by the previous command must not be written back on the next one's time.
hyperfine --style none --runs 3 --warmup 1 --export-json create.json --prepare "sync" \
  -n "nomaly archive create" "$NOMALY_BIN archive create tree nomaly.tar.gz 2>/dev/null >/dev/null" \
  -n "tar + pigz" "tar -I pigz -cf pigz.tar.gz tree" \
  -n "bsdtar -czf" "bsdtar -czf bsd.tar.gz tree" \
  -n "GNU tar -czf" "tar -czf gnu.tar.gz tree" >&2

hyperfine --style none --runs 3 --warmup 1 --export-json extract.json \
  --prepare "rm -rf out && mkdir out && sync" \
  -n "nomaly archive extract" "$NOMALY_BIN archive extract gnu.tar.gz out/x >/dev/null 2>&1" \
  -n "bsdtar -xzf" "bsdtar -xzf gnu.tar.gz -C out" \
  -n "GNU tar -xzf" "tar -xzf gnu.tar.gz -C out" \
  -n "tar + pigz -x" "tar -I pigz -xf gnu.tar.gz -C out" >&2
touch "$tree/.complete"

python3 - "$size_mb" <<'PY'
import json, os, sys
size = sys.argv[1]
def table(path, title, ours, goals):
    results = json.load(open(path))["results"]
    median = {r["command"]: sorted(r["times"])[len(r["times"]) // 2] for r in results}
    print(f"| {title} | median s | vs nomaly |")
    print("| --- | ---: | ---: |")
    for name, seconds in median.items():
        print(f"| {name} | {seconds:.2f} | {seconds / median[ours]:.2f}× |")
    print()
    for goal in goals:
        print(goal(median))
    print()
print("### archive")
print()
print(f"A {size} MB tree (CSV, JSON, random blobs, 3000 small files); 3 runs after a warm-up, each after `sync`, median wall time. "
      "`vs nomaly` > 1 means the peer is slower.")
print()
sizes = {name: os.path.getsize(name) for name in ["nomaly.tar.gz", "pigz.tar.gz", "bsd.tar.gz", "gnu.tar.gz"]}
table("create.json", "create", "nomaly archive create", [
    lambda m: f"- goal: at most 1.2× tar+pigz: **{m['nomaly archive create'] / m['tar + pigz']:.2f}×**",
    lambda m: f"- goal: at least 2× faster than GNU tar: **{m['GNU tar -czf'] / m['nomaly archive create']:.2f}×**",
])
print("Archive sizes: " + ", ".join(f"{k} {v / 1e6:.1f} MB" for k, v in sizes.items()))
print()
table("extract.json", "extract (GNU tar's archive)", "nomaly archive extract", [
    lambda m: f"- goal: no slower than bsdtar: **{m['nomaly archive extract'] / m['bsdtar -xzf']:.2f}×** bsdtar's time",
])
PY
