package dev.cni4j.linux.rtnl;

import dev.cni4j.linux.netlink.MessageBuilder;

/** The ingress qdisc ({@code tc qdisc add dev X ingress}): filters attach to parent "ffff:". */
public record Ingress() implements QdiscSpec {
    @Override
    public int parent() {
        return Tc.INGRESS;
    }

    @Override
    public int handle() {
        return Tc.INGRESS_HANDLE;
    }

    @Override
    public String kind() {
        return "ingress";
    }

    @Override
    public void encodeOptions(MessageBuilder m) {
        // no options
    }
}
