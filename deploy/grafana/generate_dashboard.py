#!/usr/bin/env python3
"""Writes nomaly.json, the Grafana dashboard, next to this file.

Edit the dashboard here, not in the JSON: ids and positions are computed, so panels can be added or moved
without renumbering. `--check` exits 1 when nomaly.json is not what this script writes (for CI).

    python3 deploy/grafana/generate_dashboard.py           # rewrite nomaly.json
    python3 deploy/grafana/generate_dashboard.py --check   # verify it is up to date
"""
import json
import pathlib
import sys

OUT = pathlib.Path(__file__).with_name("nomaly.json")
DS = {"type": "prometheus", "uid": "${datasource}"}

# Metrics read from the database at scrape time are identical on every replica, so they are wrapped in max by
# (...) to show one series instead of one per replica. Counters, histograms and pool/process gauges are per replica.
J = 'job=~"$job"'
M = 'model=~"$model"'
I = 'instance=~"$instance"'

# What JobNotSucceededFor counts: from the newest success, or from when the job was created, resumed, re-enabled or given a new schedule.
SINCE_SUCCESS = f"time() - max by (job) (nomaly_job_success_window_start_timestamp_seconds{{{J}}})"
INTERVAL = f"max by (job) (nomaly_job_interval_seconds{{{J}}})"
PAUSED = f"max by (job) (nomaly_job_paused{{{J}}})"
RUN_FAILED = f"max by (job) (nomaly_job_last_run_failed{{{J}}})"
FAILED_STATUSES = 'status=~"failed|timed_out|lost"'
HTTP = f"http_requests_total{{{I}}}"


def target(expr, legend="", ref="A", instant=False, table=False):
    return {
        "datasource": DS,
        "editorMode": "code",
        "expr": expr,
        "format": "table" if table else "time_series",
        "instant": instant,
        "legendFormat": legend,
        "range": not instant,
        "refId": ref,
    }


def targets(*specs, **common):
    """Each spec is (expr, legend); refIds are A, B, C... in order."""
    return [target(expr, legend, chr(ord("A") + n), **common) for n, (expr, legend) in enumerate(specs)]


def thresholds(*steps, base="green"):
    return {"mode": "absolute", "steps": [{"color": base, "value": None}] + [{"color": c, "value": v} for v, c in steps]}


def yes_no(bad="red"):
    """0/1 gauges read as words; 1 is the state worth noticing."""
    return [{"type": "value", "options": {"0": {"index": 0, "text": "no", "color": "green"}, "1": {"index": 1, "text": "yes", "color": bad}}}]


def timeseries(title, tgts, unit, w=12, h=8, desc="", stack=False, step=False, bars=False, minimum=None, overrides=(), interval=None, steps=()):
    custom = {
        "drawStyle": "bars" if bars else "line",
        "lineInterpolation": "stepAfter" if step else "linear",
        "lineWidth": 1,
        "fillOpacity": 30 if (stack or bars) else 10,
        "showPoints": "auto",
        "spanNulls": False,
        "stacking": {"mode": "normal" if stack else "none", "group": "A"},
        "thresholdsStyle": {"mode": "dashed" if steps else "off"},
    }
    defaults = {"unit": unit, "custom": custom, "color": {"mode": "palette-classic"}}
    if minimum is not None:
        defaults["min"] = minimum
    if steps:
        defaults["thresholds"] = thresholds(*steps)
    panel = {
        "type": "timeseries",
        "title": title,
        "description": desc,
        "datasource": DS,
        "targets": tgts,
        "fieldConfig": {"defaults": defaults, "overrides": list(overrides)},
        "options": {
            "legend": {"displayMode": "table", "placement": "right", "showLegend": True, "calcs": ["lastNotNull", "max"]},
            "tooltip": {"mode": "multi", "sort": "desc"},
        },
        "_size": (w, h),
    }
    if interval:
        panel["interval"] = interval
    return panel


