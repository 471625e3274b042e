#!/usr/bin/env bash
# Micro-benchmark: median wall time of `loopback` VERSION and ADD (+DEL, untimed) for cni4j's
# dist/bin/loopback and the reference /usr/lib/cni/loopback, side by side in one run, with ratios.
# ADD runs against a throwaway namespace (cni4jb-*), never the host's. With no daemon running this is
# the standalone mode (a JVM per exec); bench/fastpath.sh compares the fast path. Usage: bench/loopback.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
runs=${1:-30}
ours=dist/bin/loopback
ref=/usr/lib/cni/loopback
[ -x "$ours" ] || mvn -B -ntp -q -DskipTests install
ns=cni4jb-$$
ip netns add "$ns"
trap 'ip netns del "$ns" 2>/dev/null || true' EXIT
conf='{"cniVersion":"1.0.0","name":"bench-lo","type":"loopback"}'

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f (min %.1f, max %.1f)", m/1e6, a[1]/1e6, a[NR]/1e6}'; }
medianms() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m/1e6}'; }

time_version() { # plugin
  local t0 t1
  for _ in $(seq "$runs"); do
    t0=$(now); CNI_COMMAND=VERSION "$1" <<<'{"cniVersion":"1.1.0"}' >/dev/null; t1=$(now); echo $((t1 - t0))
  done
}
time_add() { # plugin
  local t0 t1
  for i in $(seq "$runs"); do
    export CNI_CONTAINERID=bench$i CNI_NETNS=/run/netns/$ns CNI_IFNAME=lo CNI_PATH=/usr/lib/cni
    t0=$(now); CNI_COMMAND=ADD "$1" <<<"$conf" >/dev/null; t1=$(now); echo $((t1 - t0))
    CNI_COMMAND=DEL "$1" <<<"$conf" >/dev/null
  done
}

declare -A med
printf '%-22s %-34s %-34s %s\n' "loopback ($runs runs)" "cni4j ms median" "reference ms median" "ratio"
for op in version add; do
  o=$(time_$op "$ours"); r=$(time_$op "$ref")
  om=$(medianms <<<"$o"); rm=$(medianms <<<"$r")
  printf '%-22s %-34s %-34s %.1fx\n' "$op" "$(median <<<"$o")" "$(median <<<"$r")" "$(awk -v a="$om" -v b="$rm" 'BEGIN{print a/b}')"
done
