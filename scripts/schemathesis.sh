#!/usr/bin/env bash
# Schemathesis against a real server (node bin/outrigger.js serve, sandbox off) once on SQLite and once on a fresh
# PostgreSQL database; fails on any failure. Needs `npm run build` and .venv-tools (scripts/setup.sh).
# SCHEMATHESIS_EXAMPLES bounds the examples per operation (default 10: both runs take a few minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."
ST=.venv-tools/bin/schemathesis
EXAMPLES="${SCHEMATHESIS_EXAMPLES:-10}"
PG_ADMIN_URL="${TEST_DATABASE_URL:-postgres://outrigger:outrigger@127.0.0.1:5432/outrigger_test}"
TOKEN="otr_schemathesis_$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')"
pids=(); dirs=(); dbs=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  for d in "${dirs[@]}"; do rm -rf "$d"; done
  for db in "${dbs[@]}"; do node -e "const pg=require('pg');const c=new pg.Client(process.argv[1]);c.connect().then(()=>c.query('DROP DATABASE IF EXISTS '+process.argv[2])).finally(()=>c.end())" "$PG_ADMIN_URL" "$db" || true; done
}
trap cleanup EXIT

run() { # run <label> <port> [DATABASE_URL]
  local label=$1 port=$2 url=${3:-} dir
  dir=$(mktemp -d); dirs+=("$dir")
  OUTRIGGER_ADMIN_TOKEN=$TOKEN OUTRIGGER_DATA_DIR=$dir OUTRIGGER_SANDBOX=off OUTRIGGER_SANDBOX_SPARES=0 PORT=$port HOST=127.0.0.1 \
    LOG_LEVEL=warn DATABASE_URL=$url node bin/outrigger.js serve >"$dir/server.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
  echo "== schemathesis on $label"
  "$ST" --config-file scripts/schemathesis.toml run "http://127.0.0.1:$port/api/openapi.json" \
    -H "Authorization: Bearer $TOKEN" \
    --phases examples,coverage,fuzzing,stateful --max-examples "$EXAMPLES" --seed 1 --workers 2 --no-shrink \
    --suppress-health-check all --warnings off || { echo "schemathesis failed on $label; server log:"; tail -50 "$dir/server.log"; return 1; }
}

run sqlite 18941
db="outrigger_st_$(od -An -tx1 -N6 /dev/urandom | tr -d ' \n')"; dbs+=("$db")
node -e "const pg=require('pg');const c=new pg.Client(process.argv[1]);c.connect().then(()=>c.query('CREATE DATABASE '+process.argv[2])).finally(()=>c.end())" "$PG_ADMIN_URL" "$db"
run postgres 18942 "${PG_ADMIN_URL%/*}/$db"
