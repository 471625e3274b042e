package dev.cni4j.plugins.hostlocal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.net.IpAddress;
import dev.cni4j.spec.CniException;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class IpRangeTest {

    @Test
    void ipv4Defaults() {
        IpRange r = IpRange.of("192.0.2.0/24", null, null, null);
        assertEquals("192.0.2.1", r.start().toString());
        assertEquals("192.0.2.254", r.end().toString());
        assertEquals("192.0.2.1", r.gateway().toString());
        assertEquals("192.0.2.1-192.0.2.254", r.toString());
        IpRange small = IpRange.of("192.0.2.0/30", null, null, null);
        assertEquals("192.0.2.1-192.0.2.2", small.toString());
    }

    @Test
    void ipv6DefaultEndIsTheLastAddress() {
        IpRange r = IpRange.of("2001:db8:1::/64", null, null, null);
        assertEquals("2001:db8:1::1", r.start().toString());
        assertEquals("2001:db8:1:0:ffff:ffff:ffff:ffff", r.end().toString());
    }

    @Test
    void explicitBoundsAndGateway() {
        IpRange r = IpRange.of("10.10.0.0/16", "10.10.1.20", "10.10.3.50", "10.10.0.254");
        assertEquals("10.10.1.20-10.10.3.50", r.toString());
        assertEquals("10.10.0.254", r.gateway().toString());
        assertTrue(r.contains(IpAddress.parse("10.10.2.0")));
        assertFalse(r.contains(IpAddress.parse("10.10.1.19")));
        assertEquals("10.10.2.0/16", r.cidrOf(IpAddress.parse("10.10.2.0")));
    }

    @Test
    void gatewayOutsideTheSubnetIsRejectedUnlikeTheReference() {
        // Go's host-local takes it; a pod could never reach such a gateway, so it is a config error here.
        dev.cni4j.spec.CniException e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.cni4j.spec.CniException.class, () -> IpRange.of("10.0.0.0/24", null, null, "192.0.2.254"));
        assertEquals(7, e.code());
        assertEquals(
                "10.0.0.254",
                IpRange.of("10.0.0.0/24", null, null, "10.0.0.254").gateway().toString());
    }

    @ParameterizedTest(name = "{0} {1} {2} {3} -> {4}")
    @CsvSource(
            delimiter = '|',
            value = {
                "10.1.2.3/24|||| Network has host bits set. For a subnet mask of length 24 the network address is 10.1.2.0",
                "10.1.2.0/31|||| Network 10.1.2.0/31 too small to allocate from",
                "10.1.2.0/32|||| Network 10.1.2.0/32 too small to allocate from",
                "2001:db8::/127|||| Network 2001:db8::/127 too small to allocate from",
                "2001:db8::/128|||| Network 2001:db8::/128 too small to allocate from",
                "10.1.2.0/24|10.1.3.2||| RangeStart 10.1.3.2 not in network 10.1.2.0/24",
                "10.1.2.0/24||10.1.3.2|| RangeEnd 10.1.3.2 not in network 10.1.2.0/24",
                "10.1.2.0/24|10.1.2.50|10.1.2.40|| RangeStart 10.1.2.50 is after RangeEnd 10.1.2.40 in network 10.1.2.0/24",
                "10.1.2.0/24|||2001:db8::1| gateway 2001:db8::1 is not of the same IP family as subnet 10.1.2.0/24",
                "10.1.2.0/24|||10.1.2| invalid gateway \"10.1.2\": not an IP address",
                "10.1.2.0|||| invalid subnet \"10.1.2.0\": not an IP network in CIDR form",
                "|||| range is missing \"subnet\"",
            })
    void rejectsBadRanges(String subnet, String start, String end, String gw, String message) {
        CniException e = assertThrows(CniException.class, () -> IpRange.of(subnet, start, end, gw));
        assertEquals(7, e.code());
        assertEquals(message.strip(), e.getMessage());
    }

    @Test
    void rangeSetsRejectOverlapsAndMixedFamilies() {
        IpRange a = IpRange.of("10.0.0.0/24", null, null, null);
        IpRange b = IpRange.of("10.0.0.0/16", "10.0.0.100", "10.0.3.0", null);
        IpRange c = IpRange.of("10.0.0.0/16", "10.0.1.0", "10.0.3.0", null);
        IpRange v6 = IpRange.of("2001:db8::/64", null, null, null);
        assertEquals(
                "subnets 10.0.0.1-10.0.0.254 and 10.0.0.100-10.0.3.0 overlap",
                assertThrows(CniException.class, () -> new RangeSet(List.of(a, b)))
                        .getMessage());
        assertEquals(
                7,
                assertThrows(CniException.class, () -> new RangeSet(List.of(a, v6)))
                        .code());
        RangeSet ok = new RangeSet(List.of(a, c));
        assertEquals("10.0.0.1-10.0.0.254,10.0.1.0-10.0.3.0", ok.toString());
        assertFalse(a.overlaps(v6));
        // 254 addresses minus the gateway, plus 513 (gateway 10.0.0.1 is outside the second range)
        assertEquals(BigInteger.valueOf(253 + 513), ok.capacity());
    }
}
