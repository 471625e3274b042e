package dev.cni4j.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpPrefixTest {

    @ParameterizedTest
    @CsvSource({
        "10.1.2.3/24, 10.1.2.0/24, 10.1.2.0, 10.1.2.255",
        "10.1.2.3/32, 10.1.2.3/32, 10.1.2.3, 10.1.2.3",
        "10.1.2.3/0, 0.0.0.0/0, 0.0.0.0, 255.255.255.255",
        "2001:db8::5/64, 2001:db8::/64, 2001:db8::, 2001:db8::ffff:ffff:ffff:ffff",
        "2001:db8:1:2:3:4:5:6/63, 2001:db8:1:2::/63, 2001:db8:1:2::, 2001:db8:1:3:ffff:ffff:ffff:ffff",
        "2001:db8::5/120, 2001:db8::/120, 2001:db8::, 2001:db8::ff",
        "2001:db8::5/128, 2001:db8::5/128, 2001:db8::5, 2001:db8::5",
        "2001:db8::5/0, ::/0, ::, ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
    })
    void masksAndBounds(String text, String masked, String first, String last) {
        IpPrefix p = IpPrefix.parse(text);
        assertEquals(text, p.toString());
        assertEquals(masked, p.masked().toString());
        assertEquals(first, p.network().toString());
        assertEquals(last, p.lastAddress().toString());
        assertTrue(p.contains(p.address()));
        assertTrue(p.contains(p.lastAddress()));
        assertEquals(p.masked().toString().equals(text), p.isMasked());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "10.0.0.0",
                "10.0.0.0/",
                "10.0.0.0/33",
                "10.0.0.0/-1",
                "10.0.0.0/08",
                "10.0.0.0/1000",
                "::/129",
                "10.0.0/8",
                "/8",
                "10.0.0.0/8/8",
                "10.0.0.0/ 8",
                "fe80::%eth0/64",
                "10.1.2.0/2a",
                "10.1.2.0/+8"
            })
    void rejectsMalformed(String text) {
        assertNull(IpPrefix.tryParse(text));
        assertThrows(IllegalArgumentException.class, () -> IpPrefix.parse(text));
    }

    @Test
    void containmentAndOverlapStayInTheFamily() {
        IpPrefix net = IpPrefix.parse("10.0.0.0/8");
        assertTrue(net.contains(IpPrefix.parse("10.20.0.0/16")));
        assertFalse(IpPrefix.parse("10.20.0.0/16").contains(net));
        assertTrue(net.overlaps(IpPrefix.parse("10.20.0.0/16")));
        assertTrue(IpPrefix.parse("10.20.0.0/16").overlaps(net));
        assertFalse(net.overlaps(IpPrefix.parse("11.0.0.0/8")));
        // ::ffff:10.0.0.0/104 is IPv6 text: never inside an IPv4 network
        assertFalse(net.overlaps(IpPrefix.parse("::ffff:10.0.0.0/104")));
        assertFalse(net.contains(IpAddress.parse("::ffff:10.0.0.1")));
        assertTrue(IpPrefix.parse("::/0").contains(IpAddress.parse("::ffff:10.0.0.1")));
        assertFalse(IpPrefix.parse("::/0").contains(IpAddress.parse("10.0.0.1")));
        assertTrue(IpPrefix.parse("2001:db8::/32").contains(IpPrefix.parse("2001:db8:ffff::/48")));
        assertFalse(IpPrefix.parse("2001:db8::/32").overlaps(IpPrefix.parse("2001:db9::/32")));
    }

    @Test
    void ipv4MappedPrefixStaysIpv6AndUnmapsOnPurpose() {
        IpPrefix mapped = IpPrefix.parse("::ffff:10.0.0.0/104");
        assertTrue(mapped.isIPv6());
        assertTrue(mapped.isIPv4Mapped());
        assertEquals(IpPrefix.parse("10.0.0.0/8"), mapped.unmap());
        assertEquals(
                IpPrefix.parse("10.1.2.3/32"),
                IpPrefix.parse("::ffff:10.1.2.3/128").unmap());
        assertEquals(
                IpPrefix.parse("0.0.0.0/0"), IpPrefix.parse("::ffff:0:0/96").unmap());
        // shorter than the mapping: an IPv6 network that merely starts at a mapped address
        assertFalse(IpPrefix.parse("::ffff:0:0/95").isIPv4Mapped());
        assertEquals(
                IpPrefix.parse("::ffff:0:0/95"), IpPrefix.parse("::ffff:0:0/95").unmap());
        IpPrefix v4 = IpPrefix.parse("10.0.0.0/8");
        assertFalse(v4.isIPv4Mapped());
        assertEquals(v4, v4.unmap());
        assertFalse(IpPrefix.parse("2001:db8::/64").isIPv4Mapped());
    }

    @Test
    void sizeNthAndIteration() {
        IpPrefix p = IpPrefix.parse("192.168.1.8/30");
        assertEquals(4, p.size());
        assertEquals("192.168.1.10", p.nth(2).toString());
        assertThrows(IndexOutOfBoundsException.class, () -> p.nth(4));
        List<String> all = new ArrayList<>();
        p.forEach(a -> all.add(a.toString()));
        assertEquals(List.of("192.168.1.8", "192.168.1.9", "192.168.1.10", "192.168.1.11"), all);
        List<String> v6 = new ArrayList<>();
        IpPrefix.parse("2001:db8::fe/127").forEach(a -> v6.add(a.toString()));
        assertEquals(List.of("2001:db8::fe", "2001:db8::ff"), v6);
        assertEquals(Long.MAX_VALUE, IpPrefix.parse("::/64").size());
        assertEquals(1L << 32, IpPrefix.parse("0.0.0.0/0").size());
        assertEquals(1, IpPrefix.single(IpAddress.parse("255.255.255.255")).size());
        List<String> last = new ArrayList<>();
        IpPrefix.single(IpAddress.parse("255.255.255.255")).forEach(a -> last.add(a.toString()));
        assertEquals(List.of("255.255.255.255"), last);
    }
}
