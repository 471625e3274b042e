# Part 2 of scripts/demo.sh (sourced by it, with its $tag, $work, $dist, servers, step, and the
# checks ok, fail, expect and answers that the verdict counts):
# the Kubernetes network model across nodes. Three sandbox node namespaces on one underlay,
# a Kubernetes API stand-in holding their Node objects, one real node agent process per node
# (as the DaemonSet runs it: hostNetwork, so inside its node's namespace), and a pod per node
# made through the cni4j CLI with the conflist the agent wrote, its calls served by the agent.
# The agents enforce NetworkPolicy (networkPolicy=on): part 3, scripts/demo-policy.sh, shows it.
[ -n "${tag:-}" ] || { echo "error: part of scripts/demo.sh, not run on its own" >&2; exit 1; }

fabric=$tag-fabric
nodes=(1 2 3)
node_ip() { [ "$1" = 3 ] && echo 192.168.60.3 || echo "192.168.50.$1"; }
innode_n() { local n=$1; shift; nsenter --net=/run/netns/$tag-node$n "$@"; }
inpod_n() { local n=$1; shift; nsenter --net=/run/netns/$tag-pod$n "$@"; }
metrics() { innode_n "$1" curl -sf http://127.0.0.1:9876/metrics || true; }
metric() { metrics "$1" | awk -v s="$2" '$1 == s {print $2}'; }

step "part 2: the Kubernetes network model across nodes ($tag-node1..3)"
echo "   node1 192.168.50.1 and node2 192.168.50.2 on one L2 segment (the fabric's bridge), node3"
echo "   192.168.60.3 one routed hop away; the fabric ($fabric) also hosts the API stand-in"
ip netns add "$fabric"
ip -n "$fabric" link set lo up
ip -n "$fabric" link add br0 type bridge
ip -n "$fabric" addr add 192.168.50.254/24 dev br0
ip -n "$fabric" link set br0 up
ip netns exec "$fabric" sysctl -qw net.ipv4.ip_forward=1
for n in "${nodes[@]}"; do
  ip netns add "$tag-node$n"
  ip -n "$tag-node$n" link set lo up
  ip link add eth0 netns "$tag-node$n" type veth peer name "p-n$n" netns "$fabric"
  if [ "$n" = 3 ]; then
    ip -n "$fabric" addr add 192.168.60.254/24 dev p-n3; gw=192.168.60.254 # the fabric routes
  else
    ip -n "$fabric" link set "p-n$n" master br0; gw=192.168.50.254
  fi
  ip -n "$fabric" link set "p-n$n" up
  ip -n "$tag-node$n" addr add "$(node_ip "$n")/24" dev eth0
  ip -n "$tag-node$n" link set eth0 up
  ip -n "$tag-node$n" route add default via "$gw"
done

step "a Kubernetes API stand-in: fabric8's mock API server (CRUD) at 192.168.50.254:6443, with three Nodes"
api_cp="$PWD/cni4j-agent/target/test-classes:$PWD/cni4j-agent/target/classes:$(cat "$api_cp_file")"
node_args=()
for n in "${nodes[@]}"; do node_args+=("node$n=10.244.$n.0/24,$(node_ip "$n")"); done
nsenter --net=/run/netns/$fabric "$JAVA_HOME/bin/java" -XX:+UseSerialGC -XX:-UsePerfData -Xmx128m -cp "$api_cp" dev.cni4j.agent.DemoApiServer \
  192.168.50.254 6443 "${node_args[@]}" >"$work/api.out" 2>"$work/api.log" & servers+=($!)
for _ in $(seq 200); do [ -s "$work/api.out" ] && break; sleep 0.1; done
[ -s "$work/api.out" ] || { fail "the API stand-in did not start:"; tail -5 "$work/api.log"; exit 1; }
api_url=$(head -1 "$work/api.out")
for n in "${nodes[@]}"; do echo "   Node node$n: podCIDR 10.244.$n.0/24, InternalIP $(node_ip "$n")"; done
cat > "$work/kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters: [{name: demo, cluster: {server: "$api_url"}}]
users: [{name: agent, user: {}}]
contexts: [{name: demo, context: {cluster: demo, user: agent}}]
current-context: demo
EOF

step "a node agent per node (AgentMain run in the node's namespace, backend vxlan, networkPolicy on, KUBECONFIG -> $api_url)"
t0=$(date +%s%N)
for n in "${nodes[@]}"; do
  d=$work/node$n
  mkdir -p "$d"
  nsenter --net=/run/netns/$tag-node$n env KUBECONFIG="$work/kubeconfig" NODE_NAME="node$n" CNI4J_BACKEND=vxlan \
    CNI4J_CLUSTER_CIDR=10.244.0.0/16 CNI4J_CONF_DIR="$d/net.d" CNI4J_BIN_DIR="$dist/bin" CNI4J_POD_CIDR_FILE="$d/podcidr" \
    CNI4J_HOST_LOCAL_DATA_DIR="$d/networks" CNI4J_FAST_PATH_SOCKET="$d/cni4j-run/cni.sock" \
    CNI4J_HEALTH_ADDRESS=127.0.0.1:9876 CNI4J_FIREWALL=nftables CNI4J_RESYNC_SECONDS=30 CNI4J_NETWORK_POLICY=on \
    "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -XX:-UsePerfData -Xmx192m -cp "$PWD/$agent_lib/*" \
    dev.cni4j.agent.AgentMain run >/dev/null 2>"$d/agent.log" & servers+=($!)
done
# ready: routes to both other nodes, the conflist written, the fast path serving
for n in "${nodes[@]}"; do
  for _ in $(seq 600); do
    [ "$(metric "$n" cni4j_agent_routes_programmed)" = 2 ] && [ "$(metric "$n" cni4j_fastpath_serving)" = 1 ] \
      && [ -f "$work/node$n/net.d/10-cni4j.conflist" ] && break
    sleep 0.1
  done
  if [ "$(metric "$n" cni4j_agent_routes_programmed)" != 2 ] || [ "$(metric "$n" cni4j_fastpath_serving)" != 1 ]; then
    fail "node$n's agent is not ready; its log ends:"; tail -5 "$work/node$n/agent.log" | sed 's/^/     /'; exit 1
  fi
done
ok "3 agents ready in $(( ($(date +%s%N) - t0) / 1000000 )) ms: each wrote its pod CIDR file ($(cat "$work/node1/podcidr") on node1) and conflist, and serves the plugins on its socket"

step "a pod per node: cni4j add in the node, the agent's conflist, every plugin call served by that node's agent"
for n in "${nodes[@]}"; do
  d=$work/node$n
  ip netns add "$tag-pod$n"
  ip -n "$tag-pod$n" link set lo up
  t0=$(date +%s%N)
  innode_n "$n" env CNI4J_SOCKET="$d/cni4j-run/cni.sock" CNI4J_FALLBACK=never "$dist/bin/cni4j" add cni4j /run/netns/$tag-pod$n \
    --conf-dir "$d/net.d" --bin-dir "$dist/bin" --cache-dir "$d/cache" --container-id "pod$n" > "$d/pod.json"
  t1=$(date +%s%N)
  grep -o '"address": *"[0-9.]*' "$d/pod.json" | head -1 | grep -o '[0-9.]*$' > "$d/pod.ip"
  printf '   pod%s on node%s: %s (from node%s'"'"'s podCIDR 10.244.%s.0/24); cni4j add took %d ms\n' \
    "$n" "$n" "$(cat "$d/pod.ip")" "$n" "$n" $(( (t1 - t0) / 1000000 ))
done
pod_ip() { cat "$work/node$1/pod.ip"; }

step "pod to pod across nodes, no NAT"
for from in "${nodes[@]}"; do
  for to in "${nodes[@]}"; do
    [ "$from" = "$to" ] && continue
    if inpod_n "$from" busybox ping -c1 -W2 "$(pod_ip "$to")" >/dev/null; then ok "ping pod$from -> pod$to"; else fail "ping pod$from -> pod$to"; fi
  done
done
# The receiver answers with the peer address of the connection as its own kernel sees it.
cat > "$work/peer.sh" <<'EOF'
busybox netstat -tn | busybox awk '$4 ~ /:7777$/ {sub(/:[0-9]+$/, "", $5); sub(/^::ffff:/, "", $5); print "the connection comes from " $5}'
EOF
seen() { # from to
  nsenter --net=/run/netns/$tag-pod$2 busybox nc -l -p 7777 -e /bin/sh "$work/peer.sh" & servers+=($!)
  sleep 0.3
  answers "pod$1 ($(pod_ip "$1")) -> pod$2 $(pod_ip "$2"):7777 answers" "the connection comes from $(pod_ip "$1")" \
    "$(inpod_n "$1" busybox nc -w 3 "$(pod_ip "$2")" 7777 </dev/null || true)"
}
seen 1 3
seen 2 1

step "what node1's agent programmed (VXLAN, protocol 75 routes)"
# (the display pipelines end in "|| true": a missing piece shows as a missing line, the demo goes on)
innode_n 1 ip -d -o link show cni4j.1 | sed -n 's/.* mtu \([0-9]*\) .*vxlan id \([0-9]*\) local \([0-9.]*\) dev \([^ ]*\) .*dstport \([0-9]*\).*/   device: cni4j.1, vxlan id \2, local \3 on \4, UDP port \5, mtu \1/p' || true
innode_n 1 ip route show proto 75 | sed 's/^/   route: /' || true
innode_n 1 bridge fdb show dev cni4j.1 | grep dst | sed 's/^/   fdb: /' || true
for n in 2 3; do
  echo "   node$n's Node in the API (its agent published them): $(nsenter --net=/run/netns/$fabric curl -sf "$api_url/api/v1/nodes/node$n" \
    | jq -r '.metadata.annotations | to_entries | map(select(.key | startswith("cni4j.dev/"))) | map(.key + "=" + .value) | join(", ")' || true)"
done

step "node1's agent /metrics (excerpt)"
metrics 1 | grep -E '^cni4j_(cni_requests_total|agent_routes_programmed|ipam_allocated_ips|agent_nodes_known|fastpath_serving)' | sed 's/^/   /' || true

. scripts/demo-policy.sh

step "teardown: cni4j del each pod (served by its agent), then SIGTERM the agents"
for n in "${nodes[@]}"; do
  d=$work/node$n
  innode_n "$n" env CNI4J_SOCKET="$d/cni4j-run/cni.sock" CNI4J_FALLBACK=never "$dist/bin/cni4j" del cni4j /run/netns/$tag-pod$n \
    --conf-dir "$d/net.d" --bin-dir "$dist/bin" --cache-dir "$d/cache" --container-id "pod$n"
done
echo "   IPs allocated (the agents' cni4j_ipam_allocated_ips): $(for n in "${nodes[@]}"; do printf 'node%s %s, ' "$n" "$(metric "$n" 'cni4j_ipam_allocated_ips{network="cni4j"}')"; done | sed 's/, $//')"
echo "   bridge calls node1's agent served: $(metrics 1 | awk '/^cni4j_cni_requests_total\{plugin="bridge"/ {split($1, a, "command=\""); sub(/".*/, "", a[2]); printf "%s %s, ", a[2], $2}' | sed 's/, $//')"
stop_all
expect "agents that logged \"stopping; routes and pod networking left in place\"" ${#nodes[@]} \
  "$(grep -l '"msg":"stopping; routes and pod networking left in place"' "$work"/node*/agent.log | wc -l)"
expect "namespaces left" 0 "$(ip netns list | grep -c "^$tag" || true)"
