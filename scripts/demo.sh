#!/usr/bin/env bash
# The main job on a fresh Debian machine, as root: build cni4j if needed, then, inside a sandbox
# "node" namespace with pod namespaces (never this machine's own network), install our plugins
# and the two example conflists of the Kubernetes "Network Plugins" page (our bridge as the main
# plugin), run pods the way a container runtime does (through the cni4j CLI and our runtime
# library) and show what works. Everything it creates is removed on exit, even on failure.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
[ "$(id -u)" = 0 ] || { echo "error: the demo creates network namespaces: run it as root" >&2; exit 1; }
# Part 2's agents run from cni4j-agent/target/agent-lib (what the image ships); its Kubernetes API
# stand-in is a class of the agent's tests, run on their class path (fabric8's mock server).
agent_lib=cni4j-agent/target/agent-lib
api_cp_file=cni4j-agent/target/test-classpath
if [ ! -x dist/bin/bandwidth ] || [ ! -x dist/bin/cni4j ] || [ ! -d "$agent_lib" ] || [ ! -s "$api_cp_file" ] \
    || [ ! -f cni4j-agent/target/test-classes/dev/cni4j/agent/DemoApiServer.class ]; then
  echo "== building: mvn -q -DskipTests package, and the agent's test class path (a few minutes the"
  echo "   first time, when Maven also downloads the dependencies into ~/.m2; quiet until it is done)"
  t0=$(date +%s)
  # Debian's Maven 3.8.7 prints stray colour resets (ESC[0m) even in batch mode: filtered out.
  if ! mvn -B -ntp -q -DskipTests package dependency:build-classpath -Dmdep.includeScope=test \
      -Dmdep.outputFile=target/test-classpath 2>&1 | sed -u 's/\x1b\[[0-9;]*m//g' | { grep -v '^$' || true; }; then
    echo "error: the build failed (see above)" >&2
    exit 1
  fi
  echo "   built in $(( $(date +%s) - t0 )) s"
fi
start=$(date +%s)
dist=$PWD/dist
tag=cni4jd-$$
node=$tag-node
ext=$tag-ext
work=$(mktemp -d /tmp/cni4j-demo.XXXXXX)
servers=()
our_namespaces() { ip netns list | awk '{print $1}' | grep "^$tag" || true; }
alive() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null) && [ "${s:0:1}" != Z ]; }
stop() { # SIGTERM, up to 10 s to exit, then SIGKILL
  for p in "$@"; do kill "$p" 2>/dev/null || true; done
  for p in "$@"; do
    for _ in $(seq 100); do alive "$p" || break; sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
  done
}
# Stops what the demo started and deletes every namespace it made: first the processes inside
# those namespaces (servers started through nsenter, daemons, the agents), then the background
# jobs that started them.
stop_all() {
  stop $(for ns in $(our_namespaces); do ip netns pids "$ns"; done) || true
  stop "${servers[@]}" || true
  wait "${servers[@]}" 2>/dev/null || true # reaped here, so bash prints no "Terminated"
  servers=()
  for ns in $(our_namespaces); do ip netns del "$ns" 2>/dev/null || true; done
}
cleanup() {
  stop_all
  rm -rf "$work"
}
# Every check counts; the demo ends with a verdict line, and exits 1 when any check failed or
# when it stopped at an error before the end.
. scripts/demo-checks.sh
finish() {
  local status=$?
  cleanup
  if [ "$status" != 0 ]; then
    echo
    echo "demo: stopped at an error (status $status) after $passed checks passed, $failed failed"
    exit "$status"
  fi
}
trap finish EXIT
step() { printf '\n== %s\n' "$*"; }
innode() { nsenter --net=/run/netns/$node "$@"; }
inpod() { local p=$1; shift; nsenter --net=/run/netns/$tag-$p "$@"; }
# The CLI runs inside the node namespace: that is where a runtime runs CNI plugins. The plugin
# launchers forward to the node daemon on this socket once it runs (standalone JVMs before).
export CNI4J_SOCKET=$work/run/cni.sock
cni4j() { innode "$dist/bin/cni4j" "$@"; }
net_opts() { echo --conf-dir "$work/$1" --bin-dir "$work/opt-cni-bin" --cache-dir "$work/cache"; }

