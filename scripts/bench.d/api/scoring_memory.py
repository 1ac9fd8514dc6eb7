"""Peak memory of synchronous scoring: how much a server's resident memory grows while it answers 50 MiB bodies.

usage: scoring_memory.py WORK TODAY_CSV NOMALY_BIN TOKEN MLFLOW_MODEL_URI

Called by api.sh, which has exported what `nomaly serve` needs (DATABASE_URL, NOMALY_HOME, ...) and
MLFLOW_TRACKING_URI. For each case it starts fresh servers, so no case inherits another's heap:
`nomaly serve --no-scheduler` (NOMALY_SCORING_MAX_ROWS raised so that 50 MiB bodies are scored, not refused) and
`mlflow models serve --workers 1` for the same model. After a small warm-up request, the servers' resident memory
(VmRSS, summed over their processes) is the baseline; their peaks are reset (writing 5 to /proc/PID/clear_refs),
the case's requests are sent (concurrently when there are two) and read to the end, and the growth is the peak
(VmHWM, summed) minus the baseline, also as a multiple of the bytes sent. Prints a markdown section on stdout.

Bodies: 50 MiB (at most) of `amount,hour,velocity` rows cycled from TODAY_CSV, as CSV, as MLflow's
`dataframe_split` JSON and as `inputs` columns (the shape that must hold its columns until the end); and, for the row limit, `inputs` columns of `0` (2 bytes a value on the wire, the issue's
example) sent to a server with the default limit.

Then hostile bodies, legal JSON of up to 50 MiB built to make a parser hoard, sent to Nomaly alone with the default
row limit (MLflow is not the point there): 12 million one-letter column names; `data` before `columns` with 25
columns (22 of them not features) and 999,999 rows; one row of 25 million zeros before `columns`; records that each
carry 10,000 keys that are not features; `inputs` whose three feature columns of a million zeros sit among 45 MiB of
other columns. Each is answered (scored, or refused with 413/400 as soon as a limit is passed) and measured the same
way; the goal holds for them too.
"""
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

LIMIT = 50 << 20
NOMALY_MAX_ROWS = 10_000_000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_bodies(work, today):
    import csv
    import itertools

    rows = [(r["amount"], r["hour"], r["velocity"]) for r in csv.DictReader(open(today))]
    bodies = {}
    path = f"{work}/memory-body.csv"
    with open(path, "w") as out:
        size, count = out.write("amount,hour,velocity\n"), 0
        for row in itertools.cycle(rows):
            line = ",".join(row) + "\n"
            if size + len(line) > LIMIT:
                break
            size += out.write(line)
            count += 1
    bodies["csv"] = (path, "text/csv", count)
    path = f"{work}/memory-body.json"
    head, tail = '{"dataframe_split":{"columns":["amount","hour","velocity"],"data":[', "]}}"
    with open(path, "w") as out:
        size, count = out.write(head) + len(tail), 0
        for row in itertools.cycle(rows):
            cell = ("," if count else "") + "[" + ",".join(row) + "]"
            if size + len(cell) > LIMIT:
                break
            size += out.write(cell)
            count += 1
        out.write(tail)
    bodies["json"] = (path, "application/json", count)
    path = f"{work}/memory-body-columns.json"
    columns, size = ([], [], []), len('{"inputs":{"amount":[],"hour":[],"velocity":[]}}')
    for row in itertools.cycle(rows):
        cost = sum(len(value) + 1 for value in row)
        if size + cost > LIMIT:
            break
        size += cost
        for column, value in zip(columns, row):
            column.append(value)
    with open(path, "w") as out:
        out.write('{"inputs":{' + ",".join(f'"{name}":[' + ",".join(column) + "]" for name, column in zip(("amount", "hour", "velocity"), columns)) + "}}")
    bodies["columns"] = (path, "application/json", len(columns[0]))
    path = f"{work}/memory-body-zeros.json"
    # Three columns of "0," are 6 bytes a row: as many rows as fit in 50 MiB.
    count = (LIMIT - 100) // 6
    with open(path, "w") as out:
        column = "[" + ",".join(["0"] * count) + "]"
        out.write('{"inputs":{"amount":' + column + ',"hour":' + column + ',"velocity":' + column + "}}")
    bodies["zeros"] = (path, "application/json", count)
    return bodies


