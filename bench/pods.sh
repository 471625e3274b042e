#!/usr/bin/env bash
# Side-by-side benchmark, one run: whole pods (loopback + bridge/host-local [+ portmap + bandwidth])
# through our runtime library with our plugins (dist/bin) and the reference plugins (/usr/lib/cni),
# per-plugin exec times, sequential setup/teardown, 50 pods at 2 and 8 workers. Prints the table
# and writes it into docs/benchmarks.md. All work happens in throwaway cni4jb-* namespaces.
# Usage: bench/pods.sh [runs] [pods]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
[ "$(id -u)" = 0 ] || { echo "error: the benchmark creates network namespaces: run it as root" >&2; exit 1; }
[ -x dist/bin/bridge ] && [ -f cni4j-bench/target/cni4j-bench-0.1.0-SNAPSHOT.jar ] || mvn -B -ntp -q -DskipTests install
impls=(--impl "cni4j=$PWD/dist/bin")
[ -S /run/cni4j/cni.sock ] && impls+=(--impl "cni4j-fastpath=$PWD/dist/bin")
impls+=(--impl "reference=/usr/lib/cni")
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "cni4j-bench/target/cni4j-bench-0.1.0-SNAPSHOT.jar:dist/lib/cli/*" \
  dev.cni4j.bench.PodBenchmark "${impls[@]}" --runs "${1:-20}" --pods "${2:-50}" --out docs/benchmarks.md
