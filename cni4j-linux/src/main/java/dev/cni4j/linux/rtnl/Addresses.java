package dev.cni4j.linux.rtnl;

import static dev.cni4j.linux.netlink.NetlinkMessage.*;

import dev.cni4j.linux.netlink.AttributeReader;
import dev.cni4j.linux.netlink.MessageBuilder;
import dev.cni4j.linux.netlink.NetlinkMessage;
import dev.cni4j.linux.netlink.NetlinkSocket;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Interface addresses (RTM_NEWADDR / DELADDR / GETADDR).
 *
 * <pre>
 * struct ifaddrmsg {            8 bytes
 *   0: u8  ifa_family
 *   1: u8  ifa_prefixlen
 *   2: u8  ifa_flags            low 8 bits of IFA_F_*; IFA_FLAGS carries all 32
 *   3: u8  ifa_scope
 *   4: u32 ifa_index
 * }
 * </pre>
 */
public final class Addresses {
    static final int RTM_NEWADDR = 20, RTM_DELADDR = 21, RTM_GETADDR = 22;
    static final int IFADDRMSG_LENGTH = 8;
    static final int IFA_ADDRESS = 1, IFA_LOCAL = 2, IFA_LABEL = 3, IFA_BROADCAST = 4, IFA_FLAGS = 8;

    private final NetlinkSocket socket;

    Addresses(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** Adds {@code address/prefixLength} to link {@code index}; EEXIST if present. */
    public void add(int index, InetAddress address, int prefixLength) {
        add(index, address, prefixLength, 0);
    }

    /**
     * Adds an address with IFA_F_* {@code flags} (e.g. {@link Address#IFA_F_NODAD}). IPv4
     * addresses get the subnet's broadcast address for prefixes below 31; loopback addresses get
     * host scope, as {@code ip addr add} does.
     */
    public void add(int index, InetAddress address, int prefixLength, int flags) {
        socket.execute(
                encode(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, index, address, prefixLength, flags),
                "add address " + address.getHostAddress() + "/" + prefixLength + " to link #" + index);
    }

    /** Adds or updates an address. */
    public void replace(int index, InetAddress address, int prefixLength, int flags) {
        socket.execute(
                encode(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, index, address, prefixLength, flags),
                "replace address " + address.getHostAddress() + "/" + prefixLength + " on link #" + index);
    }

    /** Removes an address; EADDRNOTAVAIL if absent. */
    public void delete(int index, InetAddress address, int prefixLength) {
        socket.execute(
                encode(RTM_DELADDR, 0, index, address, prefixLength, 0),
                "delete address " + address.getHostAddress() + "/" + prefixLength + " from link #" + index);
    }

    static MessageBuilder encode(int type, int nlFlags, int index, InetAddress address, int prefixLength, int flags) {
        boolean v4 = address instanceof Inet4Address;
        int max = v4 ? 32 : 128;
        if (prefixLength < 0 || prefixLength > max) {
            throw new IllegalArgumentException(
                    "invalid prefix length /" + prefixLength + " for " + address.getHostAddress());
        }
        int scope = address.isLoopbackAddress() ? Address.SCOPE_HOST : Address.SCOPE_UNIVERSE;
        MessageBuilder m = new MessageBuilder(type, nlFlags)
                .u8(v4 ? Rtnl.AF_INET : Rtnl.AF_INET6)
                .u8(prefixLength)
                .u8(flags & 0xff)
                .u8(scope)
                .u32(index);
        if (v4) {
            m.attrAddress(IFA_LOCAL, address);
        }
        m.attrAddress(IFA_ADDRESS, address);
        if (v4 && prefixLength < 31 && type == RTM_NEWADDR) {
            m.attr(IFA_BROADCAST, broadcast(address, prefixLength));
        }
        if (flags != 0) {
            m.attrU32(IFA_FLAGS, flags);
        }
        return m;
    }

    static byte[] broadcast(InetAddress a, int prefixLength) {
        byte[] b = a.getAddress();
        int v = (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
        v |= prefixLength == 0 ? -1 : (1 << (32 - prefixLength)) - 1;
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    /** All addresses. */
    public List<Address> list() {
        return list(0, Rtnl.AF_UNSPEC);
    }

    /**
     * Addresses of link {@code index} (0 = all links) of {@code family} ({@link Rtnl#AF_INET},
     * {@link Rtnl#AF_INET6}, or {@link Rtnl#AF_UNSPEC} for both).
     */
    public List<Address> list(int index, int family) {
        MessageBuilder m = new MessageBuilder(RTM_GETADDR, NLM_F_DUMP)
                .u8(family)
                .u8(0)
                .u8(0)
                .u8(0)
                .u32(0);
        List<ByteBuffer> replies = socket.transact(m, "list addresses");
        List<Address> out = new ArrayList<>();
        for (ByteBuffer b : replies) {
            Address a = decode(b);
            if (a != null
                    && (index == 0 || a.index() == index)
                    && (family == Rtnl.AF_UNSPEC || (family == Rtnl.AF_INET) == a.isIPv4())) {
                out.add(a);
            }
        }
        return out;
    }

    static Address decode(ByteBuffer b) {
        NetlinkMessage msg = NetlinkMessage.of(b);
        int p = msg.payloadOffset();
        int prefix = b.get(p + 1) & 0xff;
        int flags = b.get(p + 2) & 0xff;
        int scope = b.get(p + 3) & 0xff;
        int index = b.getInt(p + 4);
        byte[] local = null, address = null, brd = null;
        String label = null;
        AttributeReader r = msg.attributes(IFADDRMSG_LENGTH);
        while (r.next()) {
            switch (r.type()) {
                case IFA_LOCAL -> local = r.bytes();
                case IFA_ADDRESS -> address = r.bytes();
                case IFA_BROADCAST -> brd = r.bytes();
                case IFA_LABEL -> label = r.string();
                case IFA_FLAGS -> flags = r.u32();
                default -> {}
            }
        }
        byte[] a = local != null ? local : address;
        if (a == null) {
            return null;
        }
        return new Address(index, inet(a), prefix, scope, flags, brd == null ? null : inet(brd), label);
    }

    private static InetAddress inet(byte[] b) {
        try {
            return InetAddress.getByAddress(b);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("bad address length " + b.length, e);
        }
    }
}