def write_hostile_bodies(work):
    """The hostile bodies: name -> (path, label, rows they carry)."""
    bodies = {}

    def write(name, label, rows, parts):
        path = f"{work}/memory-hostile-{name}.json"
        with open(path, "w") as out:
            for part in parts:
                out.write(part)
        assert os.path.getsize(path) <= LIMIT, (name, os.path.getsize(path))
        bodies[name] = (path, label, rows)

    names = (LIMIT - 100) // 4
    write(
        "names",
        f"`dataframe_split` with {names:,} one-letter column names",
        0,
        ['{"dataframe_split":{"columns":[', '"a",' * names, '"amount","hour","velocity"],"data":[]}}'],
    )
    # 25 single-digit cells a row: 52 bytes; the three features last, as a pandas frame with extra columns has them.
    rows = 999_999
    data = ",".join(f"[{'0,' * 22}{i % 10},{i % 7},{i % 3}]" for i in range(rows))
    columns = ",".join([f'"c{i}"' for i in range(22)] + ['"amount"', '"hour"', '"velocity"'])
    write(
        "data-first",
        f"`dataframe_split`, `data` before `columns`: {rows:,} rows × 25 columns",
        rows,
        ['{"dataframe_split":{"data":[', data, '],"columns":[', columns, "]}}"],
    )
    del data
    zeros = (LIMIT - 100) // 2
    write(
        "wide-row",
        f"`dataframe_split`, `data` before `columns`: one row of {zeros:,} zeros",
        1,
        ['{"dataframe_split":{"data":[[', "0," * (zeros - 1) + "0", ']],"columns":["amount","hour","velocity"]}}'],
    )
    keys = ",".join(f'"k{i}":0' for i in range(10_000))
    record = "{" + keys + ',"amount":1,"hour":2,"velocity":3}'
    count = (LIMIT - 100) // (len(record) + 1)
    write(
        "keys",
        f"`dataframe_records`: {count:,} records of 10,000 keys that are not features",
        count,
        ['{"dataframe_records":[', ",".join([record] * count), "]}"],
    )
    rows = 1_000_000
    feature = "[" + "0," * (rows - 1) + "0]"
    other = (LIMIT - 100 - 3 * len(feature)) // (len(feature) + 12)
    unknown = "".join(f'"u{i}":{feature},' for i in range(other))
    write(
        "inputs",
        f"`inputs` as columns: 3 feature columns of {rows:,} zeros among {other} other columns",
        rows,
        ['{"inputs":{', unknown, f'"amount":{feature},"hour":{feature},"velocity":{feature}' + "}}"],
    )
    return bodies


def status(pid):
    values = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                values[key] = int(rest.split()[0]) * 1024
    return values


def group_pids(group):
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getpgid(int(entry)) == group:
                    pids.append(int(entry))
            except ProcessLookupError:
                pass
    return pids


class Server:
    """A server in a process group of its own, measured over all of the group's processes."""

    def __init__(self, name, argv, env, port, ready_path, log):
        self.name, self.port, self.ready_path = name, port, ready_path
        self.process = subprocess.Popen(argv, env=env, stdout=log, stderr=log, start_new_session=True)

    def wait_ready(self, timeout=180):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} exited before answering (see the logs in the work folder)")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", self.ready_path)
                if connection.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise SystemExit(f"{self.name} did not answer on port {self.port} within {timeout} s")

    def pids(self):
        return group_pids(self.process.pid)

    def resident(self):
        return sum(status(pid)["VmRSS"] for pid in self.pids())

    def reset_peaks(self):
        for pid in self.pids():
            with open(f"/proc/{pid}/clear_refs", "w") as f:
                f.write("5")

    def peak(self):
        return sum(status(pid)["VmHWM"] for pid in self.pids())

    def stop(self):
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def post(port, path, headers, body_path):
    """Sends the file as the body; returns the status and the bytes of the answer (read to the end).

    A server may answer a body it refuses before reading all of it and close the connection: the answer is read
    even when sending the rest failed."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1800)
    size = os.path.getsize(body_path)
    with open(body_path, "rb") as body:
        try:
            connection.request("POST", path, body=body, headers={**headers, "Content-Length": str(size)})
        except (BrokenPipeError, ConnectionResetError):
            pass
        response = connection.getresponse()
        received, tail = 0, b""
        while chunk := response.read(1 << 20):
            received += len(chunk)
            tail = (tail + chunk)[-200:]
    return response.status, received, tail


def measure(server, requests):
    """Runs the requests at once; the growth of the server's peak over its resident memory before them."""
    time.sleep(1)
    baseline = server.resident()
    server.reset_peaks()
    results = [None] * len(requests)
    started = time.time()

    def run(index, request):
        results[index] = post(*request)

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.time() - started
    return {"baseline": baseline, "growth": server.peak() - baseline, "seconds": elapsed, "results": results}


