#!/usr/bin/env bash
# Side-by-side benchmark, one run: whole pods (loopback + bridge/host-local -> portmap -> bandwidth)
# through our runtime library, for our plugins standalone (a JVM per exec), our plugins through the
# fast path (the node daemon) and the reference plugins (/usr/lib/cni): per-plugin exec times,
# sequential setup/teardown, 50 pods at 2 and 8 workers, portmap ADD with 0/100/300 hostPort pods
# on the node, the daemon's memory; then each plugin's peak memory; then the containerd column:
# RunPodSandbox through containerd 1.6's CRI for the three, interleaved in one run (the e2e
# module's ContainerdPodBenchmark; skipped when containerd is not installed). Prints the tables and
# writes them into docs/benchmarks.md. All work happens in throwaway cni4jb-*/cni4jt-* namespaces.
# Usage: bench/pods.sh [sequential-pods] [concurrent-pods] [scale-levels, e.g. 0,100,300] [containerd-pods, 0 skips]
#        bench/pods.sh standalone [sequential-pods]   # only standalone vs reference, sequential pods with
#                                                    # the CPU time per exec; prints, does not touch the docs
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
[ "$(id -u)" = 0 ] || { echo "error: the benchmark creates network namespaces: run it as root" >&2; exit 1; }
jar=cni4j-bench/target/cni4j-bench-0.1.0-SNAPSHOT.jar
[ -x dist/bin/bridge ] && [ -f "$jar" ] || mvn -B -ntp -q -DskipTests install
work=$(mktemp -d /tmp/cni4j-bench.XXXXXX)
trap 'rm -rf "$work"; for ns in $(ip netns list | awk "{print \$1}" | grep "^cni4jb-$$" || true); do ip netns del "$ns"; done' EXIT
# The launchers look for the daemon here; it exists only while the fast-path column is measured.
export CNI4J_SOCKET=$work/run/cni.sock
if [ "${1:-}" = standalone ]; then
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$jar:dist/lib/cli/*" dev.cni4j.bench.PodBenchmark \
    --impl "cni4j-standalone=$PWD/dist/bin" --impl "reference=/usr/lib/cni" --runs "${2:-20}" --pods 0 --scale ""
  exit 0
fi
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$jar:dist/lib/cli/*" dev.cni4j.bench.PodBenchmark \
  --impl "cni4j-standalone=$PWD/dist/bin" --impl "cni4j-fastpath=$PWD/dist/bin" --impl "reference=/usr/lib/cni" \
  --runs "${1:-20}" --pods "${2:-50}" --scale "${3:-0,100,300}" --out docs/benchmarks.md

# Peak memory (max RSS, GNU time) of one plugin process, standalone vs reference, as the baseline
# measured it: loopback ADD and a bridge ADD (with its host-local) in throwaway namespaces.
node=cni4jb-$$-mem
ip netns add "$node"; ip -n "$node" link set lo up
peak() { # bin-dir plugin command netns ifname conf
  local dir=$1 type=$2 cmd=$3 ns=$4 ifname=$5 conf=$6
  CNI4J_SOCKET= CNI_COMMAND=$cmd CNI_CONTAINERID=mem$$ CNI_NETNS=$ns CNI_IFNAME=$ifname CNI_PATH=$dir \
    nsenter --net=/run/netns/$node /usr/bin/time -f %M "$dir/$type" <<<"$conf" 2>&1 >/dev/null | tail -1
}
table="| plugin process | cni4j standalone peak RSS (MiB) | reference peak RSS (MiB) |
|---|---|---|"
for impl in "$PWD/dist/bin" /usr/lib/cni; do
  pod=cni4jb-$$-m$RANDOM; ip netns add "$pod"
  lo=$(peak "$impl" loopback ADD /run/netns/$pod lo '{"cniVersion":"1.0.0","name":"m","type":"loopback"}')
  conf='{"cniVersion":"1.0.0","name":"m","type":"bridge","bridge":"mem0","isGateway":true,"ipam":{"type":"host-local","dataDir":"'$work'/ipam","ranges":[[{"subnet":"10.99.0.0/24"}]]}}'
  br=$(peak "$impl" bridge ADD /run/netns/$pod eth0 "$conf")
  peak "$impl" bridge DEL /run/netns/$pod eth0 "$conf" >/dev/null
  ip netns del "$pod"
  rss+=("$lo" "$br")
done
mib() { awk -v k="$1" 'BEGIN{printf "%.1f", k/1024}'; }
table+="
| loopback ADD | $(mib "${rss[0]}") | $(mib "${rss[2]}") |
| bridge ADD (with host-local) | $(mib "${rss[1]}") | $(mib "${rss[3]}") |"
ip netns del "$node"
echo; echo "$table"
"$JAVA_HOME/bin/java" -cp "$jar" dev.cni4j.bench.Report --append docs/benchmarks.md "$table"

# containerd: the CRI client and the containerd harness live in the e2e module's test sources.
if [ "${4:-20}" != 0 ]; then
  rm -f cni4j-e2e/target/containerd-bench.md
  mvn -B -ntp -q -pl cni4j-e2e -am verify -Dtest=ContainerdPodBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
    -Dcni4j.bench.containerd="${4:-20}" | grep -v '^\[INFO\]' || true
  if [ -f cni4j-e2e/target/containerd-bench.md ]; then
    "$JAVA_HOME/bin/java" -cp "$jar" dev.cni4j.bench.Report --append docs/benchmarks.md "$(cat cni4j-e2e/target/containerd-bench.md)"
  fi
fi
