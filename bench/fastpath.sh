#!/usr/bin/env bash
# Median wall time of one plugin exec through the fast path (dist/bin launcher -> cni4j-daemon),
# standalone (the same launcher with no daemon: a JVM per exec) and the reference plugins in
# /usr/lib/cni: loopback VERSION and ADD, bridge + host-local ADD and DEL.
# Everything runs in throwaway namespaces (cni4jb-*) entered with nsenter --net only (not
# `ip netns exec`, whose private mount namespace the daemon would decline), deleted at the end.
# Usage: bench/fastpath.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}

if [ -z "${CNI4JB_IN_NODE:-}" ]; then
  . scripts/env.sh
  [ -x dist/bin/cni4j-daemon ] || mvn -B -ntp -q -DskipTests install
  tag=cni4jb-$$
  work=/tmp/$tag
  mkdir -p "$work"
  cleanup() {
    [ -f "$work/daemon.pid" ] && kill "$(cat "$work/daemon.pid")" 2>/dev/null && sleep 0.5
    for ns in $(ip netns list | awk '{print $1}' | grep "^$tag-" || true); do ip netns del "$ns"; done
    [ -n "${CNI4JB_KEEP_LOG:-}" ] && cp "$work/daemon.log" "$CNI4JB_KEEP_LOG"
    rm -rf "$work"
  }
  trap cleanup EXIT
  ip netns add "$tag-node"
  for i in $(seq "$runs"); do ip netns add "$tag-p$i"; done
  nsenter --net="/run/netns/$tag-node" ip link set lo up
  # The daemon serves its own network namespace: start it inside the node.
  nsenter --net="/run/netns/$tag-node" dist/bin/cni4j-daemon --socket "$work/d/cni.sock" --warm-up-in-namespaces >"$work/daemon.log" 2>&1 &
  echo $! >"$work/daemon.pid"
  for _ in $(seq 300); do grep -q serving "$work/daemon.log" 2>/dev/null && break; sleep 0.1; done
  grep -q serving "$work/daemon.log" || { cat "$work/daemon.log"; exit 1; }
  CNI4JB_IN_NODE=1 CNI4JB_TAG=$tag CNI4JB_WORK=$work nsenter --net="/run/netns/$tag-node" "$0" "$runs"
  echo "daemon: $(grep -c ' served ' "$work/daemon.log") calls served, $(grep -c declined "$work/daemon.log" || true) declined"
  exit 0
fi

# --- inside the node namespace ---
tag=$CNI4JB_TAG
work=$CNI4JB_WORK
sock=$work/d/cni.sock
export CNI_PATH CNI_CONTAINERID CNI_NETNS CNI_IFNAME CNI4J_SOCKET CNI4J_FALLBACK
us() { echo "${EPOCHREALTIME/./}"; }
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m/1000}'; }

# mode -> how the plugin is run: fast (daemon, never fall back), standalone (no daemon), reference
setup_mode() {
  case $1 in
    fast) bin=$PWD/dist/bin; CNI4J_SOCKET=$sock; CNI4J_FALLBACK=never ;;
    standalone) bin=$PWD/dist/bin; CNI4J_SOCKET=""; CNI4J_FALLBACK="" ;;
    reference) bin=/usr/lib/cni; CNI4J_SOCKET=""; CNI4J_FALLBACK="" ;;
  esac
  CNI_PATH=$bin
}

loopback_version() {
  for _ in $(seq "$runs"); do
    t0=$(us); CNI_COMMAND=VERSION "$bin/loopback" <<<'{"cniVersion":"1.1.0"}' >/dev/null; t1=$(us); echo $((t1 - t0))
  done | median
}

loopback_add() {
  local conf='{"cniVersion":"1.0.0","name":"bench-lo","type":"loopback"}'
  for i in $(seq "$runs"); do
    CNI_CONTAINERID=lo$i CNI_NETNS=/run/netns/$tag-p$i CNI_IFNAME=lo
    t0=$(us); CNI_COMMAND=ADD "$bin/loopback" <<<"$conf" >/dev/null; t1=$(us); echo $((t1 - t0))
    CNI_COMMAND=DEL "$bin/loopback" <<<"$conf" >/dev/null
  done | median
}

bridge_add_del() { # mode index: prints "add-median del-median"
  local n=$1 conf prev adds=() dels=()
  conf='{"cniVersion":"1.0.0","name":"bench'$n'","type":"bridge","bridge":"cni4jb'$n'","isGateway":true,"ipMasq":true,'
  conf+='"ipam":{"type":"host-local","dataDir":"'$work'/ipam","ranges":[[{"subnet":"10.244.'$((90 + n))'.0/24"}]]}}'
  for i in $(seq "$runs"); do
    CNI_CONTAINERID=br$i CNI_NETNS=/run/netns/$tag-p$i CNI_IFNAME=eth0
    t0=$(us); prev=$(CNI_COMMAND=ADD "$bin/bridge" <<<"$conf"); t1=$(us); adds+=($((t1 - t0)))
    [[ $prev == *'"ips"'* ]] || { echo "bridge ADD failed: $prev" >&2; exit 1; }
    t0=$(us); CNI_COMMAND=DEL "$bin/bridge" <<<"${conf%\}},\"prevResult\":$prev}" >/dev/null; t1=$(us); dels+=($((t1 - t0)))
  done
  echo "$(printf '%s\n' "${adds[@]}" | median) $(printf '%s\n' "${dels[@]}" | median)"
}

declare -A r
n=0
for mode in fast standalone reference; do
  setup_mode "$mode"
  "$bin/loopback" </dev/null >/dev/null 2>&1 || true # page cache warm
  r[$mode,version]=$(loopback_version)
  r[$mode,add]=$(loopback_add)
  read -r r[$mode,badd] r[$mode,bdel] < <(bridge_add_del $n)
  n=$((n + 1))
done

printf '\nmedian wall ms over %d runs (one exec each)   %10s %12s %10s\n' "$runs" "fast path" "standalone" "reference"
for op in "version:loopback VERSION" "add:loopback ADD" "badd:bridge+host-local ADD" "bdel:bridge+host-local DEL"; do
  k=${op%%:*}
  printf '%-44s %10s %12s %10s\n' "${op#*:}" "${r[fast,$k]}" "${r[standalone,$k]}" "${r[reference,$k]}"
done
