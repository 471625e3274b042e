package dev.cni4j.linux.rtnl;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * A route, for adding and as listed. Build with {@link #to} / {@link #defaultVia} and the
 * {@code with...} methods.
 *
 * @param family       {@link Rtnl#AF_INET} or {@link Rtnl#AF_INET6}
 * @param destination  network address, null for a default route
 * @param prefixLength 0 for a default route
 * @param gateway      next hop, or null for a directly connected route
 * @param outputIndex  output device ifindex (RTA_OIF), 0 if none
 * @param scope        RT_SCOPE_*; {@link #SCOPE_AUTO} lets add() pick link (no gateway) or universe
 * @param table        routing table, {@link #TABLE_MAIN} by default
 * @param metric       RTA_PRIORITY, 0 for none
 * @param protocol     RTPROT_*, {@link #PROTOCOL_BOOT} like {@code ip route add}
 * @param type         RTN_*, {@link #TYPE_UNICAST}
 * @param mtu          RTAX_MTU in RTA_METRICS, 0 for none
 * @param source       preferred source (RTA_PREFSRC), or null
 */
public record Route(
        int family,
        InetAddress destination,
        int prefixLength,
        InetAddress gateway,
        int outputIndex,
        int scope,
        int table,
        int metric,
        int protocol,
        int type,
        int mtu,
        InetAddress source) {
    public static final int TABLE_MAIN = 254, TABLE_LOCAL = 255;
    public static final int SCOPE_UNIVERSE = 0, SCOPE_LINK = 253, SCOPE_HOST = 254, SCOPE_AUTO = -1;
    public static final int PROTOCOL_KERNEL = 2, PROTOCOL_BOOT = 3, PROTOCOL_STATIC = 4;
    public static final int TYPE_UNICAST = 1, TYPE_LOCAL = 2, TYPE_BLACKHOLE = 6;

    /** A route to {@code destination/prefixLength} (host bits are cleared by the kernel check: pass the network). */
    public static Route to(InetAddress destination, int prefixLength) {
        return new Route(
                familyOf(destination),
                destination,
                prefixLength,
                null,
                0,
                SCOPE_AUTO,
                TABLE_MAIN,
                0,
                PROTOCOL_BOOT,
                TYPE_UNICAST,
                0,
                null);
    }

    /** A default route through {@code gateway}. */
    public static Route defaultVia(InetAddress gateway) {
        return new Route(
                familyOf(gateway),
                null,
                0,
                gateway,
                0,
                SCOPE_AUTO,
                TABLE_MAIN,
                0,
                PROTOCOL_BOOT,
                TYPE_UNICAST,
                0,
                null);
    }

    public Route via(InetAddress gw) {
        return new Route(
                family, destination, prefixLength, gw, outputIndex, scope, table, metric, protocol, type, mtu, source);
    }

    public Route dev(int index) {
        return new Route(
                family, destination, prefixLength, gateway, index, scope, table, metric, protocol, type, mtu, source);
    }

    public Route withScope(int s) {
        return new Route(
                family, destination, prefixLength, gateway, outputIndex, s, table, metric, protocol, type, mtu, source);
    }

    public Route withTable(int t) {
        return new Route(
                family, destination, prefixLength, gateway, outputIndex, scope, t, metric, protocol, type, mtu, source);
    }

    public Route withMetric(int m) {
        return new Route(
                family, destination, prefixLength, gateway, outputIndex, scope, table, m, protocol, type, mtu, source);
    }

    public Route withProtocol(int p) {
        return new Route(
                family, destination, prefixLength, gateway, outputIndex, scope, table, metric, p, type, mtu, source);
    }

    public Route withMtu(int m) {
        return new Route(
                family,
                destination,
                prefixLength,
                gateway,
                outputIndex,
                scope,
                table,
                metric,
                protocol,
                type,
                m,
                source);
    }

    public Route withSource(InetAddress src) {
        return new Route(
                family,
                destination,
                prefixLength,
                gateway,
                outputIndex,
                scope,
                table,
                metric,
                protocol,
                type,
                mtu,
                src);
    }

    public boolean isDefault() {
        return prefixLength == 0;
    }

    /** "10.0.0.0/24" or "default". */
    public String destinationText() {
        if (prefixLength == 0 || destination == null) {
            return "default";
        }
        return destination.getHostAddress() + "/" + prefixLength;
    }

    static int familyOf(InetAddress a) {
        return a instanceof Inet4Address ? Rtnl.AF_INET : Rtnl.AF_INET6;
    }
}
