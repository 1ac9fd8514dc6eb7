# A throwaway PostgreSQL cluster for tests and benchmarks. Sourced after packages.sh.

pg_bindir=""
pg_port=""
# A command prefix for the server's tools: as root they run as the postgres user, because initdb refuses root.
pg_run_as=()

# start_scratch_postgres FOLDER [SETTING…]: initdb FOLDER/data (user nomaly, trust authentication, no fsync of the
# initial files), then start it listening on a free 127.0.0.1 port with its socket in FOLDER and its log in
# FOLDER/server.log. Each SETTING (`max_connections=300`) becomes a `-c`. Sets pg_bindir, pg_port and pg_run_as.
start_scratch_postgres() {
  local folder=$1
  shift
  mkdir -p "$folder"
  pg_bindir=$(postgres_bindir)
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres: "$folder"
    pg_run_as=(runuser -u postgres --)
  fi
  pg_port=$(free_port)
  "${pg_run_as[@]}" "$pg_bindir/initdb" -D "$folder/data" -U nomaly --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
  local options="-c listen_addresses=127.0.0.1 -p $pg_port -c unix_socket_directories='$folder'"
  local setting
  for setting in "$@"; do options+=" -c $setting"; done
  "${pg_run_as[@]}" "$pg_bindir/pg_ctl" start -D "$folder/data" -l "$folder/server.log" -w -s -o "$options" >/dev/null
}

# stop_scratch_postgres FOLDER [MODE]: stops it (fast by default; `immediate` skips the shutdown checkpoint).
# Safe to call when it never started.
stop_scratch_postgres() {
  [ -n "$pg_bindir" ] || return 0
  "${pg_run_as[@]}" "$pg_bindir/pg_ctl" stop -D "$1/data" -m "${2:-fast}" -w -s >/dev/null 2>&1 || true
}
