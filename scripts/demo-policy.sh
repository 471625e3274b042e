# Part 3 of scripts/demo.sh (sourced by scripts/demo-nodes.sh while its pods still run, with its
# helpers innode_n, inpod_n, pod_ip, $fabric and $api_url, and the counted checks): NetworkPolicy.
# The agents run with networkPolicy=on. The pods get their API objects (labels, node, status
# Running with their IP) in a namespace "demo"; then a default-deny ingress policy, then a rule
# that lets pods labelled role=client in on TCP 7777, each shown taking effect on the wire and
# explained by the agent of the destination's node (cni4j policy explain).
[ -n "${api_url:-}" ] || { echo "error: part of scripts/demo-nodes.sh, not run on its own" >&2; exit 1; }

step "part 3: NetworkPolicy (the agents run with networkPolicy=on: table inet cni4j_policy in each node)"
api_post() { # path json: what kubectl apply would send, through the API stand-in
  nsenter --net=/run/netns/$fabric curl -sf -X POST -H 'Content-Type: application/json' "$api_url$1" -d "$2" >/dev/null
}
api_post /api/v1/namespaces '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"demo","labels":{"kubernetes.io/metadata.name":"demo"}}}'
declare -A role=([1]=frontend [2]=client [3]=web)
for n in "${nodes[@]}"; do
  api_post /api/v1/namespaces/demo/pods '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"pod'$n'","namespace":"demo","labels":{"role":"'${role[$n]}'"}},
    "spec":{"nodeName":"node'$n'","containers":[{"name":"c","image":"busybox"}]},
    "status":{"phase":"Running","podIP":"'$(pod_ip "$n")'","podIPs":[{"ip":"'$(pod_ip "$n")'"}]}}'
  echo "   Pod demo/pod$n on node$n, label role=${role[$n]}, IP $(pod_ip "$n")"
done
# cni4j policy explain, asked of node3's agent (pod3's ingress is decided on its node)
explain() { innode_n 3 "$dist/bin/cni4j" policy explain "$(pod_ip "$1")" "$(pod_ip "$2")" "$3" --agent http://127.0.0.1:9876 2>&1 || true; }
for _ in $(seq 100); do [[ "$(explain 1 3 7777/tcp)" == *"no policy selects demo/pod3"* ]] && break; sleep 0.1; done
answers "node3's agent knows pod3 and finds no policy for it" "no policy selects demo/pod3 for ingress" "$(explain 1 3 7777/tcp | tail -1 | sed 's/^ *//')"

inpod_n 3 busybox nc -ll -p 7777 -e /bin/echo "hello from pod3" 2>/dev/null & servers+=($!)
sleep 0.3
hello3() { inpod_n "$1" busybox nc -w 1 "$(pod_ip 3)" 7777 </dev/null 2>/dev/null || true; }
answers "pod1 -> pod3:7777 before any policy" "hello from pod3" "$(hello3 1)"

# Probes pod $1's connection to pod3 until it gets an answer ($2=yes) or none ($2=no), up to 20
# times; prints the last outcome and the number of probes (one without answer takes 1 s).
until_reply() {
  local got i
  for i in $(seq 20); do
    got=no; [[ "$(hello3 "$1")" == *hello* ]] && got=yes
    [ "$got" = "$2" ] && break
    sleep 0.2
  done
  echo "$got $i"
}

step "a default-deny ingress policy in namespace demo (podSelector {}, policyTypes [Ingress])"
api_post /apis/networking.k8s.io/v1/namespaces/demo/networkpolicies \
  '{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"default-deny-ingress","namespace":"demo"},
    "spec":{"podSelector":{},"policyTypes":["Ingress"]}}'
read -r got probes < <(until_reply 1 no)
expect "pod1 -> pod3:7777 answered (probe $probes after the API write)" no "$got"
read -r got _ < <(until_reply 2 no)
expect "pod2 -> pod3:7777 answered" no "$got"
why=$(explain 1 3 7777/tcp)
echo "$why" | sed 's/^/   cni4j policy explain: /'
answers "explain says denied" "7777/tcp: denied" "$(echo "$why" | head -1)"
answers "explain names the policy" "isolated for ingress by [demo/default-deny-ingress] and no rule of them allows it" "$(echo "$why" | tail -1 | sed 's/^ *//')"

step "allow role=client into role=web on TCP 7777 (policy allow-client-7777)"
api_post /apis/networking.k8s.io/v1/namespaces/demo/networkpolicies \
  '{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"allow-client-7777","namespace":"demo"},
    "spec":{"podSelector":{"matchLabels":{"role":"web"}},"policyTypes":["Ingress"],
            "ingress":[{"from":[{"podSelector":{"matchLabels":{"role":"client"}}}],"ports":[{"protocol":"TCP","port":7777}]}]}}'
read -r got probes < <(until_reply 2 yes)
expect "pod2 (role=client) -> pod3:7777 answered (probe $probes after the API write)" yes "$got"
read -r got _ < <(until_reply 1 no)
expect "pod1 (role=frontend) -> pod3:7777 answered" no "$got"
why=$(explain 2 3 7777/tcp)
echo "$why" | sed 's/^/   cni4j policy explain: /'
answers "explain says allowed" "7777/tcp: allowed" "$(echo "$why" | head -1)"
answers "explain names the rule" "ingress rule 0 of policy demo/allow-client-7777 allows it" "$(echo "$why" | tail -1 | sed 's/^ *//')"
answers "explain for another port of pod2" "7778/tcp: denied" "$(explain 2 3 7778/tcp | head -1)"
echo "   node3's table: $(innode_n 3 nft -j list table inet cni4j_policy | jq '[.nftables[] | select(.rule)] | length' || true) rules;" \
  "ingress map: $(innode_n 3 nft list map inet cni4j_policy ingress_v4 | grep -o 'elements = {.*}' || true)"
