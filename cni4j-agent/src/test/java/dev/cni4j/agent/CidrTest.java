package dev.cni4j.agent;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class CidrTest {
    @Test
    void parsesAndClearsHostBits() {
        assertEquals("10.244.1.0/24", Cidr.parse("10.244.1.7/24").toString());
        assertEquals("fd00::/64", Cidr.parse("fd00::1/64").toString());
        assertTrue(Cidr.parse("10.244.1.0/24").isIPv4());
        assertEquals("fd00:1:0:2::/64", Cidr.parse("fd00:1:0:2::/64").toString());
        assertEquals("::/0", Cidr.parse("::1/0").toString());
        assertEquals("fd00::1:0:0:1/128", Cidr.parse("fd00:0:0:0:1:0:0:1/128").toString());
    }

    @Test
    void rejectsGarbageWithTheValueInTheMessage() {
        var e = assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.244.1.0"));
        assertTrue(e.getMessage().contains("10.244.1.0"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("10.244.1.0/33"));
        assertThrows(IllegalArgumentException.class, () -> Cidr.parse("node1.example/24"));
    }

    @Test
    void overlapsAndContains() {
        Cidr cluster = Cidr.parse("10.244.0.0/16");
        assertTrue(cluster.overlaps(Cidr.parse("10.244.3.0/24")));
        assertTrue(Cidr.parse("10.244.3.0/24").overlaps(cluster));
        assertTrue(Cidr.parse("10.244.2.0/24").overlaps(Cidr.parse("10.244.2.128/25")));
        assertFalse(Cidr.parse("10.244.2.0/24").overlaps(Cidr.parse("10.244.3.0/24")));
        assertFalse(Cidr.parse("10.244.2.0/24").overlaps(Cidr.parse("fd00::/8")));
        assertTrue(cluster.contains(SimulatedCluster.ip("10.244.9.9")));
        Cidr v6 = Cidr.parse("fd00:10:244::/48");
        assertTrue(v6.encloses(Cidr.parse("fd00:10:244:7::/64")));
        assertTrue(v6.encloses(v6));
        assertFalse(v6.encloses(Cidr.parse("fd00:10::/32")), "larger: overlaps but is not inside");
        assertFalse(v6.encloses(Cidr.parse("fd00:10:245::/64")));
        assertFalse(v6.encloses(cluster));
    }

    @Test
    void addressAt() {
        assertEquals("10.244.2.0", Cidr.parse("10.244.2.0/24").addressAt(0).getHostAddress());
        assertEquals("10.244.3.1", Cidr.parse("10.244.2.0/23").addressAt(257).getHostAddress());
    }
}