def stat(title, tgts, unit, w=4, h=4, desc="", steps=(), base="green", mappings=(), no_value=None, decimals=None):
    defaults = {"unit": unit, "thresholds": thresholds(*steps, base=base), "mappings": list(mappings), "color": {"mode": "thresholds"}}
    if no_value is not None:
        defaults["noValue"] = no_value
    if decimals is not None:
        defaults["decimals"] = decimals
    for t in tgts:  # a stat shows one number per series: no need for a range query
        t.update(instant=True, range=False)
    return {
        "type": "stat",
        "title": title,
        "description": desc,
        "datasource": DS,
        "targets": tgts,
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {
            "colorMode": "background",
            "graphMode": "none",
            "justifyMode": "auto",
            "orientation": "auto",
            "textMode": "value_and_name" if len(tgts) > 1 or "{{" in tgts[0]["legendFormat"] else "value",
            "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
        },
        "_size": (w, h),
    }


def column(name, unit=None, mappings=None, steps=None, color_cell=False):
    props = []
    if unit:
        props.append({"id": "unit", "value": unit})
    if mappings:
        props.append({"id": "mappings", "value": mappings})
    if steps:
        props.append({"id": "thresholds", "value": thresholds(*steps)})
    if color_cell:
        props.append({"id": "custom.cellOptions", "value": {"type": "color-background", "mode": "basic"}})
    return {"matcher": {"id": "byName", "options": name}, "properties": props}


def table(title, columns, w=24, h=8, desc="", sort=None):
    """columns: (header, expr, override properties) per instant query, joined on their common labels."""
    tgts = [target(expr, "", chr(ord("A") + n), instant=True, table=True) for n, (_, expr, _) in enumerate(columns)]
    rename = {f"Value #{t['refId']}": header for t, (header, _, _) in zip(tgts, columns)}
    return {
        "type": "table",
        "title": title,
        "description": desc,
        "datasource": DS,
        "targets": tgts,
        "transformations": [
            {"id": "merge", "options": {}},
            {"id": "organize", "options": {"excludeByName": {"Time": True}, "renameByName": rename}},
        ],
        "fieldConfig": {
            "defaults": {"custom": {"align": "auto", "cellOptions": {"type": "auto"}}, "thresholds": thresholds(), "mappings": []},
            "overrides": [column(header, **props) for header, _, props in columns],
        },
        "options": {"showHeader": True, "cellHeight": "sm", "sortBy": [sort] if sort else []},
        "_size": (w, h),
    }


def row(title):
    return {"type": "row", "title": title, "collapsed": False, "panels": [], "_size": (24, 1)}


