package dev.cni4j.agent.route;

import dev.cni4j.agent.api.ClusterNode;
import dev.cni4j.linux.rtnl.Rtnl;
import java.util.List;
import java.util.Map;

/**
 * How pod traffic reaches other nodes: {@link HostGwBackend} (plain routes, one L2 segment) or
 * {@link VxlanBackend} (an overlay, any L3 underlay). Implementations program the node's
 * namespace through netlink, idempotently: {@link #sync} may run any number of times with the
 * same peers, and deletes what it owns for nodes no longer listed (also after an agent restart,
 * since the entries it owns are recognised in the kernel, not remembered).
 */
public interface RouteBackend {
    /** Routes the agent owns carry this rtm_protocol, so stale ones are found after a restart. */
    int ROUTE_PROTOCOL = 75;

    /**
     * Removes what either backend put in the node's namespace (uninstall): the VXLAN device
     * {@code vtepDevice} with its fdb and neighbour entries, and every route the agent owns.
     * Returns the number of routes deleted.
     */
    static int removeAll(Rtnl rtnl, String vtepDevice) {
        VxlanBackend.removeDevice(rtnl, vtepDevice);
        return OwnedRoutes.deleteExcept(rtnl, java.util.Set.of(), new java.util.ArrayList<>());
    }

    /** "host-gw" or "vxlan". */
    String name();

    /**
     * Prepares this node (e.g. the VXLAN device and its VTEP address) and returns the
     * annotations other nodes need from this one's Node object (empty for host-gw).
     */
    Map<String, String> setUp(ClusterNode self);

    /** MTU pods should use (what the conflist tells the bridge plugin), 0 for the default. */
    default int podMtu() {
        return 0;
    }

    /** Makes the kernel match {@code peers}; never throws for one bad peer. */
    SyncResult sync(List<ClusterNode> peers);

    /**
     * What one sync did.
     *
     * @param routes  routes in place for peers
     * @param removed entries removed for nodes that left
     * @param pending peers not yet usable, with the reason (e.g. no VTEP annotation yet)
     * @param errors  failures, one line each
     */
    record SyncResult(int routes, int removed, Map<String, String> pending, List<String> errors) {}
}
