#!/usr/bin/env bash
# Starts the local PostgreSQL cluster (Debian's pg_ctlcluster) and creates the test role and database if missing.
# Used by `npm test` (pretest) and .ci/run; skipped when TEST_DATABASE_URL points elsewhere.
set -euo pipefail
if [ -n "${TEST_DATABASE_URL:-}" ]; then exit 0; fi
if ! command -v pg_lsclusters >/dev/null; then
  echo "PostgreSQL is not installed: run 'bash scripts/setup.sh' (or set TEST_DATABASE_URL)" >&2
  exit 1
fi
read -r ver name _ < <(pg_lsclusters -h | head -1)
if [ -z "${ver:-}" ]; then
  echo "no PostgreSQL cluster found (pg_lsclusters is empty)" >&2
  exit 1
fi
if ! pg_lsclusters -h | awk '{print $4}' | head -1 | grep -q online; then
  pg_ctlcluster "$ver" "$name" start
fi
as_postgres() { if [ "$(id -u)" = 0 ]; then su postgres -c "$1"; else sudo -u postgres sh -c "$1"; fi; }
as_postgres "psql -tAc \"SELECT 1 FROM pg_roles WHERE rolname='outrigger'\"" | grep -q 1 \
  || as_postgres "psql -q -c \"CREATE ROLE outrigger LOGIN SUPERUSER PASSWORD 'outrigger'\""
as_postgres "psql -tAc \"SELECT 1 FROM pg_database WHERE datname='outrigger_test'\"" | grep -q 1 \
  || as_postgres "psql -q -c 'CREATE DATABASE outrigger_test OWNER outrigger'"
