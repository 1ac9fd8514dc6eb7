#!/usr/bin/env bash
# Validates deploy/k8s offline: every manifest against the Kubernetes 1.30 schemas with unknown fields refused
# (kubernetes-validate carries the schemas), the kustomize build when kubectl is installed, and the example
# ConfigMaps against the repository's jobs/*.yaml and registry/*.yaml, so they never drift apart.
# Run from anywhere; scripts/check-deploy runs it.
set -euo pipefail
cd "$(dirname "$0")/../.."
k8s=deploy/k8s
mapfile -t manifests < <(ls "$k8s"/*.yaml | grep -v '/kustomization\.yaml$')
kubernetes-validate --strict --kubernetes-version 1.30.0 --quiet "${manifests[@]}"
if command -v kubectl >/dev/null; then
  kubectl kustomize "$k8s" | kubernetes-validate --strict --kubernetes-version 1.30.0 --quiet -
else
  echo "kubectl is not installed: the kustomize build was not checked (each manifest was)" >&2
fi
python3 - "$k8s" <<'PY'
import glob, os, sys, yaml
k8s, failed = sys.argv[1], False
for configmap, pattern in [("configmap-jobs.yaml", "jobs/*.yaml"), ("configmap-registry.yaml", "registry/*.yaml")]:
    data = yaml.safe_load(open(os.path.join(k8s, configmap)))["data"]
    files = {os.path.basename(p): open(p).read() for p in glob.glob(pattern)}
    for key in sorted(set(data) | set(files)):
        if data.get(key) != files.get(key):
            failed = True
            where = "missing from the ConfigMap" if key not in data else "not in " + pattern if key not in files else "differs"
            print(f"{k8s}/{configmap}: {key} {where}; copy it over", file=sys.stderr)
sys.exit(1 if failed else 0)
PY
echo "deploy/k8s: ok"
