package dev.cni4j.linux.rtnl;

import static dev.cni4j.linux.netlink.NetlinkMessage.*;

import dev.cni4j.linux.netlink.AttributeReader;
import dev.cni4j.linux.netlink.MessageBuilder;
import dev.cni4j.linux.netlink.NetlinkMessage;
import dev.cni4j.linux.netlink.NetlinkSocket;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Routes (RTM_NEWROUTE / DELROUTE / GETROUTE).
 *
 * <pre>
 * struct rtmsg {                12 bytes
 *   0: u8 rtm_family    1: u8 rtm_dst_len   2: u8 rtm_src_len   3: u8 rtm_tos
 *   4: u8 rtm_table     5: u8 rtm_protocol  6: u8 rtm_scope     7: u8 rtm_type
 *   8: u32 rtm_flags
 * }
 * attributes: RTA_DST, RTA_GATEWAY, RTA_OIF u32, RTA_PRIORITY u32, RTA_PREFSRC, RTA_TABLE u32,
 *             RTA_METRICS { RTAX_MTU u32 }
 * </pre>
 */
public final class Routes {
    static final int RTM_NEWROUTE = 24, RTM_DELROUTE = 25, RTM_GETROUTE = 26;
    static final int RTMSG_LENGTH = 12;
    static final int RTA_DST = 1,
            RTA_OIF = 4,
            RTA_GATEWAY = 5,
            RTA_PRIORITY = 6,
            RTA_PREFSRC = 7,
            RTA_METRICS = 8,
            RTA_TABLE = 15;
    static final int RTAX_MTU = 2;
    static final int RT_SCOPE_NOWHERE = 255, RT_TABLE_UNSPEC = 0;

    private final NetlinkSocket socket;

    Routes(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** Adds a route; EEXIST if an identical one exists. */
    public void add(Route r) {
        socket.execute(encode(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, r), "add route " + describe(r));
    }

    /** Adds or replaces the route to the same destination/metric/table. */
    public void replace(Route r) {
        socket.execute(encode(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, r), "replace route " + describe(r));
    }

    /** Deletes the route (fields left 0/null match anything); ESRCH if none matches. */
    public void delete(Route r) {
        socket.execute(encode(RTM_DELROUTE, 0, r), "delete route " + describe(r));
    }

    static String describe(Route r) {
        String s = r.destinationText();
        if (r.gateway() != null) {
            s += " via " + r.gateway().getHostAddress();
        }
        if (r.outputIndex() != 0) {
            s += " dev #" + r.outputIndex();
        }
        return s;
    }

    static MessageBuilder encode(int type, int nlFlags, Route r) {
        int scope = r.scope();
        if (type == RTM_DELROUTE && scope == Route.SCOPE_AUTO) {
            scope = RT_SCOPE_NOWHERE; // match any scope
        } else if (scope == Route.SCOPE_AUTO) {
            scope = r.gateway() == null && r.type() == Route.TYPE_UNICAST ? Route.SCOPE_LINK : Route.SCOPE_UNIVERSE;
        }
        int table = r.table();
        MessageBuilder m = new MessageBuilder(type, nlFlags)
                .u8(r.family())
                .u8(r.prefixLength())
                .u8(0)
                .u8(0)
                .u8(table < 256 ? table : RT_TABLE_UNSPEC)
                .u8(type == RTM_DELROUTE ? 0 : r.protocol())
                .u8(scope)
                .u8(r.type())
                .u32(0);
        if (table >= 256) {
            m.attrU32(RTA_TABLE, table);
        }
        if (r.destination() != null && r.prefixLength() > 0) {
            m.attrAddress(RTA_DST, r.destination());
        }
        if (r.gateway() != null) {
            m.attrAddress(RTA_GATEWAY, r.gateway());
        }
        if (r.metric() != 0) {
            m.attrU32(RTA_PRIORITY, r.metric());
        }
        if (r.outputIndex() != 0) {
            m.attrU32(RTA_OIF, r.outputIndex());
        }
        if (r.source() != null) {
            m.attrAddress(RTA_PREFSRC, r.source());
        }
        if (r.mtu() != 0) {
            int metrics = m.beginNested(RTA_METRICS);
            m.attrU32(RTAX_MTU, r.mtu());
            m.endNested(metrics);
        }
        return m;
    }

    /** Routes of {@code family} in the main table. */
    public List<Route> list(int family) {
        return list(family, Route.TABLE_MAIN);
    }

    /** Routes of {@code family} in {@code table} (0 = all tables). */
    public List<Route> list(int family, int table) {
        MessageBuilder m =
                new MessageBuilder(RTM_GETROUTE, NLM_F_DUMP).u8(family).zeros(11);
        List<Route> out = new ArrayList<>();
        for (ByteBuffer b : socket.transact(m, "list routes")) {
            Route r = decode(b);
            if (table == 0 || r.table() == table) {
                out.add(r);
            }
        }
        return out;
    }

    static Route decode(ByteBuffer b) {
        NetlinkMessage msg = NetlinkMessage.of(b);
        int p = msg.payloadOffset();
        int family = b.get(p) & 0xff, dstLen = b.get(p + 1) & 0xff, table = b.get(p + 4) & 0xff;
        int protocol = b.get(p + 5) & 0xff, scope = b.get(p + 6) & 0xff, type = b.get(p + 7) & 0xff;
        InetAddress dst = null, gw = null, src = null;
        int oif = 0, metric = 0, mtu = 0;
        AttributeReader r = msg.attributes(RTMSG_LENGTH);
        while (r.next()) {
            switch (r.type()) {
                case RTA_DST -> dst = r.inetAddress();
                case RTA_GATEWAY -> gw = r.inetAddress();
                case RTA_PREFSRC -> src = r.inetAddress();
                case RTA_OIF -> oif = r.u32();
                case RTA_PRIORITY -> metric = r.u32();
                case RTA_TABLE -> table = r.u32();
                case RTA_METRICS -> {
                    AttributeReader x = r.nested();
                    while (x.next()) {
                        if (x.type() == RTAX_MTU) {
                            mtu = x.u32();
                        }
                    }
                }
                default -> {}
            }
        }
        if (dst == null) {
            dst = anyAddress(family);
        }
        return new Route(family, dst, dstLen, gw, oif, scope, table, metric, protocol, type, mtu, src);
    }

    private static InetAddress anyAddress(int family) {
        try {
            return InetAddress.getByAddress(new byte[family == Rtnl.AF_INET6 ? 16 : 4]);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