JOBS = [
    row("Jobs"),
    stat("Runs in range", targets((f"sum(increase(nomaly_job_runs_total{{{J}}}[$__range]))", "")), "none", decimals=0,
         desc="Finished runs of the selected jobs in the dashboard's time range, all statuses, all replicas."),
    stat("Failures in range", targets((f"sum(increase(nomaly_job_runs_total{{{J},{FAILED_STATUSES}}}[$__range])) or vector(0)", "")),
         "none", decimals=0, steps=((1, "red"),), desc="Runs that failed, timed out, or were lost with their replica."),
    stat("Last run failed", targets((f"count({RUN_FAILED} == 1) or vector(0)", "")), "none", steps=((1, "red"),),
         desc="Jobs whose most recent run did not succeed. The table below names them."),
    # The same condition as the JobNotSucceededFor alert, 10-minute floor included, so the two never disagree.
    stat("Overdue", targets((f"count(({SINCE_SUCCESS}) > clamp_min(2 * {INTERVAL}, 600) unless on (job) ({PAUSED} == 1)) or vector(0)", "")),
         "none", steps=((1, "red"),),
         desc="Unpaused jobs without a success for more than twice their longest interval, and at least 10 minutes (since creation if never): what JobNotSucceededFor alerts on."),
    stat("Paused", targets((f"count({PAUSED} == 1) or vector(0)", "")), "none", steps=((1, "orange"),),
         desc="Paused jobs do not fire; they also show as overdue in the table."),
    stat("Queued runs", targets((f"sum(max by (job) (nomaly_job_queued_runs{{{J}}})) or vector(0)", "")), "none",
         steps=((10, "orange"),), desc="Runs due but not yet claimed: a steady number means too few WORKERS or replicas."),
    timeseries("Runs by status", targets((f"sum by (job, status) (increase(nomaly_job_runs_total{{{J}}}[$__rate_interval]))", "{{job}} {{status}}")),
               "none", stack=True, minimum=0, desc="Finished runs per window, all replicas."),
    timeseries("Failures", targets((f"sum by (job, status) (increase(nomaly_job_runs_total{{{J},{FAILED_STATUSES}}}[$__rate_interval]))", "{{job}} {{status}}")),
               "none", stack=True, minimum=0, bars=True,
               desc="lost = the replica running it stopped renewing its lease (crash, kill, network split)."),
    timeseries("Run duration p50 / p95",
               targets(
                   (f"histogram_quantile(0.50, sum by (job, le) (rate(nomaly_job_run_duration_seconds_bucket{{{J}}}[$__rate_interval])))", "{{job}} p50"),
                   (f"histogram_quantile(0.95, sum by (job, le) (rate(nomaly_job_run_duration_seconds_bucket{{{J}}}[$__rate_interval])))", "{{job}} p95"),
               ),
               "s", minimum=0, interval="1h",
               # Jobs finish a few times an hour at most; a 1h minimum window keeps the quantiles from being mostly gaps.
               desc="From the run-duration histogram (buckets 1s to 6h), windows of at least one hour."),
    timeseries("Firing lag p95",
               targets(
                   (f"histogram_quantile(0.95, sum by (le) (rate(nomaly_job_firing_lag_seconds_bucket{{{I}}}[$__rate_interval])))", "p95"),
                   (f"histogram_quantile(0.50, sum by (le) (rate(nomaly_job_firing_lag_seconds_bucket{{{I}}}[$__rate_interval])))", "p50"),
               ),
               "s", minimum=0, interval="5m",
               desc="How late runs start after they became due (slot plus jitter, or the end of a retry backoff). Growing lag: workers are all busy, a forbid job overruns, or the database is slow."),
    table("Job health", [
        ("Waiting for a success", SINCE_SUCCESS, {"unit": "s"}),
        ("Usual interval", INTERVAL, {"unit": "s"}),
        ("× interval", f"({SINCE_SUCCESS}) / {INTERVAL}",
         {"unit": "none", "steps": ((1.5, "orange"), (2, "red")), "color_cell": True}),
        ("Last run failed", RUN_FAILED, {"mappings": yes_no(), "color_cell": True}),
        ("Paused", PAUSED, {"mappings": yes_no("orange"), "color_cell": True}),
        ("Retry pending", f"max by (job) (nomaly_job_retry_pending{{{J}}})", {"mappings": yes_no("orange"), "color_cell": True}),
        ("Queued", f"max by (job) (nomaly_job_queued_runs{{{J}}})", {"unit": "none"}),
    ], sort={"displayName": "× interval", "desc": True},
        desc="One row per job. '× interval' is the time since the last success (or since the job was created, resumed "
             "or re-enabled, if later) over the job's usual gap between fires: above 2 the job has missed a run. "
             "A failed last run with no retry pending is what the JobFailing alert reports."),
    timeseries("Queued runs", targets((f"max by (job) (nomaly_job_queued_runs{{{J}}})", "{{job}}")), "none", stack=True, minimum=0,
               desc="Due runs waiting for a worker on any replica."),
    timeseries("Running runs per replica", targets((f"sum by (instance) (nomaly_scheduler_running_runs{{{I}}})", "{{instance}}")),
               "none", stack=True, minimum=0, desc="Each replica runs at most WORKERS jobs at once."),
]

ANOMALY_RATE = (
    f"sum by (model) (rate(nomaly_anomalies_total{{{M},{I}}}[$__rate_interval]))"
    f" / sum by (model) (rate(nomaly_rows_scored_total{{{M},{I}}}[$__rate_interval]))"
)

