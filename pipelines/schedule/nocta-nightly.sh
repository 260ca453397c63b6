#!/usr/bin/env bash
# The nightly intake and refresh: open and ingest what partners sent, then bring the pipeline
# up to date. flock makes sure two runs never overlap (a second start exits at once, code 75).
# Environment: NOCTA_PROJECT (the checkout, default: this script's repository), NOCTA_HOME,
# NOCTA_KEYS. Exit codes are the steps' own: 4 a package was refused, 3 an extract rejected,
# 1 a notebook failed (results/current is then yesterday's, untouched).
set -uo pipefail
project="${NOCTA_PROJECT:-$(cd "$(dirname "$0")/../.." && pwd)}"
export NOCTA_HOME="${NOCTA_HOME:-$project/var}"
nocta="$project/.venv/bin/nocta"
mkdir -p "$NOCTA_HOME"
exec 9>"$NOCTA_HOME/.nightly.lock"
if ! flock -n 9; then
  echo "nocta nightly: another run holds $NOCTA_HOME/.nightly.lock; not starting" >&2
  exit 75
fi
"$nocta" transfer receive
intake=$?
"$nocta" refresh --cores "${NOCTA_CORES:-$(nproc)}"
refresh=$?
if [ "$refresh" -ne 0 ]; then exit "$refresh"; fi
exit "$intake"
