#!/usr/bin/env bash
# Memory of the fast path's process as pods accumulate: RSS idle, with N whole pods (loopback +
# bridge/host-local -> portmap -> bandwidth, one hostPort and a rate limit each, as bench/pods.sh
# makes them) and after their DEL, twice by default (what churn leaves behind), each reading 5 s
# after the burst, for
#   daemon  dist/bin/cni4j-daemon, exactly as the dist launches it;
#   agent   the node agent with the daemon inside (AgentMain run, with the JVM flags and
#           MALLOC_ARENA_MAX of the agent container in deploy/daemonset.yaml, on a runtime jlinked
#           like the image's), against
#           fabric8's mock API server (the demo's DemoApiServer) holding its Node.
# Each in a throwaway node namespace (cni4jb-<pid>-node) with the pods in cni4jb-<pid>-m*; every
# call goes through the launchers in dist/bin with CNI4J_FALLBACK=never (one not served fails).
# With NMT=1 the process also runs with -XX:NativeMemoryTracking=summary and each stage saves
# `jcmd VM.native_memory summary` and `GC.heap_info` under $DUMP (default /tmp/cni4j-memory).
# Extra JVM flags for the daemon: JAVA_TOOL_OPTIONS (the launcher's java reads it).
# Usage: bench/memory.sh [daemon|agent] [pods, default 300] [workers, default 4] [rounds, default 2]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh >/dev/null
[ "$(id -u)" = 0 ] || { echo "error: the benchmark creates network namespaces: run it as root" >&2; exit 1; }
mode=${1:-daemon}
pods=${2:-300}
workers=${3:-4}
rounds=${4:-2}
jar=cni4j-bench/target/cni4j-bench-0.1.0-SNAPSHOT.jar
agent_lib=cni4j-agent/target/agent-lib
api_cp_file=cni4j-agent/target/test-classpath
if [ ! -x dist/bin/cni4j-daemon ] || [ ! -f "$jar" ] || [ ! -d "$agent_lib" ] || [ ! -s "$api_cp_file" ]; then
  mvn -B -ntp -q -DskipTests package dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath
fi
tag=cni4jb-$$
node=$tag-node
work=$(mktemp -d /tmp/cni4j-memory.XXXXXX)
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  [ -z "${api:-}" ] || { kill "$api" 2>/dev/null || true; wait "$api" 2>/dev/null || true; }
  for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$tag-" || true); do ip netns del "$ns"; done
  rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$node"
ip -n "$node" link set lo up
nmt=()
jcmd_args=()
if [ "${NMT:-0}" = 1 ]; then
  nmt=(-XX:NativeMemoryTracking=summary)
  dump=${DUMP:-/tmp/cni4j-memory}/$mode
  rm -rf "$dump"
  jcmd_args=(--jcmd "$JAVA_HOME/bin/jcmd" --dump "$dump")
