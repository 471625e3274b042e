package dev.cni4j.linux.rtnl;

import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.linux.netlink.KernelReplies;
import dev.cni4j.linux.netlink.MessageBuilder;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class RtnlCodecTest {
    @Test
    void addressAddLikeIpAddrAddWithBroadcast() throws Exception {
        // ip addr add 10.1.2.3/24 brd + dev #5 (strace: 48 bytes, IFA_LOCAL, IFA_ADDRESS, IFA_BROADCAST)
        MessageBuilder m = Addresses.encode(Addresses.RTM_NEWADDR, 0x600, 5, InetAddress.getByName("10.1.2.3"), 24, 0);
        assertEquals(
                ""
                        + "30000000" + "1400" + "0006" + "00000000" + "00000000"
                        + "02" + "18" + "00" + "00" + "05000000"
                        + "0800" + "0200" + "0a010203"
                        + "0800" + "0100" + "0a010203"
                        + "0800" + "0400" + "0a0102ff",
                HexFormat.of().formatHex(m.toBytes()));
    }

    @Test
    void ipv6AddressWithNodadUsesIfaFlags() throws Exception {
        MessageBuilder m = Addresses.encode(
                Addresses.RTM_NEWADDR, 0x600, 2, InetAddress.getByName("2001:db8::1"), 64, Address.IFA_F_NODAD);
        assertEquals(
                ""
                        + "34000000" + "1400" + "0006" + "00000000" + "00000000"
                        + "0a" + "40" + "02" + "00" + "02000000"
                        + "1400" + "0100" + "20010db8000000000000000000000001"
                        + "0800" + "0800" + "02000000",
                HexFormat.of().formatHex(m.toBytes()));
    }

    @Test
    void decodesKernelLinkReply() throws Exception {
        Link lo = LinkMessages.decode(KernelReplies.load("link"));
        assertEquals("lo", lo.name());
        assertEquals(1, lo.index());
        assertEquals(Link.ARPHRD_LOOPBACK, lo.type());
        assertEquals(65536, lo.mtu());
        assertTrue(lo.isUp());
        assertEquals("00:00:00:00:00:00", lo.mac());
        assertNull(lo.kind());
    }

    @Test
    void decodesKernelAddressDump() throws Exception {
        ByteBuffer all = KernelReplies.load("addr");
        // the first message of the dump: 127.0.0.1/8 on lo, scope host
        Address a = Addresses.decode(all);
        assertEquals("127.0.0.1/8", a.cidr());
        assertEquals(Address.SCOPE_HOST, a.scope());
        assertEquals(1, a.index());
        assertEquals("lo", a.label());
        assertTrue((a.flags() & Address.IFA_F_PERMANENT) != 0);
        int second = all.getInt(0);
        Address v6 = Addresses.decode(all.slice(second, all.limit() - second).order(all.order()));
        assertEquals("2001:db8:0:0:0:0:0:1/64", v6.cidr());
        assertFalse(v6.isTentative());
    }

    @Test
    void broadcastOfPrefix() throws Exception {
        assertArrayEquals(
                new byte[] {10, 1, 3, (byte) 255}, Addresses.broadcast(InetAddress.getByName("10.1.2.3"), 23));
        assertArrayEquals(
                new byte[] {(byte) 255, (byte) 255, (byte) 255, (byte) 255},
                Addresses.broadcast(InetAddress.getByName("10.1.2.3"), 0));
    }

    @Test
    void macRoundTrip() {
        assertEquals("0a:58:0a:f4:00:01", Mac.format(Mac.parse("0A:58:0a:f4:00:01")));
        assertThrows(IllegalArgumentException.class, () -> Mac.parse("0a:58:0a:f4:00"));
    }
}
