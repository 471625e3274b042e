package dev.cni4j.linux.rtnl;

import static dev.cni4j.linux.rtnl.LinkMessages.*;

import dev.cni4j.linux.netlink.MessageBuilder;

/**
 * A Linux bridge.
 *
 * @param mtu            0 for the default
 * @param mac            null for the kernel's choice
 * @param vlanFiltering  IFLA_BR_VLAN_FILTERING, null to leave the default (off)
 * @param nfCallIptables IFLA_BR_NF_CALL_IPTABLES (br_netfilter), null for the default
 * @param nfCallIp6tables IFLA_BR_NF_CALL_IP6TABLES, null for the default
 */
public record Bridge(
        String name, int mtu, String mac, Boolean vlanFiltering, Boolean nfCallIptables, Boolean nfCallIp6tables)
        implements LinkSpec {
    static final int IFLA_BR_VLAN_FILTERING = 7, IFLA_BR_NF_CALL_IPTABLES = 36, IFLA_BR_NF_CALL_IP6TABLES = 37;

    public static Bridge of(String name) {
        return new Bridge(name, 0, null, null, null, null);
    }

    @Override
    public String kind() {
        return "bridge";
    }

    @Override
    public void encode(MessageBuilder m) {
        int info = LinkMessages.beginNewLink(m, name, mtu, mac, "bridge");
        if (vlanFiltering != null || nfCallIptables != null || nfCallIp6tables != null) {
            int data = m.beginNested(IFLA_INFO_DATA);
            if (vlanFiltering != null) {
                m.attrU8(IFLA_BR_VLAN_FILTERING, vlanFiltering ? 1 : 0);
            }
            if (nfCallIptables != null) {
                m.attrU8(IFLA_BR_NF_CALL_IPTABLES, nfCallIptables ? 1 : 0);
            }
            if (nfCallIp6tables != null) {
                m.attrU8(IFLA_BR_NF_CALL_IP6TABLES, nfCallIp6tables ? 1 : 0);
            }
            m.endNested(data);
        }
        m.endNested(info);
    }
}
