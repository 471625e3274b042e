package dev.cni4j.linux.rtnl;

import static dev.cni4j.linux.rtnl.LinkMessages.*;

import dev.cni4j.linux.netlink.MessageBuilder;

/** An intermediate functional block device, the target of ingress redirects for shaping. */
public record Ifb(String name, int mtu) implements LinkSpec {
    public static Ifb of(String name) {
        return new Ifb(name, 0);
    }

    @Override
    public String kind() {
        return "ifb";
    }

    @Override
    public void encode(MessageBuilder m) {
        int info = LinkMessages.beginNewLink(m, name, mtu, null, "ifb");
        m.endNested(info);
    }
}
