package dev.cni4j.linux.rtnl;

import dev.cni4j.linux.netlink.MessageBuilder;

/**
 * Shared parts of traffic-control messages.
 *
 * <pre>
 * struct tcmsg {                20 bytes
 *   0: u8  tcm_family   1: u8 pad   2: u16 pad
 *   4: s32 tcm_ifindex
 *   8: u32 tcm_handle   major:minor, 16 bits each
 *  12: u32 tcm_parent   TC_H_ROOT, TC_H_INGRESS, or a class handle
 *  16: u32 tcm_info     filters: prio << 16 | htons(protocol)
 * }
 * attributes: TCA_KIND string, TCA_OPTIONS nested (kind specific)
 * </pre>
 */
final class TcMessages {
    static final int RTM_NEWQDISC = 36, RTM_DELQDISC = 37, RTM_GETQDISC = 38;
    static final int RTM_NEWTFILTER = 44, RTM_DELTFILTER = 45, RTM_GETTFILTER = 46;
    static final int TCMSG_LENGTH = 20;
    static final int TCA_KIND = 1, TCA_OPTIONS = 2;

    private TcMessages() {}

    static MessageBuilder request(int type, int nlFlags, int index, int handle, int parent, int info) {
        return new MessageBuilder(type, nlFlags)
                .u8(0)
                .u8(0)
                .u16(0)
                .u32(index)
                .u32(handle)
                .u32(parent)
                .u32(info);
    }

    /** "ffff:" / "1:2" / "root" style text of a handle. */
    static String handleText(int h) {
        if (h == Tc.ROOT) {
            return "root";
        }
        return Integer.toHexString(h >>> 16) + ":" + ((h & 0xffff) == 0 ? "" : Integer.toHexString(h & 0xffff));
    }
}
