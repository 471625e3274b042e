package dev.cni4j.linux.rtnl;

import dev.cni4j.linux.netlink.MessageBuilder;

/** The clsact qdisc: filters attach to {@link Tc#CLSACT_INGRESS} and {@link Tc#CLSACT_EGRESS}. */
public record Clsact() implements QdiscSpec {
    @Override
    public int parent() {
        return Tc.INGRESS; // TC_H_CLSACT has the same value
    }

    @Override
    public int handle() {
        return Tc.INGRESS_HANDLE;
    }

    @Override
    public String kind() {
        return "clsact";
    }

    @Override
    public void encodeOptions(MessageBuilder m) {
        // no options
    }
}