step "a sandbox node ($node) with an uplink to an outside host ($ext), 192.168.77.0/24"
ip netns add "$node"; ip netns add "$ext"
ip -n "$node" link set lo up; ip -n "$ext" link set lo up
ip link add "$tag-up" netns "$node" type veth peer name eth0 netns "$ext"
ip -n "$node" link add uplink0 type bridge; ip -n "$node" link set "$tag-up" master uplink0
ip -n "$node" addr add 192.168.77.1/24 dev uplink0; ip -n "$node" link set uplink0 up; ip -n "$node" link set "$tag-up" up
ip -n "$ext" addr add 192.168.77.2/24 dev eth0; ip -n "$ext" link set eth0 up
# kube-proxy would have created this chain; the hostPort example conflist points portmap at it.
# kube-proxy would have created these chains; the hostPort example conflist points portmap at
# KUBE-MARK-MASQ, and kube-proxy masquerades what that chain marks.
innode iptables -t nat -N KUBE-MARK-MASQ
innode iptables -t nat -A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000
innode iptables -t nat -A POSTROUTING -m mark --mark 0x4000/0x4000 -j MASQUERADE

step "install: plugins into a bin dir, the example conflists into conf dirs (conflist last)"
# usePodCidr reads the node's pod CIDR from the file the node agent keeps; the demo writes it.
echo 10.244.1.0/24 > "$work/podcidr"
for ex in hostport bandwidth; do
  mkdir -p "$work/net.d-$ex"
  sed "s#\"subnet\": \"usePodCidr\"#\"subnet\": \"usePodCidr\", \"podCidrFile\": \"$work/podcidr\", \"dataDir\": \"$work/ipam\"#" \
    examples/k8s-$ex.conflist > "$work/k8s-$ex.conflist"
done
# The fast path's systemd units go to a dir of the sandbox (on a node: /etc/systemd/system,
# enabled by install); install's note on how to enable them is not shown.
"$dist/bin/cni4j" install --bin-dir "$work/opt-cni-bin" --conf-dir "$work/net.d-hostport" --conflist "$work/k8s-hostport.conflist" \
  --systemd-dir "$work/systemd" > "$work/install.log" 2> "$work/install.err" || { cat "$work/install.err" >&2; exit 1; }
grep -v "systemd units are in" "$work/install.err" >&2 || true
grep -v '/cni4j-lib/' "$work/install.log" | sed "s#$work/#<sandbox>/#; s/^/   /"
echo "   and $(grep -c '/cni4j-lib/' "$work/install.log") files of the plugins' jars, Java runtime and AOT cache in <sandbox>/opt-cni-bin/cni4j-lib"
# The traffic-shaping example is the same network name: a second conf dir, as on another node.
cp "$work/k8s-bandwidth.conflist" "$work/net.d-bandwidth/"
mkdir -p "$work/lo.d"
echo '{"cniVersion":"0.3.1","name":"cni-loopback","plugins":[{"type":"loopback"}]}' > "$work/lo.d/99-loopback.conflist"

pod() { # name conf-dir [cni4j add options...]
  local name=$1 confs=$2; shift 2
  ip netns add "$tag-$name"
  cni4j add cni-loopback /run/netns/$tag-$name $(net_opts lo.d) --container-id "$name" --ifname lo >/dev/null
  local t0=$(date +%s%N)
  cni4j add k8s-pod-network /run/netns/$tag-$name $(net_opts "$confs") --container-id "$name" "$@" > "$work/$name.json"
  local t1=$(date +%s%N)
  local ip=$(grep -o '"address": *"[0-9.]*' "$work/$name.json" | head -1 | grep -o '[0-9.]*$')
  echo "$ip" > "$work/$name.ip"
  local lo=down; inpod "$name" ip -o link show lo | grep -q ',UP' && lo=up
  printf '   %s: %s (eth0), lo %s; cni4j add took %d ms (the CLI'"'"'s own JVM + the chain)\n' "$name" "$ip" "$lo" $(( (t1 - t0) / 1000000 ))
}

step "pods: web (hostPort 8080 -> 80), client, and shaped (ingress 10M via the pod annotation)"
pod web net.d-hostport -p 8080:80/tcp
pod client net.d-hostport
pod shaped net.d-bandwidth --annotation kubernetes.io/ingress-bandwidth=10M
web=$(cat "$work/web.ip"); client=$(cat "$work/client.ip"); shaped=$(cat "$work/shaped.ip")

