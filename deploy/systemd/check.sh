#!/usr/bin/env bash
# Checks deploy/systemd/nomaly.service offline: `systemd-analyze verify` must print nothing (a misspelt setting is
# only a warning there, so any output fails), the hardening must keep its exposure score low, and the example
# environment file must parse as the shell-like file systemd reads. Run from anywhere.
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# verify wants ExecStart's program to exist; a stand-in keeps the check independent of an install.
printf '#!/bin/sh\n' >"$tmp/nomaly"
chmod 755 "$tmp/nomaly"
sed "s|/usr/local/bin/nomaly|$tmp/nomaly|g" deploy/systemd/nomaly.service >"$tmp/nomaly.service"
output=$(systemd-analyze verify "$tmp/nomaly.service" 2>&1) || { echo "$output"; exit 1; }
if [ -n "$output" ]; then
  echo "$output"
  exit 1
fi
# 0 is fully locked down, 10 fully exposed; the unit scores about 1.6. --threshold fails above 2.
systemd-analyze security --offline=true --threshold=20 "$tmp/nomaly.service" | tail -1
env -i sh -c 'set -a; . deploy/systemd/nomaly.env.example; [ -n "$DATABASE_URL" ]' || {
  echo "deploy/systemd/nomaly.env.example does not parse or sets no DATABASE_URL"
  exit 1
}
echo "deploy/systemd: ok"
