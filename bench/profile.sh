#!/usr/bin/env bash
# Where the time of a fast-path pod setup and teardown goes: the pod chain of bench/pods.sh run
# in-process as the daemon runs it, each plugin call timed with its netlink round trips, nftables
# transactions and sysctls counted, plus the kernel floor (bare veth pair, ifb) measured the same
# way. Prints markdown tables (see docs/benchmarks.md). Throwaway cni4jb-* namespaces only.
# Usage: bench/profile.sh [runs] [extra FastPathProfile arguments, e.g. --exec-nft]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
[ "$(id -u)" = 0 ] || { echo "error: the profile creates network namespaces: run it as root" >&2; exit 1; }
[ -d cni4j-bench/target/classes/dev/cni4j/bench ] || mvn -B -ntp -q -pl cni4j-bench -am package -DskipTests
cp=""
for m in cni4j-core cni4j-linux cni4j-plugins cni4j-runtime cni4j-bench; do cp+="$m/target/classes:"; done
runs=${1:-30}
shift || true
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$cp" dev.cni4j.bench.FastPathProfile --runs "$runs" "$@"
