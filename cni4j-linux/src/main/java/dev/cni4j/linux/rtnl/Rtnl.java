package dev.cni4j.linux.rtnl;

import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.NetlinkChannel;
import dev.cni4j.linux.netlink.NetlinkSocket;

/**
 * Typed rtnetlink operations on one namespace, through one NETLINK_ROUTE socket.
 *
 * <pre>{@code
 * try (NetNs ns = NetNs.open(Path.of(netnsPath)); Rtnl rtnl = Rtnl.open(ns)) {
 *     Link lo = rtnl.links().get("lo").orElseThrow();
 *     rtnl.links().setUp(lo.index());
 * }
 * }</pre>
 *
 * The socket is opened inside the namespace once; afterwards every call works from any thread
 * without switching namespaces. Calls are serialised.
 */
public final class Rtnl implements AutoCloseable {
    public static final int AF_UNSPEC = 0, AF_INET = 2, AF_BRIDGE = 7, AF_INET6 = 10;

    private final NetlinkSocket socket;
    private Links links;
    private Addresses addresses;
    private BridgePorts bridgePorts;
    private Routes routes;
    private Neighbours neighbours;
    private Qdiscs qdiscs;
    private Filters filters;

    private Rtnl(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** Opens rtnetlink inside {@code ns}. The NetNs may be closed afterwards. */
    public static Rtnl open(NetNs ns) {
        return new Rtnl(NetlinkSocket.open(NetlinkChannel.NETLINK_ROUTE, ns));
    }

    /** Opens rtnetlink in the calling thread's namespace. */
    public static Rtnl openCurrent() {
        return new Rtnl(NetlinkSocket.open(NetlinkChannel.NETLINK_ROUTE));
    }

    public NetlinkSocket socket() {
        return socket;
    }

    public Links links() {
        return links == null ? links = new Links(socket) : links;
    }

    public Addresses addresses() {
        return addresses == null ? addresses = new Addresses(socket) : addresses;
    }

    /** Bridge port options (hairpin, isolated, learning) and bridge VLANs. */
    public BridgePorts bridgePorts() {
        return bridgePorts == null ? bridgePorts = new BridgePorts(socket) : bridgePorts;
    }

    public Routes routes() {
        return routes == null ? routes = new Routes(socket) : routes;
    }

    /** Neighbours (ARP/NDP) and bridge fdb entries. */
    public Neighbours neighbours() {
        return neighbours == null ? neighbours = new Neighbours(socket) : neighbours;
    }

    /** Traffic control queueing disciplines. */
    public Qdiscs qdiscs() {
        return qdiscs == null ? qdiscs = new Qdiscs(socket) : qdiscs;
    }

    /** Traffic control filters. */
    public Filters filters() {
        return filters == null ? filters = new Filters(socket) : filters;
    }

    @Override
    public void close() {
        socket.close();
    }
}
