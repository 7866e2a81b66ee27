#!/usr/bin/env bash
# The README's test command: installs what is missing (Debian packages, npm), then runs the whole suite (npm test:
# typecheck, lint, build, Vitest on SQLite and PostgreSQL with real interpreters in the real sandbox).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm test
