#!/usr/bin/env python3
"""What the deployment files promise, checked against the files and Nomaly's own defaults: the values a schema
validator accepts either way. Run from anywhere; scripts/check-deploy runs it. Exits 1 listing every broken promise."""
import ipaddress
import os
import re
import sys
from urllib.parse import parse_qs, urlsplit

import yaml

os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
problems = []


def expect(condition, message):
    if not condition:
        problems.append(message)


# Kubernetes: 3 replicas rolled without losing one, the guide's resources, liveness on /health, readiness on /ready.
deployment = yaml.safe_load(open("deploy/k8s/deployment.yaml"))
spec = deployment["spec"]
expect(spec["replicas"] == 3, f"k8s: replicas is {spec['replicas']}, not 3")
expect(spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0, "k8s: the rolling update may take a replica down")
container = next(c for c in spec["template"]["spec"]["containers"] if c["name"] == "nomaly")
resources = container["resources"]
expect(resources["requests"] == {"cpu": "500m", "memory": "1Gi"}, f"k8s: requests {resources['requests']} are not the guide's")
expect(resources["limits"] == {"cpu": "2000m", "memory": "4Gi"}, f"k8s: limits {resources['limits']} are not the guide's")
expect(container["livenessProbe"]["httpGet"]["path"] == "/health", "k8s: liveness is not on /health")
expect(container["readinessProbe"]["httpGet"]["path"] == "/ready", "k8s: readiness is not on /ready")
expect("--no-migrate" in container.get("args", []), "k8s: replicas migrate themselves; the migration Job should")
job = yaml.safe_load(open("deploy/k8s/migrate-job.yaml"))
job_args = job["spec"]["template"]["spec"]["containers"][0].get("args", [])
expect(job_args[:1] == ["migrate"], f"k8s: the migration Job runs {job_args}, not `nomaly migrate`")

# Kubernetes: only the ingress controller's range is a trusted proxy. Anything inside it may forge X-Forwarded-For,
# so a whole cluster network (10.0.0.0/8, a /16 pod CIDR) or "everything" breaks the promise; a controller's own
# pod range or a dedicated IP pool is a /24 or narrower (IPv6: a /64 or narrower).
config = yaml.safe_load(open("deploy/k8s/configmap.yaml"))["data"]
proxies = [entry.strip() for entry in config.get("NOMALY_TRUSTED_PROXIES", "").split(",") if entry.strip()]
expect(proxies, "k8s: NOMALY_TRUSTED_PROXIES is not set, so every client shares the ingress controller's address")
for entry in proxies:
    try:
        network = ipaddress.ip_network(entry, strict=False)
    except ValueError:
        problems.append(f"k8s: NOMALY_TRUSTED_PROXIES entry {entry!r} is not an address range")
        continue
    narrowest = 24 if network.version == 4 else 64
    expect(network.prefixlen >= narrowest, f"k8s: NOMALY_TRUSTED_PROXIES trusts {entry}, wider than an ingress controller's pods (/{narrowest})")

# Kubernetes: /metrics has a port of its own, the one Prometheus is told to scrape.
ports = {port["name"]: port["containerPort"] for port in container["ports"]}
metrics_port = int(config.get("NOMALY_METRICS_PORT", "0") or 0)
annotations = spec["template"]["metadata"].get("annotations", {})
expect(ports.get("http") == int(config.get("NOMALY_HTTP_PORT", "8080")), f"k8s: the container port http {ports.get('http')} is not NOMALY_HTTP_PORT")
expect(metrics_port and metrics_port != ports.get("http"), "k8s: NOMALY_METRICS_PORT is not set to a port of its own, so no policy can keep /metrics from the ingress")
expect(ports.get("metrics") == metrics_port, f"k8s: the container port metrics {ports.get('metrics')} is not NOMALY_METRICS_PORT {metrics_port}")
expect(annotations.get("prometheus.io/port") == str(metrics_port), f"k8s: Prometheus is told to scrape port {annotations.get('prometheus.io/port')}, not {metrics_port}")

# Kubernetes: a NetworkPolicy, applied with the rest, lets only the ingress controller reach the API port and only
# Prometheus the metrics port, and nothing reach anything else.
kustomization = yaml.safe_load(open("deploy/k8s/kustomization.yaml"))
policies = [
    (name, document)
    for name in kustomization["resources"]
    for document in yaml.safe_load_all(open(os.path.join("deploy/k8s", name)))
    if document and document.get("kind") == "NetworkPolicy"
]
expect(policies, "k8s: kustomization.yaml applies no NetworkPolicy")
pod_labels = spec["template"]["metadata"]["labels"]
admitted = {}
for name, policy in policies:
    selector = policy["spec"].get("podSelector", {}).get("matchLabels", {})
    if not selector.items() <= pod_labels.items():
        continue
    expect("Ingress" in policy["spec"].get("policyTypes", []), f"k8s: {name} does not restrict incoming connections")
    for rule in policy["spec"].get("ingress", []):
        sources = rule.get("from", [])
        labels = " ".join(
            f"{key}={value}"
            for source in sources
            for part in ("namespaceSelector", "podSelector")
            for key, value in (source.get(part) or {}).get("matchLabels", {}).items()
        )
        open_source = not sources or any("ipBlock" in source or not (source.get("podSelector") and source.get("namespaceSelector")) for source in sources)
        expect(not open_source, f"k8s: {name} admits a rule from {sources or 'anywhere'}, not named pods of a named namespace")
        expect(rule.get("ports"), f"k8s: {name} admits {labels} on every port")
        for port in rule.get("ports", []):
            admitted.setdefault(ports.get(port["port"], port["port"]), []).append(labels)
