#!/usr/bin/env python3
"""Checks the Grafana dashboard: JSON, panel ids and positions, variables, and that every PromQL query parses.

    python3 deploy/grafana/check_dashboard.py [DASHBOARD]                 # exit 1 and list every problem
    python3 deploy/grafana/check_dashboard.py --metrics [DASHBOARD]       # also print the metric names used
    python3 deploy/grafana/check_dashboard.py --exposition FILE [DASHBOARD]
        # also fail on a metric that FILE (a saved `curl http://host:8080/metrics`) does not expose

PromQL is parsed by `promtool check rules` (Prometheus' own parser) after Grafana's variables are replaced by
plain values, since promtool does not know them. If generate_dashboard.py sits beside the dashboard, its output
must equal the dashboard, so hand edits to the JSON are caught.
"""
import argparse
import json
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

HERE = pathlib.Path(__file__).resolve().parent
# Values that make the queries valid PromQL; only syntax is checked, so any valid value will do.
SUBSTITUTIONS = {
    "__rate_interval": "5m",
    "__interval": "1m",
    "__range": "1h",
    "__range_s": "3600",
    "__range_ms": "3600000",
    "__interval_ms": "60000",
}
METRIC_PREFIXES = ("nomaly_", "http_", "process_")
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset",
            "inf", "nan"}


def panels_of(dashboard):
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", [])  # collapsed rows keep their panels inside


def substitute(expr, variables):
    def value(match):
        name = match.group(1) or match.group(2)
        if name in SUBSTITUTIONS:
            return SUBSTITUTIONS[name]
        if name in variables:
            return ".*"
        raise KeyError(name)

    return re.sub(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)", value, expr)


def metric_names(expr):
    """Names of the series an expression selects (what a scrape must expose), not functions or labels."""
    text = re.sub(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'', '""', expr)
    text = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for match in re.finditer(r"[A-Za-z_:][A-Za-z0-9_:]*", text):
        before = text[match.start() - 1] if match.start() else " "
        if before.isdigit() or before == ".":  # exponent of a number such as 1e3
            continue
        if text[match.end():].lstrip().startswith("(") or match.group().lower() in KEYWORDS:
            continue
        names.add(match.group())
    return names


