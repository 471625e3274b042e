package dev.cni4j.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpAddressTest {

    @ParameterizedTest
    @CsvSource({
        "10.1.2.3, 10.1.2.3",
        "0.0.0.0, 0.0.0.0",
        "255.255.255.255, 255.255.255.255",
        "::, ::",
        "::1, ::1",
        "2001:DB8::1, 2001:db8::1",
        "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
        "2001:0db8:0000:0000:0000:0000:0000:0001, 2001:db8::1",
        "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
        "1:0:0:2:0:0:0:3, 1:0:0:2::3",
        "fe80::, fe80::",
        "::ffff:10.0.0.1, ::ffff:10.0.0.1",
        "::ffff:a00:1, ::ffff:10.0.0.1",
        "64:ff9b::192.0.2.33, 64:ff9b::c000:221",
        "1:2:3:4:5:6:7:8, 1:2:3:4:5:6:7:8",
        "1::8, 1::8",
        "1:2:3:4:5:6:7::, 1:2:3:4:5:6:7:0",
        // what Go's net.IP.String() prints, which host-local's reservation files are named by
        "3ffe:ffff:0:01ff::0010, 3ffe:ffff:0:1ff::10",
        "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
        "2001:db8:0:1:0:0:0:1, 2001:db8:0:1::1",
    })
    void parsesToCanonicalText(String text, String canonical) {
        assertEquals(canonical, IpAddress.parse(text).toString());
        assertEquals(IpAddress.parse(text), IpAddress.parse(canonical));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "1.2.3",
                "1.2.3.4.5",
                "01.2.3.4",
                "1.2.3.256",
                "1.2.3.4 ",
                " 1.2.3.4",
                "1..2.3",
                "10.1",
                "0x1.2.3.4",
                "1.2.3.-4",
                "1234.1.1.1",
                ":",
                ":::",
                "1:::2",
                "1::2::3",
                ":1::",
                "1:2:3:4:5:6:7:8:9",
                "1:2:3:4:5:6:7",
                "12345::",
                "::g",
                "fe80::1%eth0",
                "[::1]",
                "::1.2.3",
                "::1.2.3.4.5",
                "1:2:3:4:5:6:7:1.2.3.4",
                "1:",
                "localhost",
                "::ffff:01.2.3.4",
                "256.1.1.1",
                "10..1.1",
                "10.1.1.1.",
                "a.b.c.d",
                "example.com",
                "1"
            })
    void rejectsWhatIsNotALiteral(String text) {
        assertNull(IpAddress.tryParse(text));
        assertThrows(IllegalArgumentException.class, () -> IpAddress.parse(text));
    }

    @Test
    void ipv4MappedStaysIpv6() {
        IpAddress mapped = IpAddress.parse("::ffff:10.0.0.1");
        assertTrue(mapped.isIPv6());
        assertTrue(mapped.isIPv4Mapped());
        assertEquals(IpAddress.parse("10.0.0.1"), mapped.unmap());
        assertFalse(mapped.equals(IpAddress.parse("10.0.0.1")));
        assertFalse(IpAddress.parse("::10.0.0.1").isIPv4Mapped());
    }

    @Test
    void matchesTheJdkForRandomAddresses() throws Exception {
        Random r = new Random(42);
        for (int i = 0; i < 2000; i++) {
            byte[] b = new byte[i % 2 == 0 ? 4 : 16];
            r.nextBytes(b);
            if (b.length == 16 && i % 3 == 0) {
                for (int z = r.nextInt(16); z < 16 && z < r.nextInt(17); z++) {
                    b[z] = 0; // zero runs exercise the compression
                }
            }
            IpAddress a = IpAddress.ofBytes(b);
            assertArrayEquals(b, a.bytes());
            InetAddress jdk = InetAddress.getByAddress(b);
            if (!a.isIPv4Mapped()) {
                assertEquals(IpAddress.of(jdk), a);
            }
            assertEquals(a, IpAddress.parse(a.toString()), a.toString());
            assertEquals(a, IpAddress.parse(jdk.getHostAddress()).unmap().equals(a.unmap()) ? a : null);
        }
    }

    @Test
    void arithmeticCarriesAcrossTheHalves() {
        IpAddress a = IpAddress.parse("2001:db8::ffff:ffff:ffff:ffff");
        assertEquals(IpAddress.parse("2001:db8:0:1::"), a.next());
        assertEquals(a, a.next().previous());
        assertEquals(IpAddress.parse("10.0.1.0"), IpAddress.parse("10.0.0.255").next());
        assertEquals(IpAddress.parse("10.0.0.250"), IpAddress.parse("10.0.1.4").plus(-10));
        assertEquals(10, IpAddress.parse("10.0.0.250").distanceTo(IpAddress.parse("10.0.1.4")));
        assertEquals(-1, a.next().distanceTo(a));
        assertThrows(
                ArithmeticException.class,
                () -> IpAddress.parse("255.255.255.255").next());
        assertThrows(ArithmeticException.class, () -> IpAddress.parse("0.0.0.0").previous());
        assertThrows(
                ArithmeticException.class,
                () -> IpAddress.parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").next());
        assertThrows(ArithmeticException.class, () -> IpAddress.parse("::").previous());
        assertThrows(ArithmeticException.class, () -> IpAddress.parse("::").distanceTo(IpAddress.parse("8000::")));
    }

    @Test
    void ordersIpv4BeforeIpv6AndUnsigned() {
        List<IpAddress> list = new ArrayList<>(List.of(
                IpAddress.parse("ff00::"),
                IpAddress.parse("::1"),
                IpAddress.parse("200.0.0.1"),
                IpAddress.parse("10.0.0.1"),
                IpAddress.parse("8000::")));
        Collections.sort(list);
        assertEquals("[10.0.0.1, 200.0.0.1, ::1, 8000::, ff00::]", list.toString());
    }

    @Test
    void classifies() {
        assertTrue(IpAddress.parse("fe80::1").isLinkLocalUnicast());
        assertTrue(IpAddress.parse("febf::1").isLinkLocalUnicast());
        assertFalse(IpAddress.parse("fec0::1").isLinkLocalUnicast());
        assertTrue(IpAddress.parse("169.254.3.4").isLinkLocalUnicast());
        assertTrue(IpAddress.parse("127.1.2.3").isLoopback());
        assertTrue(IpAddress.parse("::1").isLoopback());
        assertTrue(IpAddress.parse("::").isUnspecified());
        assertTrue(IpAddress.parse("0.0.0.0").isUnspecified());
        assertTrue(IpAddress.parse("ff02::1").isMulticast());
        assertTrue(IpAddress.parse("239.1.1.1").isMulticast());
        assertFalse(IpAddress.parse("10.0.0.1").isMulticast());
    }
}
