package dev.cni4j.linux.rtnl;

/**
 * A network interface as RTM_GETLINK reports it.
 *
 * @param index       ifindex
 * @param name        IFLA_IFNAME
 * @param type        ARPHRD_* (1 ether, 772 loopback)
 * @param flags       IFF_* flags (see {@link #isUp()})
 * @param mtu         IFLA_MTU
 * @param mac         IFLA_ADDRESS as "aa:bb:cc:dd:ee:ff", or null
 * @param kind        IFLA_INFO_KIND ("veth", "bridge", "vxlan", "ifb"), or null for lo/physical
 * @param masterIndex IFLA_MASTER (the bridge it is enslaved to), 0 if none
 * @param parentIndex IFLA_LINK: for a veth the peer's ifindex (in {@link #linkNetnsId}'s namespace), 0 if none
 * @param linkNetnsId IFLA_LINK_NETNSID: nsid of the peer's namespace as seen from here, -1 if same/none
 * @param operState   IFLA_OPERSTATE (RFC 2863: 0 unknown, 2 down, 6 up, 7 lower-layer-down)
 * @param promiscuity IFLA_PROMISCUITY count
 */
public record Link(
        int index,
        String name,
        int type,
        int flags,
        int mtu,
        String mac,
        String kind,
        int masterIndex,
        int parentIndex,
        int linkNetnsId,
        int operState,
        int promiscuity) {
    public static final int IFF_UP = 0x1, IFF_LOOPBACK = 0x8, IFF_PROMISC = 0x100, IFF_LOWER_UP = 0x10000;
    public static final int ARPHRD_ETHER = 1, ARPHRD_LOOPBACK = 772;

    /** Administratively up (IFF_UP). */
    public boolean isUp() {
        return (flags & IFF_UP) != 0;
    }

    /** Carrier present (IFF_LOWER_UP). */
    public boolean hasCarrier() {
        return (flags & IFF_LOWER_UP) != 0;
    }

    public boolean isPromiscuous() {
        return (flags & IFF_PROMISC) != 0;
    }

    /** "UP", "DOWN", "LOWERLAYERDOWN", "UNKNOWN", ... as {@code ip link} prints it. */
    public String operStateName() {
        return switch (operState) {
            case 1 -> "NOTPRESENT";
            case 2 -> "DOWN";
            case 3 -> "LOWERLAYERDOWN";
            case 4 -> "TESTING";
            case 5 -> "DORMANT";
            case 6 -> "UP";
            default -> "UNKNOWN";
        };
    }
}
