package dev.cni4j.agent.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** How the agent reads CIDRs and addresses from the API and its settings (the type is core's IpPrefix). */
class ClusterNodeCidrTest {
    @Test
    void clearsHostBitsAndTrims() {
        assertEquals("10.244.1.0/24", ClusterNode.parseCidr("10.244.1.7/24").toString());
        assertEquals("fd00::/64", ClusterNode.parseCidr("fd00::1/64").toString());
        assertEquals("::/0", ClusterNode.parseCidr("::1/0").toString());
        assertEquals(
                "fd00::1:0:0:1/128",
                ClusterNode.parseCidr("fd00:0:0:0:1:0:0:1/128").toString());
        assertEquals("10.244.0.0/16", ClusterNode.parseCidr(" 10.244.0.0/16\n").toString());
    }

    @Test
    void rejectsGarbageWithTheValueInTheMessage() {
        var e = assertThrows(IllegalArgumentException.class, () -> ClusterNode.parseCidr("10.244.1.0"));
        assertTrue(e.getMessage().contains("10.244.1.0"));
        assertThrows(IllegalArgumentException.class, () -> ClusterNode.parseCidr("10.244.1.0/33"));
        assertThrows(IllegalArgumentException.class, () -> ClusterNode.parseCidr("node1.example/24"));
        var mapped = assertThrows(IllegalArgumentException.class, () -> ClusterNode.parseCidr("::ffff:10.244.0.0/112"));
        assertTrue(mapped.getMessage().contains("IPv4 form"), mapped.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ClusterNode.parseAddress("node1.example"));
        assertEquals("192.168.1.2", ClusterNode.parseAddress("192.168.1.2").getHostAddress());
    }
}
