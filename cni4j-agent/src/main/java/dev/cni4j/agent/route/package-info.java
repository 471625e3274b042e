/**
 * How pod traffic reaches other nodes and leaves the cluster: the
 * {@link dev.cni4j.agent.route.RouteBackend}s {@link dev.cni4j.agent.route.HostGwBackend} (plain
 * routes) and {@link dev.cni4j.agent.route.VxlanBackend} (an overlay, with its device's
 * {@link dev.cni4j.agent.route.VxlanSettings} and the underlay it rides on), the routes the agent
 * owns (recognised by their rtm_protocol), IP forwarding, and
 * {@link dev.cni4j.agent.route.EgressMasquerade} (nftables or iptables). All of it programs one
 * node network namespace through {@code cni4j-linux}. May depend on {@link dev.cni4j.agent.api}
 * (for {@link dev.cni4j.agent.api.ClusterNode}); not on policy, serve, install or the root package.
 */
package dev.cni4j.agent.route;
