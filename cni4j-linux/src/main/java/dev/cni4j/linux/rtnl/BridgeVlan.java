package dev.cni4j.linux.rtnl;

/**
 * One VLAN on a bridge port (or on the bridge itself), as {@code bridge vlan show} lists it.
 *
 * @param index link index
 * @param vid   VLAN id 1..4094
 * @param flags BRIDGE_VLAN_INFO_* ({@link #PVID}, {@link #UNTAGGED})
 */
public record BridgeVlan(int index, int vid, int flags) {
    public static final int MASTER = 1, PVID = 2, UNTAGGED = 4;

    public boolean isPvid() {
        return (flags & PVID) != 0;
    }

    public boolean isUntagged() {
        return (flags & UNTAGGED) != 0;
    }
}
