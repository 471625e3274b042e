package dev.cni4j.linux.rtnl;

/** Traffic-control handle constants and helpers (TC_H_*). */
public final class Tc {
    /** TC_H_ROOT: the root egress qdisc. */
    public static final int ROOT = 0xffffffff;
    /** TC_H_INGRESS == TC_H_CLSACT: parent of the ingress / clsact qdisc. */
    public static final int INGRESS = 0xfffffff1;
    /** Handle of the ingress / clsact qdisc, "ffff:". */
    public static final int INGRESS_HANDLE = 0xffff0000;
    /** clsact's ingress and egress hooks as filter parents. */
    public static final int CLSACT_INGRESS = 0xfffffff2, CLSACT_EGRESS = 0xfffffff3;
    /** ETH_P_ALL. */
    public static final int PROTOCOL_ALL = 0x0003;

    private Tc() {}

    /** major:minor. */
    public static int handle(int major, int minor) {
        return major << 16 | (minor & 0xffff);
    }
}