MODELS = [
    row("Models"),
    stat("Live versions", targets((f"max by (model) (nomaly_model_versions{{{M}}})", "{{model}}")), "none", w=8, base="blue",
         desc="Versions not deleted, per model."),
    stat("Promotions & rollbacks in range",
         targets((f"max by (model, alias) (changes(nomaly_model_alias_version{{{M}}}[$__range]))", "{{model}} {{alias}}")),
         "none", w=16, base="blue", decimals=0, desc="How often each alias was moved to another version in the time range."),
    timeseries("Alias versions", targets((f"max by (model, alias) (nomaly_model_alias_version{{{M}}})", "{{model}} {{alias}}")), "none",
               step=True, desc="The version each alias points at: a step up is a promotion, a step down a rollback."),
    timeseries("Rows scored", targets((f"sum by (model, source) (rate(nomaly_rows_scored_total{{{M},{I}}}[$__rate_interval]))", "{{model}} {{source}}")),
               "suffix: rows/s", stack=True, minimum=0, desc="source=api: POST .../score and /invocations; source=job: scheduled scoring."),
    timeseries("Anomaly rate vs training",
               targets(
                   (ANOMALY_RATE, "{{model}}"),
                   (f'max by (model) (nomaly_model_training_anomaly_rate{{{M},alias="production"}})', "{{model}} at training (production)"),
               ),
               "percentunit", w=24, minimum=0,
               overrides=[{"matcher": {"id": "byFrameRefID", "options": "B"},
                           "properties": [{"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}}]}],
               desc="Share of scored rows flagged as anomalies (solid) against the share the production version flagged in its "
                    "training data (dashed). A lasting gap means the data drifted or the model is miscalibrated."),
]

API = [
    row("API"),
    timeseries("Requests by route", targets((f"sum by (route) (rate({HTTP}[$__rate_interval]))", "{{route}}")), "reqps", stack=True,
               minimum=0, desc="route is the matched pattern; 'unmatched' is requests no route matched (mostly 404s)."),
    timeseries("Error ratio (5xx)",
               targets((f'sum(rate(http_requests_total{{{I},status=~"5.."}}[$__rate_interval])) / sum(rate({HTTP}[$__rate_interval]))', "5xx share")),
               "percentunit", minimum=0, steps=((0.01, "orange"), (0.05, "red")),
               desc="Server errors over all requests, all selected replicas. 4xx are client mistakes and not counted."),
    timeseries("Latency p95 by route",
               targets((f"histogram_quantile(0.95, sum by (route, le) (rate(http_request_duration_seconds_bucket{{{I}}}[$__rate_interval])))", "{{route}}")),
               "s", minimum=0, desc="Buckets stop at 10s; slower requests show as 10s."),
    timeseries("Responses by status", targets((f"sum by (status) (rate({HTTP}[$__rate_interval]))", "{{status}}")), "reqps", stack=True,
               minimum=0),
]

DATABASE = [
    row("Database pool"),
    timeseries("Pool connections",
               targets(
                   (f"sum by (instance, state) (nomaly_db_pool_connections{{{I}}})", "{{instance}} {{state}}"),
                   (f"max by (instance) (nomaly_db_pool_max_connections{{{I}}})", "{{instance}} limit"),
               ),
               "none", minimum=0,
               overrides=[{"matcher": {"id": "byFrameRefID", "options": "B"},
                           "properties": [{"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}},
                                          {"id": "custom.fillOpacity", "value": 0}]}],
               desc="Each replica has its own pool. in_use at the limit with callers waiting: raise the pool size or find the slow query."),
    timeseries("Callers waiting for a connection",
               targets((f"sum by (instance) (rate(nomaly_db_pool_wait_seconds_total{{{I}}}[$__rate_interval]))", "{{instance}}")), "none",
               minimum=0, desc="The average number of callers waiting for a pooled connection (what DatabasePoolSaturated reads; a sample "
                               "of nomaly_db_pool_waiting misses waits between scrapes). Above zero for long: the pool is the bottleneck."),
    stat("Readiness checks", targets((f"min by (check) (nomaly_ready_check{{{I}}})", "{{check}}")), "none", w=24,
         mappings=[{"type": "value", "options": {"0": {"index": 0, "text": "failing", "color": "red"}, "1": {"index": 1, "text": "ok", "color": "green"}}}],
         desc="What /ready checks, worst replica shown. A failing replica answers 503 and leaves the load balancer."),
]

DAY = 86400
BACKUPS = [
    row("Backups"),
    stat("Since last verified backup", targets(("time() - max(nomaly_backup_last_verified_timestamp_seconds)", "")), "s", w=6,
         steps=((26 * 3600, "red"),), no_value="never",
         desc="Backups run daily; red after 26h without a verified one (a restore test, see docs/backups.md)."),
    stat("Since last successful backup", targets(("time() - max by (kind) (nomaly_backup_last_success_timestamp_seconds)", "{{kind}}")), "s",
         w=6, steps=((26 * 3600, "red"),), no_value="never"),
    stat("Last backup size", targets(("max by (kind) (nomaly_backup_last_size_bytes)", "{{kind}}")), "bytes", w=6, base="blue"),
    stat("Failures in 24h", targets(("max by (kind) (nomaly_backup_failures_24h)", "{{kind}}")), "none", w=6, steps=((1, "red"),),
         desc="Failed backup attempts in the last day, per kind."),
]

PROCESS = [
    row("Process"),
    timeseries("Resident memory", targets((f"sum by (instance) (process_resident_memory_bytes{{{I}}})", "{{instance}}")), "bytes", w=8,
               minimum=0),
    timeseries("CPU", targets((f"sum by (instance) (rate(process_cpu_seconds_total{{{I}}}[$__rate_interval]))", "{{instance}}")),
               "percentunit", w=8, minimum=0, desc="100% = one full core."),
    timeseries("File descriptors used",
               targets((f"sum by (instance) (process_open_fds{{{I}}}) / sum by (instance) (process_max_fds{{{I}}})", "{{instance}}")),
               "percentunit", w=8, minimum=0, steps=((0.8, "red"),)),
]


def variable(name, label, query, desc, all_value=".*"):
    v = {
        "name": name,
        "label": label,
        "description": desc,
        "type": "query",
        "datasource": DS,
        "definition": query,
        "query": query,
        "refresh": 2,  # on time range change: lists what existed in the range shown
        "multi": True,
        "includeAll": True,
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]},
        "options": [],
        "regex": "",
        "sort": 1,
        "hide": 0,
    }
    if all_value is not None:
        v["allValue"] = all_value
    return v


TEMPLATING = [
    {
        "name": "datasource",
        "label": "Data source",
        "type": "datasource",
        "query": "prometheus",
        "current": {},
        "options": [],
        "refresh": 1,
        "regex": "",
        "hide": 0,
    },
    # All = .* rather than the listed values, so jobs and models with no samples yet in the range still show.
    variable("job", "Job", "label_values(nomaly_job_runs_total, job)", "Nomaly job (jobs/*.yml), not the Prometheus scrape job."),
    variable("model", "Model", "label_values(nomaly_rows_scored_total, model)", "Model from the registry."),
    # All = the listed instances: they come from a metric only Nomaly exposes, which keeps process_* and http_* series
    # of other scrape targets out without depending on what the scrape job is called.
    variable("instance", "Replica", "label_values(nomaly_db_pool_max_connections, instance)", "Nomaly replica (scrape target).",
             all_value=None),
]


def layout(panels):
    """Assigns ids and gridPos: left to right, wrapping at 24 columns; every row header starts a new line."""
    x = y = line_h = 0
    for n, panel in enumerate(panels, start=1):
        w, h = panel.pop("_size")
        if panel["type"] == "row" or x + w > 24:
            x, y, line_h = 0, y + line_h, 0
        panel["id"] = n
        panel["gridPos"] = {"h": h, "w": w, "x": x, "y": y}
        x, line_h = x + w, max(line_h, h)
        if panel["type"] == "row":
            x, y, line_h = 0, y + h, 0
    return panels


def dashboard():
    return {
        "title": "Nomaly",
        "uid": "nomaly",
        "description": "Jobs, models, API, database pool, backups and processes of Nomaly replicas. Generated by generate_dashboard.py.",
        "tags": ["nomaly"],
        "editable": True,
        "graphTooltip": 1,
        "fiscalYearStartMonth": 0,
        "liveNow": False,
        "refresh": "1m",
        "schemaVersion": 39,
        "version": 1,
        "time": {"from": "now-24h", "to": "now"},
        "timepicker": {},
        "timezone": "",
        "weekStart": "",
        "links": [],
        "annotations": {"list": [{
            "builtIn": 1,
            "datasource": {"type": "grafana", "uid": "-- Grafana --"},
            "enable": True,
            "hide": True,
            "iconColor": "rgba(0, 211, 255, 1)",
            "name": "Annotations & Alerts",
            "type": "dashboard",
        }]},
        "templating": {"list": TEMPLATING},
        "panels": layout(JOBS + MODELS + API + DATABASE + BACKUPS + PROCESS),
    }


def render():
    return json.dumps(dashboard(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    text = render()
    if sys.argv[1:] == ["--check"]:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            sys.exit(f"{OUT} is not what {pathlib.Path(__file__).name} writes: run it and commit the result")
    elif sys.argv[1:]:
        sys.exit(__doc__)
    else:
        OUT.write_text(text, encoding="utf-8")
