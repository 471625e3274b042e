package dev.cni4j.linux.rtnl;

import dev.cni4j.linux.netlink.MessageBuilder;

/**
 * What {@link Links#create} should create. Each kind encodes its own attributes after the
 * ifinfomsg: IFLA_IFNAME, optional IFLA_MTU / IFLA_ADDRESS, then IFLA_LINKINFO with its kind and
 * IFLA_INFO_DATA.
 */
public interface LinkSpec {
    /** The new link's name. */
    String name();

    /** IFLA_INFO_KIND, e.g. "veth". */
    String kind();

    /** Appends everything after the ifinfomsg. */
    void encode(MessageBuilder m);
}
