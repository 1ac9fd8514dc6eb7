"""Replaces each benchmark's section in docs/benchmarks.md with its latest table.

usage: record_benchmarks.py DOC RESULTS MACHINE NAME...
RESULTS holds, per benchmark, a block starting with '### NAME' (as the bench.d scripts print).
Sections of benchmarks not run this time are kept as they were.
"""
import datetime
import re
import sys

doc_path, results_path, machine, names = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
try:
    doc = open(doc_path).read()
except FileNotFoundError:
    doc = "# Benchmarks\n\nProduced by `scripts/bench`; each section is replaced when its benchmark runs again.\n"

blocks = {}
for block in re.split(r"(?m)^(?=### )", open(results_path).read()):
    match = re.match(r"### (\S+)", block)
    if match:
        blocks[match.group(1)] = block.strip()

stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
for name in names:
    if name not in blocks:
        continue
    section = f"<!-- bench:{name} -->\n{blocks[name]}\n\n_Measured {stamp} on {machine}._\n<!-- /bench:{name} -->"
    pattern = re.compile(rf"<!-- bench:{re.escape(name)} -->.*?<!-- /bench:{re.escape(name)} -->", re.S)
    doc = pattern.sub(lambda _: section, doc) if pattern.search(doc) else doc.rstrip() + "\n\n" + section + "\n"
open(doc_path, "w").write(doc.rstrip() + "\n")
