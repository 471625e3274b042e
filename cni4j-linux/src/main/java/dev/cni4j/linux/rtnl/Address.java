package dev.cni4j.linux.rtnl;

import java.net.Inet4Address;
import java.net.InetAddress;

/**
 * An interface address as RTM_GETADDR reports it.
 *
 * @param index        ifindex of the link
 * @param address      the local address (IFA_LOCAL for IPv4, IFA_ADDRESS for IPv6)
 * @param prefixLength prefix length
 * @param scope        RT_SCOPE_* (0 universe, 253 link, 254 host)
 * @param flags        IFA_F_* (from IFA_FLAGS when present)
 * @param broadcast    IFA_BROADCAST, or null
 * @param label        IFA_LABEL, or null
 */
public record Address(
        int index, InetAddress address, int prefixLength, int scope, int flags, InetAddress broadcast, String label) {
    public static final int IFA_F_NODAD = 0x02,
            IFA_F_DADFAILED = 0x08,
            IFA_F_TENTATIVE = 0x40,
            IFA_F_PERMANENT = 0x80,
            IFA_F_NOPREFIXROUTE = 0x200;
    public static final int SCOPE_UNIVERSE = 0, SCOPE_LINK = 253, SCOPE_HOST = 254;

    public boolean isIPv4() {
        return address instanceof Inet4Address;
    }

    /** IPv6 duplicate address detection still running: the address cannot be bound yet. */
    public boolean isTentative() {
        return (flags & IFA_F_TENTATIVE) != 0;
    }

    /** "10.1.2.3/24" form. */
    public String cidr() {
        return address.getHostAddress() + "/" + prefixLength;
    }
}