def main():
    work, today, nomaly_bin, token, model_uri = sys.argv[1:6]
    bodies = write_bodies(work, today)
    hostile = write_hostile_bodies(work)
    log = open(f"{work}/memory-servers.log", "ab")
    auth = {"Authorization": f"Bearer {token}"}

    def nomaly(max_rows):
        port = free_port()
        env = {**os.environ, "NOMALY_HTTP_PORT": str(port), "NOMALY_SCORING_MAX_ROWS": str(max_rows)}
        server = Server("nomaly serve", [nomaly_bin, "serve", "--no-scheduler"], env, port, "/ready", log)
        server.wait_ready()
        warm = post(port, "/api/v1/models/demo/score?alias=production", {**auth, "Content-Type": "text/csv"}, f"{work}/score-1000.csv")
        assert warm[0] == 200, warm
        return server

    def mlflow():
        port = free_port()
        env = {**os.environ, "MLFLOW_SCORING_SERVER_REQUEST_TIMEOUT": "1800"}
        argv = ["mlflow", "models", "serve", "-m", model_uri, "--env-manager", "local", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
        server = Server("mlflow models serve", argv, env, port, "/ping", log)
        server.wait_ready()
        warm = post(port, "/invocations", {"Content-Type": "text/csv"}, f"{work}/score-1000.csv")
        assert warm[0] == 200, warm
        return server

    cases = [
        ("JSON `dataframe_split`", ["json"]),
        ("JSON `inputs` as columns", ["columns"]),
        ("CSV", ["csv"]),
        ("two JSON `dataframe_split` at once", ["json", "json"]),
    ]
    lines = []
    for label, kinds in cases:
        sent = sum(os.path.getsize(bodies[k][0]) for k in kinds)
        rows = sum(bodies[k][2] for k in kinds)
        row = {"label": label, "sent": sent, "rows": rows}
        for side in ("nomaly", "mlflow"):
            server = nomaly(NOMALY_MAX_ROWS) if side == "nomaly" else mlflow()
            try:
                if side == "nomaly":
                    requests = [(server.port, "/api/v1/models/demo/score?alias=production", {**auth, "Content-Type": bodies[k][1]}, bodies[k][0]) for k in kinds]
                else:
                    requests = [(server.port, "/invocations", {"Content-Type": bodies[k][1]}, bodies[k][0]) for k in kinds]
                result = measure(server, requests)
            finally:
                server.stop()
            for (code, received, tail), kind in zip(result["results"], kinds):
                if code != 200:
                    raise SystemExit(f"{side} answered {code} to the {kind} body: {tail[-200:]!r}")
                if side == "nomaly" and not tail.endswith(b"}"):
                    raise SystemExit(f"nomaly's answer to the {kind} body is cut short: {tail!r}")
            row[side] = result
        lines.append(row)
        print(f"{label}: nomaly +{row['nomaly']['growth'] >> 20} MiB, mlflow +{row['mlflow']['growth'] >> 20} MiB", file=sys.stderr)

    # The row limit at its default: the issue's `inputs` of zeros, refused as soon as the limit is passed.
    server = nomaly(1_000_000)
    try:
        path, kind, count = bodies["zeros"]
        limited = measure(server, [(server.port, "/api/v1/models/demo/score?alias=production", {**auth, "Content-Type": kind}, path)])
    finally:
        server.stop()
    code, _, tail = limited["results"][0]
    if code != 413 or b"too_many_rows" not in tail:
        raise SystemExit(f"the row limit did not answer 413 too_many_rows: {code} {tail!r}")

    # Hostile bodies at the default limits, Nomaly alone: each must be answered, and within the goal.
    expected = {
        "names": (413, b"too_many_columns"),
        "data-first": (200, b"}"),
        "wide-row": (413, b"too_many_columns"),
        "keys": (200, b"}"),
        "inputs": (200, b"}"),
    }
    attacks = []
    for name, (path, label, rows) in hostile.items():
        server = nomaly(1_000_000)
        try:
            result = measure(server, [(server.port, "/api/v1/models/demo/score?alias=production", {**auth, "Content-Type": "application/json"}, path)])
        finally:
            server.stop()
        code, _, tail = result["results"][0]
        status, marker = expected[name]
        if code != status or marker not in tail:
            raise SystemExit(f"nomaly answered {code} to the hostile body {name}, expected {status}: {tail[-200:]!r}")
        answer = "200, scored" if code == 200 else f"{code} `{marker.decode()}`"
        attacks.append({"label": label, "sent": os.path.getsize(path), "answer": answer, **result})
        print(f"hostile {name}: {answer}, +{result['growth'] >> 20} MiB", file=sys.stderr)

    mib = lambda n: f"{n / (1 << 20):,.0f}"
    print()
    print("#### Scoring memory")
    print()
    print(
        "Growth of the server's peak resident memory (VmHWM over VmRSS before, summed over its processes; fresh servers "
        "for every case, warmed up with one small request) while it answers bodies of at most 50 MiB: "
        f"{bodies['json'][2]:,} rows of `amount,hour,velocity` as `dataframe_split` JSON, {bodies['columns'][2]:,} as `inputs` "
        f"columns, {bodies['csv'][2]:,} as CSV. Nomaly runs with "
        f"`NOMALY_SCORING_MAX_ROWS={NOMALY_MAX_ROWS}` so the bodies are scored, not refused; MLflow is "
        "`mlflow models serve --workers 1` with the same model. Goal from the issue: Nomaly's growth under 3× the bytes sent."
    )
    print()
    print("| body | rows | sent MiB | Nomaly growth MiB | × sent | s | MLflow growth MiB | × sent | s | MLflow ÷ Nomaly |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in lines:
        n, m = row["nomaly"], row["mlflow"]
        print(
            f"| {row['label']} | {row['rows']:,} | {mib(row['sent'])} | {mib(n['growth'])} | **{n['growth'] / row['sent']:.2f}×** | "
            f"{n['seconds']:.1f} | {mib(m['growth'])} | {m['growth'] / row['sent']:.2f}× | {m['seconds']:.1f} | "
            f"**{m['growth'] / max(n['growth'], 1):.1f}×** |"
        )
    print()
    print(
        "Hostile bodies (legal JSON built to make a parser hoard), Nomaly alone at the default limits "
        "(`NOMALY_SCORING_MAX_ROWS=1000000`, 100,000 columns, 64 KiB tokens), fresh servers, measured the same way:"
    )
    print()
    print("| body | sent MiB | answer | Nomaly growth MiB | × sent | s |")
    print("| --- | ---: | --- | ---: | ---: | ---: |")
    for attack in attacks:
        print(
            f"| {attack['label']} | {mib(attack['sent'])} | {attack['answer']} | {mib(attack['growth'])} | "
            f"**{attack['growth'] / attack['sent']:.2f}×** | {attack['seconds']:.1f} |"
        )
    print()
    worst = max(row["nomaly"]["growth"] / row["sent"] for row in lines)
    worst_attack = max(attack["growth"] / attack["sent"] for attack in attacks)
    print(f"- goal: growth under 3× the body: **{worst:.2f}×** at most ({'met' if worst < 3 else 'NOT met'})")
    print(f"- the same goal for the hostile bodies: **{worst_attack:.2f}×** at most ({'met' if worst_attack < 3 else 'NOT met'})")
    print(
        f"- row limit at its default (1,000,000): `{{\"inputs\": {{\"amount\": [0, 0, …], …}}}}`, {mib(os.path.getsize(bodies['zeros'][0]))} MiB "
        f"of three columns of `0` ({bodies['zeros'][2]:,} rows) is answered 413 `too_many_rows` after "
        f"{limited['seconds']:.1f} s with {mib(limited['growth'])} MiB of growth"
    )


if __name__ == "__main__":
    main()
