#!/bin/bash
# Times creating + deleting a veth pair into a pod namespace with cni4j-linux:
#   - from a fresh JVM per run (what a one-shot CNI plugin pays), wall clock and in-process,
#   - from a warm JVM (what a resident agent pays).
# Everything happens in two throwaway namespaces (cni4jt-<pid>-bench-node / -pod); the machine's
# own namespace is never touched. Needs root. Usage: bench/kernel-veth.sh [fresh-runs] [warm-iterations]
set -euo pipefail
RUNS=${1:-20}
WARM=${2:-500}
HERE=$(cd "$(dirname "$0")" && pwd)
MODULE=$(dirname "$HERE")
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA="$JAVA_HOME/bin/java"
JAR=$(ls "$MODULE"/target/cni4j-linux-*.jar 2>/dev/null | grep -v sources | head -1 || true)
if [ -z "$JAR" ]; then
  echo "build first: mvn -pl cni4j-linux -am install -DskipTests" >&2; exit 1
fi
WORK=$(mktemp -d /tmp/cni4j-bench.XXXXXX)
NODE=cni4jt-$$-bench-node
POD=cni4jt-$$-bench-pod
cleanup() { ip netns del "$POD" 2>/dev/null || true; ip netns del "$NODE" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
"$JAVA_HOME/bin/javac" -d "$WORK" -cp "$JAR" "$HERE/VethBench.java"
ip netns add "$NODE"
ip netns add "$POD"
ip netns exec "$NODE" ip link set lo up
JOPTS="--enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData -Xshare:auto"
CP="$JAR:$WORK"

echo "== fresh JVM, $RUNS runs ($($JAVA -version 2>&1 | head -1))"
walls=()
for i in $(seq "$RUNS"); do
  s=$(date +%s%N)
  out=$(ip netns exec "$NODE" "$JAVA" $JOPTS -cp "$CP" VethBench "/run/netns/$POD")
  e=$(date +%s%N)
  walls+=($(( (e - s) / 1000 )))
  [ "$i" -eq 1 ] && echo "   run 1: $out"
done
printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {printf "   wall clock incl. JVM start: median %.1f ms, min %.1f ms, max %.1f ms\n", a[int((NR+1)/2)]/1000, a[1]/1000, a[NR]/1000}'

echo "== warm JVM, $WARM iterations in one process"
ip netns exec "$NODE" "$JAVA" --enable-native-access=ALL-UNNAMED -XX:-UsePerfData -cp "$CP" VethBench "/run/netns/$POD" "$WARM" | sed 's/^/   /'

echo "== for comparison: ip(8) doing the same, $RUNS runs"
walls=()
for i in $(seq "$RUNS"); do
  s=$(date +%s%N)
  ip netns exec "$NODE" sh -c "ip link add vethbench0 type veth peer name eth0 netns $POD && ip link set vethbench0 up && ip -n $POD link set eth0 up && ip link del vethbench0"
  e=$(date +%s%N)
  walls+=($(( (e - s) / 1000 )))
done
printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {printf "   ip netns exec + 4 ip commands: median %.1f ms\n", a[int((NR+1)/2)]/1000}'
