package dev.cni4j.linux.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** Golden bytes written by hand from struct nlmsghdr / ifinfomsg / nlattr (little-endian x86_64). */
class MessageBuilderTest {
    static String hex(MessageBuilder m) {
        return HexFormat.of().formatHex(m.toBytes());
    }

    @Test
    void linkSetUpLikeIpLinkSet() {
        // ip link set dev lo up: RTM_NEWLINK(16) REQUEST|ACK, ifinfomsg{index 1, flags IFF_UP, change 1}
        MessageBuilder m = new MessageBuilder(16, 0x5)
                .u8(0)
                .u8(0)
                .u16(0)
                .u32(1)
                .u32(1)
                .u32(1)
                .seq(0x11223344);
        assertEquals(
                ""
                        + "20000000" + "1000" + "0500" + "44332211" + "00000000" // nlmsghdr len 32
                        + "00" + "00" + "0000" + "01000000" + "01000000" + "01000000",
                hex(m));
    }

    @Test
    void nestedAttributesArePaddedAndPatched() {
        // ip link add br0 type bridge: 56 bytes, IFLA_IFNAME "br0\0", IFLA_LINKINFO{IFLA_INFO_KIND "bridge"}
        MessageBuilder m =
                new MessageBuilder(16, 0x605).u8(0).u8(0).u16(0).u32(0).u32(0).u32(0);
        m.attrString(3, "br0");
        int nest = m.beginNested(18);
        m.attrString(1, "bridge");
        m.endNested(nest);
        assertEquals(
                ""
                        + "38000000" + "1000" + "0506" + "00000000" + "00000000"
                        + "00000000" + "00000000" + "00000000" + "00000000"
                        + "0800" + "0300" + "62723000" // nla_len 8, "br0\0"
                        + "1000" + "1200" // LINKINFO len 16 (incl. padding, as iproute2)
                        + "0b00" + "0100" + "62726964676500" + "00",
                hex(m)); // KIND len 11 "bridge\0" + pad
        assertEquals(56, m.length());
    }

    @Test
    void integerAndBigEndianAttributes() {
        MessageBuilder m = new MessageBuilder(1, 0);
        m.attrU8(1, 0xab)
                .attrU16(2, 0x1234)
                .attrU16BigEndian(3, 4789)
                .attrU32(4, 0x01020304)
                .attrU64(5, 1L << 40)
                .attrFlag(6);
        assertEquals(
                ""
                        + "40000000" + "0100" + "0000" + "00000000" + "00000000"
                        + "0500" + "0100" + "ab000000"
                        + "0600" + "0200" + "34120000"
                        + "0600" + "0300" + "12b50000" // 4789 = 0x12b5 network order
                        + "0800" + "0400" + "04030201"
                        + "0c00" + "0500" + "0000000000010000"
                        + "0400" + "0600",
                hex(m));
    }
}
