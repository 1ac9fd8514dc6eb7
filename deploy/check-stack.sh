#!/usr/bin/env bash
# Cross-checks the compose stack's files against each other, which no single tool does: every COPY of
# deploy/Dockerfile is in the build context left by .dockerignore (and no secret is), the Dockerfile's exec forms
# are JSON, Prometheus scrapes and alerts to compose services, Grafana's data source and dashboard folder match
# the compose mounts, and deploy/secrets/ keeps secrets out of git. Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/.."
for secret in postgres_password postgres_superuser_password tls/privkey.pem; do
  git check-ignore -q "deploy/secrets/$secret" || { echo "deploy/secrets/$secret is not ignored by git"; exit 1; }
done
if git check-ignore -q deploy/secrets/README.md; then
  echo "deploy/secrets/README.md is ignored by git"
  exit 1
fi
# Debian's python3-docker (a dependency of docker-compose) computes the build context as the engine would.
/usr/bin/python3 - <<'PY'
import json, os, re, sys, yaml
from docker.utils.build import exclude_paths

problems = []
dockerfile = open("deploy/Dockerfile").read().replace("\\\n", " ")
ignore = [line.strip() for line in open(".dockerignore") if line.strip() and not line.startswith("#")]
context = exclude_paths(".", ignore, dockerfile="deploy/Dockerfile")
for match in re.finditer(r"^COPY (?!--from)(\S+)", dockerfile, re.M):
    source = match.group(1)
    if not any(path == source or path.startswith(source + "/") for path in context):
        problems.append(f"Dockerfile: COPY {source} is excluded from the build context")
for secret in ("deploy/secrets/README.md", ".git/HEAD"):
    if secret in context:
        problems.append(f"{secret} would be sent to the Docker engine")
exec_forms = re.findall(r"^(HEALTHCHECK .*?CMD|ENTRYPOINT|CMD) (.*)$", dockerfile, re.M)
if len(exec_forms) != 3:
    problems.append(f"Dockerfile: expected HEALTHCHECK, ENTRYPOINT and CMD, found {len(exec_forms)}")
for instruction, value in exec_forms:
    try:
        json.loads(value)
    except ValueError as error:
        problems.append(f"Dockerfile: {instruction.split()[0]} is not a JSON list: {error}")

services = yaml.safe_load(open("deploy/docker-compose.production.yml"))["services"]
prometheus = yaml.safe_load(open("deploy/prometheus/prometheus.yml"))
for scrape in prometheus["scrape_configs"]:
    for discovery in scrape.get("dns_sd_configs", []):
        problems += [f"prometheus scrapes {name}, not a compose service" for name in discovery["names"] if name not in services]
for manager in prometheus["alerting"]["alertmanagers"]:
    for static in manager["static_configs"]:
        problems += [f"prometheus alerts to {target}, not a compose service" for target in static["targets"] if target.split(":")[0] not in services]
source = yaml.safe_load(open("deploy/grafana/provisioning/datasources/prometheus.yml"))["datasources"][0]
if source["url"].split("//")[1].split(":")[0] not in services:
    problems.append(f"grafana's data source {source['url']} is not a compose service")
provider = yaml.safe_load(open("deploy/grafana/provisioning/dashboards/nomaly.yml"))["providers"][0]
mounts = [volume.split(":")[1] for volume in services["grafana"]["volumes"] if volume.startswith("./grafana/nomaly.json:")]
if not mounts or os.path.dirname(mounts[0]) != provider["options"]["path"]:
    problems.append(f"the dashboard is mounted at {mounts}, but grafana's provider reads {provider['options']['path']}")
print("\n".join(problems), file=sys.stderr)
sys.exit(1 if problems else 0)
PY
echo "compose stack: ok"