step "the fast path, socket-activated as install's systemd units do it: the first plugin call starts the daemon, then two more pods"
# systemd-socket-activate stands in for systemd (cni4j-daemon.socket): it listens, and on the
# first connection runs the service's ExecStart with the socket as its stdin (StandardInput=socket).
exec_start=$(sed -n 's/^ExecStart=//p' "$work/systemd/cni4j-daemon.service")
echo "   ExecStart=${exec_start//$work\//<sandbox>/}"
mkdir -m 0700 "$work/run"
innode systemd-socket-activate --inetd -l "$CNI4J_SOCKET" $exec_start >/dev/null 2>"$work/daemon.log" & servers+=($!)
for _ in $(seq 100); do [ -S "$CNI4J_SOCKET" ] && break; sleep 0.1; done
pod fast net.d-hostport
pod fast2 net.d-hostport
echo "   plugin calls the daemon served for them, with the time each took inside the daemon:"
grep "served" "$work/daemon.log" | grep -v self-check | sed 's/^cni4j-daemon: served /     /' || true

step "pod to pod"
ping_ok() { local from=$1 to=$2 what=$3; if inpod "$from" busybox ping -c1 -W2 "$to" >/dev/null; then ok "$what"; else fail "$what"; fi; }
ping_ok client "$web" "client -> web ($web)"
ping_ok web "$shaped" "web -> shaped ($shaped)"
ping_ok client 127.0.0.1 "lo is up in the pod (127.0.0.1 answers)"

step "hostPort 8080 -> web:80"
inpod web busybox nc -ll -p 80 -e /bin/echo "hello from the web pod" 2>/dev/null & servers+=($!)
sleep 0.3
hello="hello from the web pod"
answers "from the outside host" "$hello" "$(nsenter --net=/run/netns/$ext busybox nc -w 2 192.168.77.1 8080 </dev/null || true)"
answers "from the node (its own address)" "$hello" "$(innode busybox nc -w 2 192.168.77.1 8080 </dev/null || true)"
answers "from the node via 127.0.0.1" "$hello" "$(innode busybox nc -w 2 127.0.0.1 8080 </dev/null || true)"

step "a kube-proxy-style service: DNAT 10.96.0.10:80 -> web:80 (works because bridge-nf-call-iptables is 1)"
innode iptables -t nat -A PREROUTING -d 10.96.0.10/32 -p tcp --dport 80 -j DNAT --to-destination "$web:80"
expect "bridge-nf-call-iptables" 1 "$(innode cat /proc/sys/net/bridge/bridge-nf-call-iptables)"
answers "client -> 10.96.0.10:80" "$hello" "$(inpod client busybox nc -w 2 10.96.0.10 80 </dev/null || true)"

step "bandwidth: iperf3 from client to shaped (limit 10 Mbit/s from the annotation)"
inpod shaped iperf3 -s -1 -D >/dev/null
sleep 0.3
rate=$(inpod client iperf3 -c "$shaped" -t 4 -O 1 -f m 2>/dev/null | awk '/receiver/ {print $(NF-2)}')
echo "   achieved: ${rate:-?} Mbit/s of TCP goodput (requested 10 Mbit/s on the wire; headers take ~4%)"
# Only the limit is checked (at most 10 Mbit/s, with some slack): how close a loaded machine gets is not.
if [ -n "$rate" ] && awk -v r="$rate" 'BEGIN { exit !(r > 0 && r <= 11) }'; then ok "shaped to the limit: $rate Mbit/s"
else fail "shaped to the limit: ${rate:-no measurement} Mbit/s"; fi

step "doctor"
cni4j doctor $(net_opts net.d-hostport) --data-dir "$work/ipam" | sed 's/^/   /'

step "teardown: DEL every pod (the runtime library re-sends the cached runtimeConfig)"
for name in web client shaped fast fast2; do
  confs=net.d-hostport; [ "$name" = shaped ] && confs=net.d-bandwidth
  cni4j del k8s-pod-network /run/netns/$tag-$name $(net_opts "$confs") --container-id "$name"
  cni4j del cni-loopback /run/netns/$tag-$name $(net_opts lo.d) --container-id "$name" --ifname lo
done
expect "pod veths left" 0 "$(innode ip -o link show type veth | grep -vc "$tag-up" || true)"
expect "ifb devices left" 0 "$(innode ip -o link show type ifb | wc -l)"
expect "IP reservations left" 0 "$(ls "$work/ipam/k8s-pod-network" | grep -vc -E '^(lock|last_reserved_ip)' || true)"
expect "portmap DNAT rules left" 0 "$(innode iptables-save -t nat | grep -c 'CNI-DN' || true)"
expect "cached results left" 0 "$(ls "$work/cache/results" 2>/dev/null | wc -l)"
stop_all
expect "namespaces left" 0 "$(ip netns list | grep -c "^$tag" || true)"
part1=$(( $(date +%s) - start ))

. scripts/demo-nodes.sh

cleanup
trap - EXIT
echo
echo "demo finished in $(( $(date +%s) - start )) s (part 1: $part1 s)"
verdict