expect(set(admitted) <= {ports.get("http"), metrics_port}, f"k8s: the NetworkPolicy opens ports {sorted(admitted, key=str)}, not only the API's and the metrics'")
expect(
    len(admitted.get(ports.get("http"), [])) == 1 and "ingress" in admitted[ports.get("http")][0],
    f"k8s: the API port is admitted from {admitted.get(ports.get('http'))}, not from the ingress controller alone",
)
expect(
    len(admitted.get(metrics_port, [])) == 1 and "prometheus" in admitted[metrics_port][0],
    f"k8s: the metrics port is admitted from {admitted.get(metrics_port)}, not from Prometheus alone",
)

# Kubernetes: the database connection is TLS with the server's certificate and name checked against a CA mounted
# into every pod that connects (the server and the migration Job).
database = urlsplit(config["DATABASE_URL"])
query = {key: values[-1] for key, values in parse_qs(database.query).items()}
expect(query.get("sslmode") == "verify-full", f"k8s: DATABASE_URL has sslmode={query.get('sslmode')}, not verify-full")
root_cert = query.get("sslrootcert", "")
expect(root_cert.startswith("/"), "k8s: DATABASE_URL names no sslrootcert file")
for manifest, pod in (("deployment.yaml", spec["template"]["spec"]), ("migrate-job.yaml", job["spec"]["template"]["spec"])):
    volumes = {volume["name"]: volume for volume in pod.get("volumes", [])}
    mounted = False
    for mount in pod["containers"][0].get("volumeMounts", []):
        volume = volumes.get(mount["name"], {})
        source = volume.get("configMap") or volume.get("secret")
        if source is None or not root_cert.startswith(mount["mountPath"].rstrip("/") + "/"):
            continue
        file = root_cert[len(mount["mountPath"].rstrip("/")) + 1 :]
        items = source.get("items")
        mounted = items is None or any(item["path"] == file for item in items)
    expect(mounted, f"k8s: {manifest} mounts no ConfigMap or Secret holding {root_cert or 'the CA'}")

# nginx: body limits equal to Nomaly's defaults (Sources/AdminAPI/HTTPSettings.swift).
settings = open("Sources/AdminAPI/HTTPSettings.swift").read()
body_mib = int(re.search(r"bodyLimit: Int = (\d+) << 20", settings).group(1))
upload_mib = int(re.search(r"uploadLimit: Int64 = (\d+) << 20", settings).group(1))
nginx = open("deploy/nginx/nomaly.conf").read()
sizes = re.findall(r"client_max_body_size (\d+)m;", nginx)
expect(sizes == [str(body_mib), str(upload_mib)], f"nginx: client_max_body_size {sizes}, Nomaly takes {body_mib} MiB bodies and {upload_mib} MiB uploads")

# The image: not root, and a health check on /health.
dockerfile = open("deploy/Dockerfile").read()
users = re.findall(r"^USER (\S+)", dockerfile, re.M)
expect(users and users[-1].split(":")[0] not in ("0", "root"), f"Dockerfile: the image runs as {users[-1] if users else 'root'}")
expect(re.search(r"^HEALTHCHECK .*/health", dockerfile, re.M | re.S), "Dockerfile: no HEALTHCHECK on /health")

# Compose: secrets reach Nomaly as *_FILE, never as values.
compose = yaml.safe_load(open("deploy/docker-compose.production.yml"))
environment = compose["services"]["nomaly"]["environment"]
for name in ("POSTGRES_PASSWORD", "AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID"):
    expect(name not in environment and name + "_FILE" in environment, f"compose: {name} is not given as {name}_FILE")

# Compose: Nomaly's database role is not the image's superuser; an init script creates it NOSUPERUSER as the owner
# of its database (nomalyTests/DeploymentTests runs that script against a real server and Nomaly as the role).
postgres = compose["services"]["postgres"]
app_role = urlsplit(environment["DATABASE_URL"]).username
superuser = postgres["environment"].get("POSTGRES_USER", "postgres")
expect(app_role and app_role != superuser, f"compose: Nomaly connects as {app_role}, the image's superuser")
init_scripts = [
    os.path.normpath(os.path.join("deploy", volume.split(":")[0]))
    for volume in postgres.get("volumes", [])
    if ":/docker-entrypoint-initdb.d/" in volume
]
expect(init_scripts, "compose: no init script creates Nomaly's role")
for script in init_scripts:
    text = open(script).read() if os.path.exists(script) else ""
    roles = re.findall(r"^CREATE ROLE .*$", text, re.M)
    expect(roles and all("NOSUPERUSER" in role and "NOCREATEROLE" in role for role in roles), f"compose: {script} creates no role, or one that may be a superuser: {roles}")
    expect(re.search(r"^CREATE DATABASE \S+ OWNER ", text, re.M), f"compose: {script} does not make the role its database's owner")
    expect(re.search(r"NOMALY_DB_ROLE:-" + re.escape(app_role or "") + r"\}", text), f"compose: {script} does not create the role {app_role} by default")
    expect(os.access(script, os.X_OK), f"compose: {script} is not executable (the image would source it into its own shell)")

print("\n".join(problems), file=sys.stderr)
sys.exit(1 if problems else 0)
