#!/usr/bin/env bash
# nft in the node daemon: exec'd (--exec-nft) against libnftables in-process. Per run: bridge ADD
# (host-local, ipMasq and macspoofchk: both nftables), portmap ADD (nftables backend, two
# hostPorts), then their DELs, through the fast path (launcher -> daemon, never falling back).
# Prints median wall ms per call as the launcher sees it and as the daemon logs it (its own time).
# Everything in throwaway namespaces (cni4jb-*), entered with nsenter --net only, deleted at the end.
# The UDP hostPort makes portmap run conntrack (a fork) as well; CNI4JB_UDP=0 maps TCP only.
# Usage: bench/nft-fastpath.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
. scripts/env.sh
[ -x dist/bin/cni4j-daemon ] || mvn -B -ntp -q -DskipTests install
tag=cni4jb-$$
work=/tmp/$tag
mkdir -p "$work"
cleanup() {
  [ -f "$work/daemon.pid" ] && kill "$(cat "$work/daemon.pid")" 2>/dev/null && sleep 0.5
  for ns in $(ip netns list | awk '{print $1}' | grep "^$tag-" || true); do ip netns del "$ns"; done
  rm -rf "$work"
}
trap cleanup EXIT
us() { echo "${EPOCHREALTIME/./}"; }
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m/1000}'; }
dmedian() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f", m}'; }

measure() { # label daemon-args...
  local label=$1; shift
  local node=$tag-node-$label
  ip netns add "$node"; ip -n "$node" link set lo up
  for i in $(seq "$runs"); do ip netns add "$tag-$label-p$i"; done
  rm -f "$work/daemon.log"
  nsenter --net="/run/netns/$node" dist/bin/cni4j-daemon --socket "$work/$label/cni.sock" "$@" >"$work/daemon.log" 2>&1 &
  echo $! >"$work/daemon.pid"
  for _ in $(seq 300); do grep -q serving "$work/daemon.log" 2>/dev/null && break; sleep 0.1; done
  grep serving "$work/daemon.log" >&2
  local b=() p=() pd=() bd=() udp=""
  export CNI_PATH=$PWD/dist/bin CNI4J_SOCKET=$work/$label/cni.sock CNI4J_FALLBACK=never CNI_IFNAME=eth0
  local conf='{"cniVersion":"1.0.0","name":"bench","type":"bridge","bridge":"cni4jb0","isGateway":true,"ipMasq":true,"macspoofchk":true,'
  conf+='"ipam":{"type":"host-local","dataDir":"'$work/$label'/ipam","ranges":[[{"subnet":"10.244.90.0/24"}]]}}'
  for i in $(seq "$runs"); do
    export CNI_CONTAINERID=pod$i CNI_NETNS=/run/netns/$tag-$label-p$i
    local t0 t1 prev pm
    t0=$(us); prev=$(CNI_COMMAND=ADD nsenter --net="/run/netns/$node" dist/bin/bridge <<<"$conf"); t1=$(us); b+=($((t1 - t0)))
    [[ $prev == *'"ips"'* ]] || { echo "bridge ADD failed: $prev" >&2; exit 1; }
    [ "${CNI4JB_UDP:-1}" = 0 ] || udp=',{"hostPort":'$((30000 + i))',"containerPort":53,"protocol":"udp"}'
    pm='{"cniVersion":"1.0.0","name":"bench","type":"portmap","backend":"nftables","capabilities":{"portMappings":true},'
    pm+='"runtimeConfig":{"portMappings":[{"hostPort":'$((20000 + i))',"containerPort":80,"protocol":"tcp"}'"$udp"']},"prevResult":'$prev'}'
    t0=$(us); out=$(CNI_COMMAND=ADD nsenter --net="/run/netns/$node" dist/bin/portmap <<<"$pm"); t1=$(us); p+=($((t1 - t0)))
    [[ $out == *'"ips"'* ]] || { echo "portmap ADD failed: $out" >&2; exit 1; }
    t0=$(us); CNI_COMMAND=DEL nsenter --net="/run/netns/$node" dist/bin/portmap <<<"$pm" >/dev/null; t1=$(us); pd+=($((t1 - t0)))
    t0=$(us); CNI_COMMAND=DEL nsenter --net="/run/netns/$node" dist/bin/bridge <<<"${conf%\}},\"prevResult\":$prev}" >/dev/null; t1=$(us); bd+=($((t1 - t0)))
  done
  served() { grep " served $1 " "$work/daemon.log" | sed -E 's/.* ([0-9.]+) ms$/\1/' | dmedian; }
  printf '%-12s launcher: bridge ADD %6s  portmap ADD %6s  portmap DEL %6s  bridge DEL %6s\n' "$label" \
    "$(printf '%s\n' "${b[@]}" | median)" "$(printf '%s\n' "${p[@]}" | median)" "$(printf '%s\n' "${pd[@]}" | median)" "$(printf '%s\n' "${bd[@]}" | median)"
  printf '%-12s daemon:   bridge ADD %6s  portmap ADD %6s  portmap DEL %6s  bridge DEL %6s\n' "$label" \
    "$(served 'bridge ADD')" "$(served 'portmap ADD')" "$(served 'portmap DEL')" "$(served 'bridge DEL')"
  grep -c ' served ' "$work/daemon.log" | sed 's/^/  calls served: /' >&2
  kill "$(cat "$work/daemon.pid")"; wait "$(cat "$work/daemon.pid")" 2>/dev/null || true; rm -f "$work/daemon.pid"
  for ns in $(ip netns list | awk '{print $1}' | grep "^$tag-" || true); do ip netns del "$ns"; done
}

echo "median ms over $runs runs (one exec each, through the node daemon)"
measure exec-nft --exec-nft
measure libnftables
