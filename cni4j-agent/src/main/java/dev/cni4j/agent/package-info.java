/**
 * The cni4j node agent: implements the Kubernetes network model across nodes. This package is
 * the composition root: {@link dev.cni4j.agent.AgentConfig} (the settings),
 * {@link dev.cni4j.agent.Agent} (wires one instance to one node network namespace, so tests run
 * several agents in one JVM), {@code Reconciler} (brings the node in line with the Node cache) and
 * {@link dev.cni4j.agent.AgentMain} (the process entry point: {@code run}, {@code install},
 * {@code uninstall}). It may depend on every agent package; none depends on it.
 *
 * <pre>
 *   api.NodeWatcher (Node informer) ──changes──▶ Reconciler (one thread, coalesced, periodic full pass)
 *        │ cache                                │
 *        ▼                                      ├─ PodCidrFile            /run/cni4j/podcidr (usePodCidr)
 *   api.Topology (self, peers, skipped + why)   ├─ route.RouteBackend     HostGwBackend | VxlanBackend (netlink)
 *                                               ├─ api.NodeAnnotator      cni4j.dev/vtep-mac, cni4j.dev/public-ip
 *                                               ├─ route.EgressMasquerade nftables inet cni4j_agent | iptables
 *                                               └─ install.CniInstaller   conflist last ("network ready")
 *   policy.PolicyController (networkPolicy=on: Pods, Namespaces, NetworkPolicies ──▶ nft table cni4j_policy)
 *   serve: AgentStatus + Metrics ◀── all of the above ──▶ HealthServer /healthz /readyz /metrics;
 *          FastPath (the plugins' calls, in-process); JsonLog on stderr
 * </pre>
 */
package dev.cni4j.agent;
