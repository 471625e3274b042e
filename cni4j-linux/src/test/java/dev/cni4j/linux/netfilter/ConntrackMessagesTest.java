package dev.cni4j.linux.netfilter;

import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.linux.netlink.KernelReplies;
import dev.cni4j.linux.netlink.MessageBuilder;
import dev.cni4j.linux.netlink.NetlinkMessage;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * ctnetlink messages against conntrack-tools 1.4.7 and a 6.18 kernel, captured with
 * {@code strace -e trace=sendto,recvmsg -e write=3,4 -e read=3,4} inside a throwaway namespace
 * holding four UDP entries (127.0.0.1 and ::1, source ports 40001 -> 5353 and 40002 -> 9999):
 * <ul>
 * <li>conntrack-dump{4,6}-request: {@code conntrack -L -f ipv4|ipv6 -p udp}</li>
 * <li>conntrack-dump{4,6}: the kernel's dump reply to it (both entries of the family)</li>
 * <li>conntrack-delete{4,6}-request: the delete {@code conntrack -D -f ipv4|ipv6 -p udp --sport 40001
 *     --dport 5353 ...} sent for the first entry after dumping</li>
 * </ul>
 */
class ConntrackMessagesTest {
    static byte[] golden(String name) throws IOException {
        try (InputStream in = ConntrackMessagesTest.class.getResourceAsStream("/kernel-replies/" + name + ".hex")) {
            return HexFormat.of().parseHex(new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim());
        }
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    /** The messages of a captured datagram, each in its own buffer, as NetlinkSocket hands them out. */
    static List<ByteBuffer> messages(String name) throws IOException {
        ByteBuffer all = KernelReplies.load(name);
        List<ByteBuffer> out = new ArrayList<>();
        for (int off = 0; off < all.limit(); ) {
            int len = all.getInt(off);
            byte[] one = new byte[len];
            all.get(off, one);
            out.add(ByteBuffer.wrap(one).order(ByteOrder.LITTLE_ENDIAN));
            off += NetlinkMessage.align(len);
        }
        return out;
    }

    /** The flags the socket adds, and the golden's sequence number (the only field that differs per run). */
    static byte[] asSent(MessageBuilder m, byte[] golden, int extraFlags) {
        int seq = ByteBuffer.wrap(golden).order(ByteOrder.LITTLE_ENDIAN).getInt(NetlinkMessage.SEQ_OFFSET);
        m.flags(m.flags() | NetlinkMessage.NLM_F_REQUEST | extraFlags).seq(seq);
        return m.toBytes();
    }

    @Test
    void dumpRequestsAreConntrackToolsOnes() throws IOException {
        byte[] g4 = golden("conntrack-dump4-request");
        assertEquals(hex(g4), hex(asSent(ConntrackMessages.dumpRequest(Conntrack.AF_INET), g4, 0)));
        byte[] g6 = golden("conntrack-dump6-request");
        assertEquals(hex(g6), hex(asSent(ConntrackMessages.dumpRequest(Conntrack.AF_INET6), g6, 0)));
        // nlmsg_type 0x0101 (CTNETLINK << 8 | CT_GET), flags REQUEST|DUMP, nfgenmsg {AF_INET, V0, 0}
        assertEquals("14000000" + "0101" + "0103", hex(g4).substring(0, 16));
    }

    /**
     * conntrack-tools 1.4.7 filters ports in user space, so there is no golden to compare with:
     * the layout of nfnetlink_conntrack.h and nf_internals.h, spelled out.
     */
    @Test
    void filteredDumpRequestCarriesTheTupleAndTheFilterFlags() {
        MessageBuilder m = ConntrackMessages.dumpRequest(Conntrack.AF_INET6, Conntrack.IPPROTO_UDP, 5353);
        m.flags(m.flags() | NetlinkMessage.NLM_F_REQUEST).seq(0x01020304);
        assertEquals(
                "38000000" + "0101" + "0103" + "04030201" + "00000000" // nlmsghdr, 56 bytes
                        + "0a000000" // nfgenmsg AF_INET6, V0
                        + "1800" + "0180" // CTA_TUPLE_ORIG | NLA_F_NESTED
                        + "1400" + "0280" //   CTA_TUPLE_PROTO | NLA_F_NESTED
                        + "0500" + "0100" + "11000000" //     CTA_PROTO_NUM 17
                        + "0600" + "0300" + "14e90000" //     CTA_PROTO_DST_PORT 5353 (be16)
                        + "0c00" + "1980" // CTA_FILTER | NLA_F_NESTED
                        + "0800" + "0100" + "28000000", //   ORIG_FLAGS PROTO_NUM | PROTO_DST_PORT
                hex(m.toBytes()));
    }

    @Test
    void decodesTheKernelsIpv4Dump() throws IOException {
        List<ByteBuffer> replies = messages("conntrack-dump4");
        assertEquals(2, replies.size());
        ConntrackEntry a = ConntrackMessages.decode(replies.get(0));
        ConntrackEntry b = ConntrackMessages.decode(replies.get(1));
        assertEquals("udp src=127.0.0.1 dst=127.0.0.1 sport=40001 dport=5353", a.toString());
        assertEquals("udp src=127.0.0.1 dst=127.0.0.1 sport=40002 dport=9999", b.toString());
        assertEquals(Conntrack.AF_INET, a.family());
        assertEquals(Conntrack.IPPROTO_UDP, a.protocol());
        assertEquals(InetAddress.getByName("127.0.0.1"), a.destination());
        assertEquals(ConntrackEntry.NO_ZONE, a.zone());
        assertEquals(48, a.originalTuple().length); // CTA_TUPLE_ORIG is 52 bytes with its header
    }

    @Test
    void decodesTheKernelsIpv6Dump() throws IOException {
        List<ByteBuffer> replies = messages("conntrack-dump6");
        assertEquals(2, replies.size());
        List<String> entries = replies.stream()
                .map(r -> ConntrackMessages.decode(r).toString())
                .sorted()
                .toList();
        assertEquals(
                List.of(
                        "udp src=0:0:0:0:0:0:0:1 dst=0:0:0:0:0:0:0:1 sport=40001 dport=5353",
                        "udp src=0:0:0:0:0:0:0:1 dst=0:0:0:0:0:0:0:1 sport=40002 dport=9999"),
                entries);
        assertEquals(
                Conntrack.AF_INET6, ConntrackMessages.decode(replies.get(0)).family());
    }

    /**
     * conntrack-tools names the entry with everything it dumped (CTA_TUPLE_ORIG, CTA_TUPLE_REPLY,
     * CTA_STATUS, CTA_ID, CTA_MARK); the kernel (ctnetlink_del_conntrack) looks the entry up by
     * CTA_TUPLE_ORIG and the zone alone, so we send just that. Our request is conntrack-tools'
     * byte for byte up to the end of CTA_TUPLE_ORIG, with nlmsg_len to match.
     */
    @Test
    void deleteRequestIsConntrackToolsOneUpToTheOriginalTuple() throws IOException {
        assertDeleteMatches("conntrack-dump4", "conntrack-delete4-request", 52);
        assertDeleteMatches("conntrack-dump6", "conntrack-delete6-request", 76);
    }

    private static void assertDeleteMatches(String dump, String request, int origLength) throws IOException {
        ConntrackEntry entry = messages(dump).stream()
                .map(ConntrackMessages::decode)
                .filter(e -> e.destinationPort() == 5353)
                .findFirst()
                .orElseThrow();
        byte[] g = golden(request);
        ByteBuffer gb = ByteBuffer.wrap(g).order(ByteOrder.LITTLE_ENDIAN);
        int origStart = NetlinkMessage.HEADER_LENGTH + ConntrackMessages.NFGENMSG_LENGTH;
        assertEquals(origLength, gb.getShort(origStart), "CTA_TUPLE_ORIG length in " + request);
        assertEquals((short) 0x8001, gb.getShort(origStart + 2), "first attribute is CTA_TUPLE_ORIG|NLA_F_NESTED");
        byte[] expected = Arrays.copyOf(g, origStart + origLength);
        ByteBuffer.wrap(expected).order(ByteOrder.LITTLE_ENDIAN).putInt(0, expected.length);

        byte[] ours = asSent(ConntrackMessages.deleteRequest(entry), g, NetlinkMessage.NLM_F_ACK);
        assertEquals(hex(expected), hex(ours), request);
        // nlmsg_type 0x0102 (CTNETLINK << 8 | CT_DELETE), flags REQUEST|ACK
        assertEquals("0201" + "0500", hex(ours).substring(8, 16));
    }

    @Test
    void zoneIsDecodedAndSentBack() throws Exception {
        // a CT_NEW message as the kernel builds it for an entry in zone 7
        MessageBuilder m = new MessageBuilder(ConntrackMessages.type(ConntrackMessages.IPCTNL_MSG_CT_NEW), 0);
        m.u8(Conntrack.AF_INET).u8(0).u16(0);
        int orig = m.beginNested(ConntrackMessages.CTA_TUPLE_ORIG | 0x8000);
        int ip = m.beginNested(ConntrackMessages.CTA_TUPLE_IP | 0x8000);
        m.attrAddress(ConntrackMessages.CTA_IP_V4_SRC, InetAddress.getByName("192.0.2.2"));
        m.attrAddress(ConntrackMessages.CTA_IP_V4_DST, InetAddress.getByName("192.0.2.1"));
        m.endNested(ip);
        int proto = m.beginNested(ConntrackMessages.CTA_TUPLE_PROTO | 0x8000);
        m.attrU8(ConntrackMessages.CTA_PROTO_NUM, Conntrack.IPPROTO_UDP);
        m.attrU16BigEndian(ConntrackMessages.CTA_PROTO_SRC_PORT, 40053);
        m.attrU16BigEndian(ConntrackMessages.CTA_PROTO_DST_PORT, 53);
        m.endNested(proto);
        m.endNested(orig);
        m.attrU32(3 /* CTA_STATUS */, 0x08000000);
        m.attrU16BigEndian(ConntrackMessages.CTA_ZONE, 7);
        ConntrackEntry e = ConntrackMessages.decode(ByteBuffer.wrap(m.toBytes()).order(ByteOrder.nativeOrder()));
        assertEquals("udp src=192.0.2.2 dst=192.0.2.1 sport=40053 dport=53 zone=7", e.toString());

        String delete = hex(ConntrackMessages.deleteRequest(e).toBytes());
        String tuple = hex(e.originalTuple());
        assertEquals(
                ""
                        + "50000000" + "0201" + "0000" + "00000000" + "00000000" // nlmsghdr (flags set by the socket)
                        + "02" + "00" + "0000" // nfgenmsg
                        + "3400" + "0180" + tuple // CTA_TUPLE_ORIG, as received
                        + "0600" + "1200" + "0007" + "0000",
                delete); // CTA_ZONE, be16
    }

    @Test
    void otherMessagesAreRejected() {
        MessageBuilder m = new MessageBuilder(NetlinkMessage.NLMSG_DONE, 0).u32(0);
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> ConntrackMessages.decode(ByteBuffer.wrap(m.toBytes()).order(ByteOrder.nativeOrder())));
        assertTrue(e.getMessage().contains("0x3"), e.getMessage());
    }
}
