#!/usr/bin/env bash
# The README's first command: set up, then start the server on SQLite with the demo ERP and demo executors.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The demo executors call the built-in demo ERP on this machine's loopback, which egress rules refuse
# unless an administrator allows the range; the demo allows exactly 127.0.0.1.
export OUTRIGGER_EGRESS_ALLOW_CIDRS="${OUTRIGGER_EGRESS_ALLOW_CIDRS:-127.0.0.1/32}"
exec node bin/outrigger.js serve --demo "$@"
