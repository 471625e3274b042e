/**
 * Kubernetes NetworkPolicy (networking.k8s.io/v1) for the node agent: the model, the compiler,
 * explain, and the nftables rendering, all pure Java; and the two classes that reach the kernel and
 * the API with it: {@code PolicyController} (informers in, nft transactions out) and
 * {@code EstablishedConnections} (conntrack deletion in strict mode).
 *
 * <pre>
 *   fabric8 NetworkPolicy, Namespace, Pod ──ApiObjects──▶ PolicyInfo, NamespaceInfo, PodInfo (ClusterSnapshot)
 *                                                              │ PolicyCompiler(node, node IPs, IPAM IPs by pod UID):
 *                                                              │ the whole snapshot (the reference), or
 *                                                              │ IncrementalPolicyCompiler: per change, same result
 *                                                              ▼
 *                                   CompiledPolicy: per local pod and direction, isolated + AllowRules;
 *                                   AddressSets shared by selector (ids = hashes of canonical keys)
 *                                       │                                  │
 *                     explain(src, dst, port, proto)       NftPolicyRenderer(.Incremental) ──▶ NftState ──▶ full script
 *                     (which policy and rule decided)                                  │ NftPolicyDiff
 *                                                                                     ▼
 *                                                                    incremental nft commands
 * </pre>
 *
 * Choices where the API leaves room: traffic between a pod and its own node is always allowed
 * (both directions); hostNetwork pods are never selected, their traffic is their node's; an
 * ipBlock matches pod IPs too; a pod's addresses are its status.podIPs while Running plus, for
 * local pods, our IPAM's; a rule we cannot take over from the API is left out and reported (it
 * allows nothing, its policy still isolates); explain and the dataplane judge a connection's
 * first packet, replies and established connections pass (conntrack).
 */
package dev.cni4j.agent.policy;
