package dev.cni4j.linux.rtnl;

import java.net.InetAddress;

/**
 * A neighbour (ARP / NDP entry), or with family {@link Rtnl#AF_BRIDGE} a bridge / vxlan fdb entry.
 *
 * @param family  AF_INET, AF_INET6 or AF_BRIDGE
 * @param index   link index
 * @param address neighbour IP (NDA_DST); for fdb entries the remote VTEP of a vxlan, or null
 * @param mac     link-layer address (NDA_LLADDR), or null
 * @param state   NUD_* ({@link #NUD_PERMANENT}, {@link #NUD_NOARP}, {@link #NUD_REACHABLE})
 * @param flags   NTF_* ({@link #NTF_SELF}, {@link #NTF_MASTER})
 * @param vlan    NDA_VLAN for fdb entries, 0 if none
 */
public record Neighbour(int family, int index, InetAddress address, String mac, int state, int flags, int vlan) {
    public static final int NUD_REACHABLE = 0x02, NUD_STALE = 0x04, NUD_NOARP = 0x40, NUD_PERMANENT = 0x80;
    public static final int NTF_SELF = 0x02, NTF_MASTER = 0x04;

    /** A permanent ARP/NDP entry. */
    public static Neighbour permanent(int index, InetAddress address, String mac) {
        return new Neighbour(Route.familyOf(address), index, address, mac, NUD_PERMANENT, 0, 0);
    }

    /**
     * A permanent fdb entry on the device itself (NTF_SELF), e.g. a vxlan's remote VTEP {@code dst};
     * state NOARP|PERMANENT as {@code bridge fdb add ... self permanent} sends it.
     */
    public static Neighbour fdbSelf(int index, String mac, InetAddress dst) {
        return new Neighbour(Rtnl.AF_BRIDGE, index, dst, mac, NUD_NOARP | NUD_PERMANENT, NTF_SELF, 0);
    }

    public boolean isPermanent() {
        return (state & NUD_PERMANENT) != 0;
    }
}
