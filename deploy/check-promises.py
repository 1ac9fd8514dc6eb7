#!/usr/bin/env python3
"""What the deployment files promise, checked against the files and Nomaly's own defaults: the values a schema
validator accepts either way. Run from anywhere; scripts/check-deploy runs it. Exits 1 listing every broken promise."""
import os
import re
import sys

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

# nginx: body limits equal to Nomaly's defaults (Sources/Config/HTTPSettings.swift).
settings = open("Sources/Config/HTTPSettings.swift").read()
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

print("\n".join(problems), file=sys.stderr)
sys.exit(1 if problems else 0)
