# Installs the Debian packages Nomaly builds and runs with, when they are missing.
# Sourced by scripts/run and scripts/test.

NOMALY_DEBIAN_PACKAGES=(libpq-dev libarchive-dev libcurl4-openssl-dev zlib1g-dev postgresql)

ensure_debian_packages() {
  local missing=()
  for package in "${NOMALY_DEBIAN_PACKAGES[@]}" "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing Debian packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
    return 1
  fi
  echo "installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # Nomaly runs its own PostgreSQL, and nginx, Prometheus and Alertmanager are only here to check deploy/:
  # policy-rc.d (exit 101) keeps Debian from starting their system services on :5432, :80, :9090 and :9093.
  local policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
  fi
  # A fresh machine has no package lists yet; update only when an install needs it.
  local status=0
  apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
    apt-get update -qq >/dev/null
    apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null
  } || status=$?
  [ -n "$policy" ] && rm -f "$policy"
  return $status
}

# The Postgres server programs live outside PATH on Debian.
postgres_bindir() {
  if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir
  else
    ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
  fi
}

# A TCP port nothing listens on now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
