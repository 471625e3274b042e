#!/usr/bin/env bash
# The main job on a fresh Debian machine, as root: build cni4j if needed, then, inside a sandbox
# "node" namespace with pod namespaces (never this machine's own network), run our plugins the way
# a container runtime does and show what works. Everything it creates is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
[ "$(id -u)" = 0 ] || { echo "error: the demo creates network namespaces: run it as root" >&2; exit 1; }
if [ ! -x dist/bin/loopback ]; then
  echo "== building (mvn -DskipTests install)"
  mvn -B -ntp -q -DskipTests install
fi
bin=$PWD/dist/bin
tag=cni4jd-$$
node=$tag-node
pods=()
cleanup() {
  for p in "${pods[@]}"; do ip netns del "$p" 2>/dev/null || true; done
  ip netns del "$node" 2>/dev/null || true
}
trap cleanup EXIT
step() { printf '\n== %s\n' "$*"; }
innode() { nsenter --net=/run/netns/$node "$@"; }
cni() { # command netns ifname containerid conf
  CNI_COMMAND=$1 CNI_NETNS=$2 CNI_IFNAME=$3 CNI_CONTAINERID=$4 CNI_PATH=$bin innode "$bin/${6:-loopback}" <<<"$5"
}

step "sandbox node namespace $node"
ip netns add "$node"
ip -n "$node" link set lo up

step "plugins in $bin (a runtime can use it as its CNI bin dir)"
ls "$bin"
step "VERSION"
CNI_COMMAND=VERSION "$bin/loopback" <<<'{"cniVersion":"1.1.0"}'; echo

lo_conf='{"cniVersion":"0.3.1","name":"cni-loopback","type":"loopback"}'
for i in 1 2; do
  pod=$tag-pod$i
  ip netns add "$pod"
  pods+=("$pod")
  step "pod $i: loopback ADD (cniVersion 0.3.1, as containerd sends it)"
  t0=$(date +%s%N)
  cni ADD /run/netns/$pod lo pod$i "$lo_conf"
  t1=$(date +%s%N)
  printf '\n(%d ms)\n' $(( (t1 - t0) / 1000000 ))
  ip -n "$pod" -br addr show lo
done

step "pod 1: CHECK (1.1.0), then ping 127.0.0.1 inside the pod"
cni CHECK /run/netns/${pods[0]} lo pod1 '{"cniVersion":"1.1.0","name":"cni-loopback","type":"loopback"}' && echo "CHECK ok"
nsenter --net=/run/netns/${pods[0]} busybox ping -c1 -W1 127.0.0.1 | grep -E "1 received|bytes from" | head -1

step "a bad config gets a CNI error (code 6) and exit 1"
set +e
cni ADD /run/netns/${pods[0]} lo pod1 '{"cniVersion":' ; echo " -> exit $?"
set -e

step "DEL (twice: DEL is idempotent), and DEL after the namespace is gone"
for i in 1 2; do
  cni DEL /run/netns/${pods[0]} lo pod1 "$lo_conf" && echo "DEL $i ok"
done
ip -n "${pods[0]}" -br link show lo
ip netns del "${pods[1]}"
cni DEL /run/netns/${pods[1]} lo pod2 "$lo_conf" && echo "DEL of a vanished namespace ok"

step "teardown"
cleanup
trap - EXIT
left=$(ip netns list | grep -c "^$tag" || true)
echo "namespaces left behind: $left"