def check(path, exposition=None):
    problems, queries = [], []  # queries: (where, PromQL with Grafana variables)
    try:
        dashboard = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return [f"{path}: not readable JSON: {error}"], set()

    if dashboard.get("uid") != "nomaly":
        problems.append(f'uid is {dashboard.get("uid")!r}, expected "nomaly" (links and provisioning rely on it)')
    if "__inputs" in dashboard:
        problems.append("__inputs present: file provisioning does not fill them in; use the ${datasource} variable")

    variables = {}
    for variable in dashboard.get("templating", {}).get("list", []):
        variables[variable.get("name")] = variable
    source = variables.get("datasource")
    if not source or source.get("type") != "datasource" or source.get("query") != "prometheus":
        problems.append("templating needs a variable 'datasource' of type datasource with query 'prometheus'")
    for name, variable in variables.items():
        if variable.get("type") != "query":
            continue
        query = variable.get("query")
        query = query.get("query", "") if isinstance(query, dict) else query or ""
        if variable.get("datasource", {}).get("uid") != "${datasource}":
            problems.append(f"variable {name}: datasource must be ${{datasource}}")
        selector = re.fullmatch(r"\s*label_values\(\s*(.+?)\s*,\s*\w+\s*\)\s*", query)
        if not selector:
            problems.append(f"variable {name}: expected label_values(SELECTOR, LABEL), got {query!r}")
        else:
            queries.append((f"variable {name}", selector.group(1)))

    ids, boxes = {}, []
    for panel in panels_of(dashboard):
        title = panel.get("title", "?")
        pid = panel.get("id")
        where = f"panel {pid} {title!r}"
        if not isinstance(pid, int):
            problems.append(f"panel {title!r}: id {pid!r} is not an integer")
        elif pid in ids:
            problems.append(f"{where}: id also used by {ids[pid]!r}")
        else:
            ids[pid] = title
        grid = panel.get("gridPos", {})
        if not all(isinstance(grid.get(k), int) for k in "hwxy"):
            problems.append(f"{where}: gridPos needs integer h, w, x, y (has {grid})")
        elif grid["x"] < 0 or grid["w"] < 1 or grid["x"] + grid["w"] > 24:
            problems.append(f"{where}: gridPos {grid} is outside the 24 columns")
        else:
            for other, box in boxes:
                if (grid["x"] < box["x"] + box["w"] and box["x"] < grid["x"] + grid["w"]
                        and grid["y"] < box["y"] + box["h"] and box["y"] < grid["y"] + grid["h"]):
                    problems.append(f"{where}: overlaps {other}")
            boxes.append((where, grid))
        if panel.get("type") == "row":
            continue

        if panel.get("datasource", {}).get("uid") != "${datasource}":
            problems.append(f"{where}: datasource must be ${{datasource}}")
        if panel.get("type") in ("timeseries", "stat") and not panel.get("fieldConfig", {}).get("defaults", {}).get("unit"):
            problems.append(f"{where}: no unit set")
        targets = panel.get("targets") or []
        if not targets:
            problems.append(f"{where}: no queries")
        refs = [t.get("refId") for t in targets]
        if len(set(refs)) != len(refs):
            problems.append(f"{where}: refIds repeat: {refs}")
        for target in targets:
            if target.get("datasource", {}).get("uid") != "${datasource}":
                problems.append(f"{where} query {target.get('refId')}: datasource must be ${{datasource}}")
            if not (target.get("expr") or "").strip():
                problems.append(f"{where} query {target.get('refId')}: empty expr")
            else:
                queries.append((f"{where} query {target.get('refId')}", target["expr"]))

    rules, names = [], set()
    for where, expr in queries:
        try:
            plain = substitute(expr, variables)
        except KeyError as unknown:
            problems.append(f"{where}: unknown variable ${unknown.args[0]} in {expr}")
            continue
        for name in metric_names(plain):
            names.add(name)
            if not name.startswith(METRIC_PREFIXES):
                problems.append(f"{where}: {name!r} is not a Nomaly metric ({', '.join(p + '*' for p in METRIC_PREFIXES)})")
        rules.append({"record": f"dashboard:query_{len(rules)}", "expr": plain, "labels": {"where": where}})
    problems += promql_problems(rules)

    if exposition is not None:
        exposed = set(re.findall(r"^([A-Za-z_:][A-Za-z0-9_:]*)[{\s]", exposition.read_text(encoding="utf-8"), re.M))
        for name in sorted(names - exposed):
            problems.append(f"metric {name} is not in {exposition}")

    generator = path.resolve().parent / "generate_dashboard.py"
    if path.resolve() == (HERE / "nomaly.json") and generator.exists():
        result = subprocess.run([sys.executable, str(generator), "--check"], capture_output=True, text=True)
        if result.returncode:
            problems.append(result.stderr.strip() or f"{generator.name} --check failed")
    return problems, names


def promql_problems(rules):
    promtool = shutil.which("promtool")
    if not promtool:
        return ["promtool not found on PATH: cannot check PromQL (install prometheus or the promtool package)"]
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as file:
        yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, file, sort_keys=False, width=1000)
    try:
        result = subprocess.run([promtool, "check", "rules", file.name], capture_output=True, text=True)
    finally:
        pathlib.Path(file.name).unlink()
    if result.returncode == 0:
        return []
    # promtool names the failing rule by its record name; map it back to the panel.
    where = {rule["record"]: rule["labels"]["where"] for rule in rules}
    output = (result.stderr + result.stdout).strip()
    return [f"PromQL: {re.sub(r'dashboard:query_[0-9]+', lambda m: where.get(m.group(), m.group()), output)}"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dashboard", nargs="?", type=pathlib.Path, default=HERE / "nomaly.json")
    parser.add_argument("--metrics", action="store_true", help="print the metric names the dashboard queries")
    parser.add_argument("--exposition", type=pathlib.Path, help="a /metrics response every metric used must appear in")
    args = parser.parse_args()
    problems, names = check(args.dashboard, args.exposition)
    if args.metrics:
        print("\n".join(sorted(names)))
    if problems:
        print(f"{args.dashboard}: {len(problems)} problem(s):", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        sys.exit(1)
    print(f"{args.dashboard}: ok", file=sys.stderr)


if __name__ == "__main__":
    main()
