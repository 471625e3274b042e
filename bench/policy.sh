#!/usr/bin/env bash
# NetworkPolicy (issue 13): what enforcement costs.
#  1. scale: the compiler fed a synthetic cluster (PODS pods, POLICIES policies, 110 pods on the
#     node; PolicyBench scale): compile and compile+diff time and thread CPU, then the full ruleset
#     loaded into a throwaway namespace's nft: its load time, rules, sets and elements. Repeated
#     with twice the pods and twice the policies, to show what the ruleset grows with.
#  2. latency: a real agent (networkPolicy=on) in a throwaway node namespace against fabric8's mock
#     API server holding BG_PODS pods and BG_POLICIES policies: API write to the rule in the
#     kernel (polled with nft list) for policy create, pod create and label change; p50/p99, and
#     the agent's policy thread CPU per applied transaction (PolicyBench latency).
#  3. packet cost: iperf3 TCP between two pods routed through a node namespace: no table, a
#     table that only turns conntrack on (as any node has it), and the PODS/POLICIES ruleset of 1
#     (both pods isolated both ways, their connection allowed by the last rules of their chains);
#     median of IPERF_RUNS alternated runs.
# Everything in throwaway namespaces (cni4jb-*), deleted at the end.
# Usage: bench/policy.sh [PODS POLICIES [LATENCY_RUNS BG_PODS BG_POLICIES [IPERF_RUNS]]]
# PARTS=13 bench/policy.sh ... runs only parts 1 and 3 (3 needs 1's ruleset).
set -euo pipefail
cd "$(dirname "$0")/.."
pods=${1:-10000} policies=${2:-1000} runs=${3:-50} bg_pods=${4:-10000} bg_policies=${5:-1000} iperf_runs=${6:-3}
. scripts/env.sh
[ "$(id -u)" = 0 ] || { echo "error: needs root (network namespaces)" >&2; exit 1; }
if [ ! -s cni4j-agent/target/test-classpath ] || [ ! -f cni4j-agent/target/test-classes/dev/cni4j/agent/PolicyBench.class ]; then
  mvn -B -ntp -q -DskipTests package dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath
fi
cp="$PWD/cni4j-agent/target/test-classes:$PWD/cni4j-agent/target/classes:$(cat cni4j-agent/target/test-classpath)"
bench() { "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -Xmx1g -Djava.io.tmpdir="$work" -cp "$cp" dev.cni4j.agent.PolicyBench "$@"; }
tag=cni4jb-$$
work=$(mktemp -d /tmp/$tag.XXXXXX)
cleanup() {
  for ns in $(ip netns list | awk '{print $1}' | grep "^$tag-" || true); do
    for p in $(ip netns pids "$ns"); do kill "$p" 2>/dev/null || true; done
    ip netns del "$ns"
  done
  rm -rf "$work"
}
trap cleanup EXIT
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) CPUs)"

echo "== 1. scale: compile, diff, ruleset"
ip netns add "$tag-nft"
counts() { # a loaded table: rules, sets, set elements, map elements
  local j; j=$(ip netns exec "$tag-nft" nft -j list table inet cni4j_policy)
  printf 'rules %s, sets %s, set elements %s, map elements %s' \
    "$(jq '[.nftables[] | select(.rule)] | length' <<<"$j")" "$(jq '[.nftables[] | select(.set)] | length' <<<"$j")" \
    "$(jq '[.nftables[] | select(.set) | .set.elem // [] | length] | add // 0' <<<"$j")" \
    "$(jq '[.nftables[] | select(.map) | .map.elem // [] | length] | add // 0' <<<"$j")"
}
for scale in "$pods $policies" "$((pods * 2)) $policies" "$pods $((policies * 2))"; do
  set -- $scale
  echo "-- $1 pods, $2 policies"
  bench scale "$work/s$1-$2" "$1" "$2" | sed 's/^/   /'
  t0=$(date +%s%N)
  ip netns exec "$tag-nft" nft -f "$work/s$1-$2/full.nft"
  echo "   loaded by nft -f in $(( ($(date +%s%N) - t0) / 1000000 )) ms: $(counts)"
done

if [[ ${PARTS:-123} == *2* ]]; then
echo "== 2. latency: API write to the rule in the kernel ($bg_pods pods, $bg_policies policies in the API)"
bench latency "$runs" "$bg_pods" "$bg_policies" 2>"$work/latency.log" | grep -v '^{"ts' | sed 's/^/   /'
fi
[[ ${PARTS:-123} == *3* ]] || exit 0

echo "== 3. packet cost: iperf3 pod -> pod through the node's forward hook ($iperf_runs runs of 5 s each way)"
node=$tag-node
ip netns add "$node"; ip netns add "$tag-server"; ip netns add "$tag-client"
ip netns exec "$node" sysctl -qw net.ipv4.ip_forward=1
for p in server:10.244.1.2 client:10.244.1.3; do
  name=${p%%:*} ip=${p#*:}
  ip -n "$tag-$name" link set lo up
  ip link add "v$name" netns "$node" type veth peer name eth0 netns "$tag-$name"
  ip -n "$node" addr add 10.244.1.1/32 dev "v$name"
  ip -n "$node" link set "v$name" up
  ip -n "$node" route add "$ip/32" dev "v$name"
  ip -n "$tag-$name" addr add "$ip/32" dev eth0
  ip -n "$tag-$name" link set eth0 up
  ip -n "$tag-$name" route add 10.244.1.1/32 dev eth0
  ip -n "$tag-$name" route add default via 10.244.1.1
done
ip netns exec "$tag-server" iperf3 -s -D >/dev/null
sleep 0.5
rate() { ip netns exec "$tag-client" iperf3 -c 10.244.1.2 -t 5 -O 1 -f m 2>/dev/null | awk '/receiver/ {print $(NF-2)}'; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
# Without any table the node namespace has no conntrack; a node always has it (kube-proxy, the
# masquerade rules), so the baseline that counts loads a one-rule table that turns it on.
conntrack_only=$'table inet cni4jb_ct {\n chain forward {\n  type filter hook forward priority 10; policy accept;\n  ct state established,related accept\n }\n}'
bare=() ct=() with=()
for i in $(seq "$iperf_runs"); do
  ip netns exec "$node" nft flush ruleset
  bare+=("$(rate)")
  ip netns exec "$node" nft -f - <<<"$conntrack_only"
  ct+=("$(rate)")
  ip netns exec "$node" nft -f "$work/s$pods-$policies/full.nft"
  with+=("$(rate)")
done
chain=$(ip netns exec "$node" nft list map inet cni4j_policy ingress_v4 | grep -o '10.244.1.2 : jump [a-z0-9_]*' | awk '{print $4}')
echo "   the server's ingress chain $chain: $(ip netns exec "$node" nft list chain inet cni4j_policy "$chain" | grep -c accept) accept rules (a new connection's first packet only)"
b=$(printf '%s\n' "${bare[@]}" | median) c=$(printf '%s\n' "${ct[@]}" | median) w=$(printf '%s\n' "${with[@]}" | median)
echo "   no table at all (no conntrack): ${bare[*]} Mbit/s (median $b)"
echo "   conntrack on, no policy:         ${ct[*]} Mbit/s (median $c)"
echo "   $pods pods / $policies policies:   ${with[*]} Mbit/s (median $w)"
awk -v b="$b" -v c="$c" -v w="$w" 'BEGIN { printf "   ratio with policies: %.3f of conntrack-only, %.3f of no table\n", w / c, w / b }'
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
