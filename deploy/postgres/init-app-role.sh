#!/usr/bin/env bash
# Creates the role Nomaly connects as, and its database, when the postgres container initialises an empty volume
# (docker-compose.production.yml mounts this file into /docker-entrypoint-initdb.d; it never runs again after that).
#
# The role is not a superuser: it owns its database, which is everything Nomaly does needs — migrations (CREATE in
# the schema public, which PostgreSQL 15+ gives the database owner), pg_dump and pg_restore --clean of its own
# objects, VACUUM (ANALYZE) of its own tables. CREATEDB is for `nomaly backup verify --restore-test`, which restores
# into a scratch database and drops it again; revoke it (ALTER ROLE nomaly NOCREATEDB) if you never run that test.
# It cannot create roles, read other databases, replicate, bypass row security, or run programs on the server.
#
# Inputs (the defaults are compose's): POSTGRES_USER, the superuser the image created; NOMALY_DB_ROLE and
# NOMALY_DB_NAME (default nomaly); NOMALY_DB_PASSWORD_FILE (default /run/secrets/postgres_password), the app role's
# password, read by psql itself so that it never appears in a command line. libpq's PG* variables say where the
# server is (the image's init server listens on its socket only).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "$POSTGRES_USER" --dbname postgres \
  -v app_role="${NOMALY_DB_ROLE:-nomaly}" -v app_database="${NOMALY_DB_NAME:-nomaly}" \
  -v password_file="${NOMALY_DB_PASSWORD_FILE:-/run/secrets/postgres_password}" <<'SQL'
\set app_password `cat :'password_file'`
CREATE ROLE :"app_role" LOGIN NOSUPERUSER NOCREATEROLE CREATEDB NOREPLICATION NOBYPASSRLS PASSWORD :'app_password';
CREATE DATABASE :"app_database" OWNER :"app_role";
-- Only the owner (and superusers) may connect: PUBLIC gets CONNECT and TEMPORARY on new databases by default.
REVOKE ALL ON DATABASE :"app_database" FROM PUBLIC;
SQL
