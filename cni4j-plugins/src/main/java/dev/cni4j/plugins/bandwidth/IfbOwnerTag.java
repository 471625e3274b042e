package dev.cni4j.plugins.bandwidth;

import dev.cni4j.linux.netlink.AttributeReader;
import dev.cni4j.linux.netlink.MessageBuilder;
import dev.cni4j.linux.netlink.NetlinkMessage;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.linux.rtnl.Tc;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.Map;

/**
 * Who owns an ifb: its alias (IFLA_IFALIAS) says {@code cni4j-bandwidth <network> <containerID>},
 * so GC can remove the ifbs of its own network's stale attachments without touching other
 * networks' (the name is only a hash). The kernel layer has no alias API yet, so this small
 * helper builds the two messages itself.
 *
 * <p>A qdisc has no alias, so the tbf put on the host veth carries its owner in its handle (see
 * {@link #tbfHandle}): DEL removes a tbf only when the handle is the attachment's own, and so never
 * one it did not make (another attachment's, the operator's, or a veth a forged prevResult names).
 *
 * <pre>
 * struct ifinfomsg { u8 family; u8 pad; u16 type; s32 index; u32 flags; u32 change; }   16 bytes
 * </pre>
 */
final class IfbOwnerTag {
    static final int RTM_NEWLINK = 16, RTM_GETLINK = 18, IFLA_IFNAME = 3, IFLA_IFALIAS = 20;
    static final int IFINFOMSG_LENGTH = 16, IFALIASZ = 256;
    static final String PREFIX = "cni4j-bandwidth ";

    private IfbOwnerTag() {}

    static String of(String network, String containerId) {
        String tag = PREFIX + network + " " + containerId;
        return tag.length() < IFALIASZ ? tag : tag.substring(0, IFALIASZ - 1);
    }

    /**
     * The handle of an attachment's tbf: major {@code 2..0xfffe} from sha512(network + containerID)
     * (1: is what the reference plugin uses, ffff: is the ingress qdisc), minor 0.
     */
    static int tbfHandle(String network, String containerId) {
        int h = Integer.parseInt(IfbDevice.sha512Hex(network + containerId).substring(0, 4), 16);
        return Tc.handle(2 + h % 0xfffd, 0);
    }

    /** {@code ip link set dev #index alias TAG}. */
    static void set(Rtnl rtnl, int index, String tag) {
        MessageBuilder m = new MessageBuilder(RTM_NEWLINK, 0)
                .u8(Rtnl.AF_UNSPEC)
                .u8(0)
                .u16(0)
                .u32(index)
                .u32(0)
                .u32(0);
        m.attrString(IFLA_IFALIAS, tag);
        rtnl.socket().execute(m, "set alias of link #" + index);
    }

    /** Link name to alias, for every link that has one. */
    static Map<String, String> aliases(Rtnl rtnl) {
        MessageBuilder m = new MessageBuilder(RTM_GETLINK, NetlinkMessage.NLM_F_DUMP)
                .u8(Rtnl.AF_UNSPEC)
                .zeros(15);
        Map<String, String> out = new HashMap<>();
        for (ByteBuffer b : rtnl.socket().transact(m, "list link aliases")) {
            String name = null;
            String alias = null;
            AttributeReader r = NetlinkMessage.of(b).attributes(IFINFOMSG_LENGTH);
            while (r.next()) {
                if (r.type() == IFLA_IFNAME) {
                    name = r.string();
                } else if (r.type() == IFLA_IFALIAS) {
                    alias = r.string();
                }
            }
            if (name != null && alias != null) {
                out.put(name, alias);
            }
        }
        return out;
    }

    /** The container ID in a tag of {@code network}, or null if the tag is another network's or none. */
    static String containerOf(String tag, String network) {
        String prefix = PREFIX + network + " ";
        return tag != null && tag.startsWith(prefix) ? tag.substring(prefix.length()) : null;
    }
}
