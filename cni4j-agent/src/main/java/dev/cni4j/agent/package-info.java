/**
 * The cni4j node agent: implements the Kubernetes network model across nodes.
 *
 * <pre>
 *   NodeWatcher (informer on Nodes) ──changes──▶ Reconciler (one thread, coalesced, periodic full pass)
 *        │ cache                                     │
 *        ▼                                           ├─ PodCidrFile      /run/cni4j/podcidr (host-local usePodCidr)
 *   Topology (self, peers, skipped + why)            ├─ RouteBackend     HostGwBackend | VxlanBackend (node netns)
 *                                                    ├─ NodeAnnotator    cni4j.dev/vtep-mac, cni4j.dev/public-ip
 *                                                    ├─ EgressMasquerade nftables inet cni4j_agent | ip(6)tables
 *                                                    └─ CniInstaller     conflist last ("network ready")
 *   AgentStatus + Metrics ◀── all of the above ──▶ HealthServer /healthz /readyz /metrics; JsonLog on stderr
 * </pre>
 *
 * {@link dev.cni4j.agent.Agent} wires one instance to one node network namespace, so tests run
 * several agents in one JVM; {@link dev.cni4j.agent.AgentMain} is the process entry point
 * ({@code run}, {@code install}, {@code uninstall}).
 */
package dev.cni4j.agent;
