package dev.cni4j.linux.netlink;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Decodes replies a real kernel (6.18) sent, captured inside a throwaway namespace. */
class KernelReplyTest {
    static ByteBuffer reply(String name) throws IOException {
        try (InputStream in = KernelReplyTest.class.getResourceAsStream("/kernel-replies/" + name + ".hex")) {
            String hex = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
            return ByteBuffer.wrap(HexFormat.of().parseHex(hex)).order(ByteOrder.LITTLE_ENDIAN);
        }
    }

    @Test
    void extendedAckTextIsDecoded() throws IOException {
        // ip link add x0 type nosuchkind: EOPNOTSUPP, NLM_F_CAPPED|NLM_F_ACK_TLVS, "Unknown device type"
        ByteBuffer b = reply("err");
        NetlinkMessage m = NetlinkMessage.of(b);
        assertEquals(NetlinkMessage.NLMSG_ERROR, m.type());
        assertEquals(0x300, m.flags());
        NetlinkException e = NetlinkSocket.decodeError(b, 0, "create link x0");
        assertEquals(95, e.errno());
        assertEquals("EOPNOTSUPP", e.errnoName());
        assertEquals("Unknown device type", e.extAck());
        assertEquals("create link x0: EOPNOTSUPP (Operation not supported): Unknown device type", e.getMessage());
    }

    @Test
    void attributesOfALinkReplyIterate() throws IOException {
        ByteBuffer b = reply("link");
        NetlinkMessage m = NetlinkMessage.of(b);
        assertEquals(16, m.type()); // RTM_NEWLINK
        assertEquals(b.limit(), m.length());
        AttributeReader r = m.attributes(16);
        String name = null;
        int mtu = 0, count = 0;
        while (r.next()) {
            count++;
            if (r.type() == 3) {
                name = r.string();
            }
            if (r.type() == 4) {
                mtu = r.u32();
            }
        }
        assertEquals("lo", name);
        assertEquals(65536, mtu);
        assertTrue(count > 20, "saw " + count + " attributes");
    }

    @Test
    void truncatedAttributeIsReportedWithItsOffset() {
        ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(0, (short) 12).putShort(2, (short) 1);
        AttributeReader r = new AttributeReader().wrap(b, 0, 8);
        IllegalStateException e = assertThrows(IllegalStateException.class, r::next);
        assertTrue(e.getMessage().contains("offset 0"), e.getMessage());
    }
}
