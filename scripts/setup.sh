#!/usr/bin/env bash
# Installs everything Outrigger and its tests need on a fresh Debian machine, then builds the project.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
# composer + php-curl/zip/mbstring/unzip: PHP dependency builds (Composer downloads with curl, unpacks zips) and curl
# for PHP executors; php-guzzlehttp-guzzle only lets the egress tests use Guzzle when packagist is unreachable;
# python3-venv: the venv of the MCP conformance test (below); chromium: the console's browser tests (test/console/).
PKGS="postgresql php-cli bubblewrap composer php-curl php-zip php-mbstring unzip php-guzzlehttp-guzzle python3-venv chromium"
missing=""
for p in $PKGS; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"; done
if [ -n "$missing" ]; then
  echo "installing Debian packages:$missing"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q $missing
fi
# npm ci wipes and reinstalls (better-sqlite3 compiles for a minute); skip it when node_modules matches the lock file.
if ! cmp -s package-lock.json node_modules/.outrigger-installed-lock 2>/dev/null; then
  npm ci --no-audit --no-fund
  cp package-lock.json node_modules/.outrigger-installed-lock
fi
# The web console (console/) has its own packages, installed the same way; `npm run build` builds it.
if ! cmp -s console/package-lock.json console/node_modules/.outrigger-installed-lock 2>/dev/null; then
  npm --prefix console ci --no-audit --no-fund
  cp console/package-lock.json console/node_modules/.outrigger-installed-lock
fi
# The MCP conformance test (test/protocols/mcp.test.ts) drives /mcp with the official Python SDK: it lives in a
# project-local venv (.venv-tools, gitignored), created or brought to the pinned version only when needed.
MCP_PY_VERSION=2.3.0
if ! .venv-tools/bin/python -c "import importlib.metadata as m, sys; sys.exit(m.version('mcp') != '$MCP_PY_VERSION')" 2>/dev/null; then
  python3 -m venv .venv-tools
  .venv-tools/bin/pip install -q --disable-pip-version-check "mcp==$MCP_PY_VERSION"
fi
# Schemathesis (scripts/schemathesis.sh, run by .ci/run after the tests) lives in the same venv, pinned the same way.
SCHEMATHESIS_VERSION=4.32.5
if ! .venv-tools/bin/python -c "import importlib.metadata as m, sys; sys.exit(m.version('schemathesis') != '$SCHEMATHESIS_VERSION')" 2>/dev/null; then
  [ -x .venv-tools/bin/pip ] || python3 -m venv .venv-tools
  .venv-tools/bin/pip install -q --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
# mypy (test/cli/init.test.ts checks a Python handler against the SDK stubs a fresh `pip install sdk/python` ships).
MYPY_VERSION=2.4.1
if ! .venv-tools/bin/python -c "import importlib.metadata as m, sys; sys.exit(m.version('mypy') != '$MYPY_VERSION')" 2>/dev/null; then
  [ -x .venv-tools/bin/pip ] || python3 -m venv .venv-tools
  .venv-tools/bin/pip install -q --disable-pip-version-check "mypy==$MYPY_VERSION"
fi
npm run build
