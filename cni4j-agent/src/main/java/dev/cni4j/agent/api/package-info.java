/**
 * The agent's view of the Kubernetes API: {@link dev.cni4j.agent.api.NodeWatcher} (the fabric8
 * informer on Nodes), {@link dev.cni4j.agent.api.WatchCheck} (restarts a watch that went silent or
 * lost its local address), {@link dev.cni4j.agent.api.ApiErrors} (every failed request counted and
 * logged once), {@link dev.cni4j.agent.api.NodeAnnotator} (this node's annotations),
 * {@link dev.cni4j.agent.api.ApiAccess} (the RBAC verbs all of that needs),
 * {@link dev.cni4j.agent.api.ClusterNode} (a Node reduced to what routing needs) and
 * {@link dev.cni4j.agent.api.Topology} (self, peers, and the nodes skipped with why). May depend on
 * the fabric8 client, {@code cni4j-linux} (netlink, for the watch check) and
 * {@link dev.cni4j.agent.serve}; not on route, install, policy or the root package.
 */
package dev.cni4j.agent.api;
