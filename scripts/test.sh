#!/usr/bin/env bash
# Runs every test: unit, privileged (real kernel, throwaway namespaces; skipped without root) and
# end to end (the packaged dist/bin plugins executed as a runtime would).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
mvn -B -ntp install "$@"
