package dev.cni4j.plugins.hostlocal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpAddressTest {

    @ParameterizedTest(name = "{0} prints as {1}")
    @CsvSource({
            "10.1.2.3, 10.1.2.3",
            "0.0.0.0, 0.0.0.0",
            "255.255.255.255, 255.255.255.255",
            "2001:db8:1::2, 2001:db8:1::2",
            "3ffe:ffff:0:01ff::0010, 3ffe:ffff:0:1ff::10",
            "2001:DB8:0:0:0:0:0:1, 2001:db8::1",
            "2001:db8:0:1:0:0:0:1, 2001:db8:0:1::1", // one zero group is never compressed
            "2001:0:0:1:0:0:0:1, 2001:0:0:1::1", // the longest run wins
            "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1", // first of equal runs
            "::, ::",
            "::1, ::1",
            "fe80::, fe80::",
            "::ffff:10.1.2.3, 10.1.2.3", // IPv4-mapped reads as IPv4, as in Go
            "1:2:3:4:5:6:7:8, 1:2:3:4:5:6:7:8"
    })
    void printsLikeGo(String literal, String expected) {
        assertEquals(expected, IpAddress.parse(literal).toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "10.1.2", "10.1", "1", "10.1.2.3.4", "256.1.1.1", "010.1.1.1", "10..1.1", "10.1.1.1.",
            "a.b.c.d", "fe80::1%eth0", "[::1]", "1:2:3:4:5:6:7:8:9", "example.com", " 10.1.1.1"})
    void rejectsWhatGoRejects(String literal) {
        assertNull(IpAddress.parse(literal));
    }

    @Test
    void arithmeticAndOrder() {
        assertEquals("10.1.3.0", IpAddress.parse("10.1.2.255").plus(1).toString());
        assertEquals("2001:db8::1:0", IpAddress.parse("2001:db8::ffff").plus(1).toString());
        assertTrue(IpAddress.parse("10.0.0.2").compareTo(IpAddress.parse("10.0.0.10")) < 0);
        assertFalse(IpAddress.parse("10.0.0.1").sameFamily(IpAddress.parse("::1")));
    }

    @Test
    void networks() {
        IpNet n = IpNet.parse("10.1.2.3/24");
        assertEquals("10.1.2.3/24", n.toString());
        assertEquals("10.1.2.0", n.network().toString());
        assertEquals("10.1.2.255", n.lastAddress().toString());
        assertTrue(n.contains(IpAddress.parse("10.1.2.200")));
        assertFalse(n.contains(IpAddress.parse("10.1.3.1")));
        assertEquals("2001:db8:1:0:ffff:ffff:ffff:ffff", IpNet.parse("2001:db8:1::/64").lastAddress().toString());
        assertNull(IpNet.parse("10.1.2.0/33"));
        assertNull(IpNet.parse("10.1.2.0/"));
        assertNull(IpNet.parse("10.1.2.0/2a"));
        assertNull(IpNet.parse("10.1.2.0"));
    }
}
