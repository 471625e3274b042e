#!/usr/bin/env bash
# Runs every test: unit, privileged (real kernel, throwaway namespaces; skipped without root) and
# end to end (the packaged dist/bin plugins executed as a runtime would); then builds the node
# agent's container image without a Docker daemon or base image and checks it (chrooted).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
mvn -B -ntp install "$@"
mvn -B -ntp -Pimage verify -pl cni4j-agent