fi
socket=$work/run/cni.sock
subnet=10.244.0.0/16
case $mode in
  daemon)
    JAVA_TOOL_OPTIONS="${JAVA_TOOL_OPTIONS:-} ${nmt[*]}" nsenter --net=/run/netns/$node dist/bin/cni4j-daemon --socket "$socket" \
      >/dev/null 2>"$work/server.log" & server=$!
    ;;
  agent)
    # The image's runtime (cni4j-agent/image/build-image.sh): no CDS archive, as in the image.
    jre=cni4j-agent/target/memory-bench-jre
    [ -x "$jre/bin/java" ] || "$JAVA_HOME/bin/jlink" --add-modules java.base,java.desktop,java.net.http,java.sql,jdk.httpserver,jdk.net,jdk.unsupported \
      --strip-debug --no-man-pages --no-header-files --compress=zip-6 --output "$jre"
    # The flags between the java path and -cp of the agent container's command.
    read -r -a flags < <(sed -n '/name: agent$/,/"dev.cni4j.agent.AgentMain", "run"/p' deploy/daemonset.yaml \
      | grep -v '^ *#' | tr -d '\n' | grep -o '"/opt/cni4j/jre/bin/java".*"-cp"' | sed 's/"\/opt\/cni4j\/jre\/bin\/java",//; s/"-cp"//; s/[",]/ /g'; echo)
    [ "${#flags[@]}" -gt 0 ] || { echo "error: no JVM flags found for the agent in deploy/daemonset.yaml" >&2; exit 1; }
    arenas=$(grep -A1 'name: MALLOC_ARENA_MAX' deploy/daemonset.yaml | grep -o '"[0-9]*"' | tr -d '"' || true)
    subnet=10.244.0.0/22 # the Node's podCIDR, large enough for the pods
    ip -n "$node" link add eth0 type veth peer name eth0-peer # its underlay (no dummy module here)
    ip -n "$node" link set eth0-peer up
    ip -n "$node" addr add 192.168.50.1/24 dev eth0
    ip -n "$node" link set eth0 up
    api_cp="$PWD/cni4j-agent/target/test-classes:$PWD/cni4j-agent/target/classes:$(cat "$api_cp_file")"
    nsenter --net=/run/netns/$node "$JAVA_HOME/bin/java" -XX:+UseSerialGC -Xmx128m -cp "$api_cp" dev.cni4j.agent.DemoApiServer \
      127.0.0.1 0 "node1=$subnet,192.168.50.1" >"$work/api.out" 2>"$work/api.log" & api=$!
    for _ in $(seq 300); do [ -s "$work/api.out" ] && break; sleep 0.1; done
    [ -s "$work/api.out" ] || { echo "error: the API stand-in did not start" >&2; cat "$work/api.log" >&2; exit 1; }
    printf 'apiVersion: v1\nkind: Config\nclusters: [{name: b, cluster: {server: "%s"}}]\nusers: [{name: a, user: {}}]\ncontexts: [{name: b, context: {cluster: b, user: a}}]\ncurrent-context: b\n' \
      "$(head -1 "$work/api.out")" >"$work/kubeconfig"
    mkdir -p "$work/run" && chmod 0700 "$work/run"
    echo "agent JVM flags (deploy/daemonset.yaml): ${flags[*]}${arenas:+, MALLOC_ARENA_MAX=$arenas}" >&2
    nsenter --net=/run/netns/$node env KUBECONFIG="$work/kubeconfig" NODE_NAME=node1 CNI4J_BACKEND=host-gw \
      CNI4J_CLUSTER_CIDR=10.244.0.0/16 CNI4J_CONF_DIR="$work/net.d" CNI4J_BIN_DIR="$PWD/dist/bin" CNI4J_POD_CIDR_FILE="$work/podcidr" \
      CNI4J_HOST_LOCAL_DATA_DIR="$work/networks" CNI4J_FAST_PATH_SOCKET="$socket" CNI4J_HEALTH_ADDRESS=127.0.0.1:9876 \
      CNI4J_FIREWALL=nftables ${arenas:+MALLOC_ARENA_MAX=$arenas} "$jre/bin/java" "${flags[@]}" "${nmt[@]}" -cp "$PWD/$agent_lib/*" dev.cni4j.agent.AgentMain run \
      >/dev/null 2>"$work/server.log" & server=$!
    ;;
  *) echo "usage: bench/memory.sh [daemon|agent] [pods] [workers] [rounds]" >&2; exit 2 ;;
esac
t0=$(date +%s%N)
for _ in $(seq 1200); do [ -S "$socket" ] && break; sleep 0.1; done
[ -S "$socket" ] || { echo "error: $mode did not create $socket; its log:" >&2; tail -20 "$work/server.log" >&2; exit 1; }
echo "$mode serving after $(( ($(date +%s%N) - t0) / 1000000 )) ms (pid $server)" >&2
grep -m1 -o 'serving .*ready in [0-9]* ms\|"fast path serving".*' "$work/server.log" >&2 || true
sleep 2
CNI4J_SOCKET=$socket CNI4J_FALLBACK=never "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$jar:dist/lib/cli/*" \
  dev.cni4j.bench.MemoryBenchmark --node "/run/netns/$node" --pid "$server" --bin "$PWD/dist/bin" --pods "$pods" \
  --workers "$workers" --rounds "$rounds" --subnet "$subnet" --label "$mode${nmt:+ (NMT on)}" "${jcmd_args[@]}"
