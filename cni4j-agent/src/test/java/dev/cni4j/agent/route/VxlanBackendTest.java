package dev.cni4j.agent.route;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The VXLAN backend's pure parts (no root needed; the device itself: VxlanBackendPrivilegedTest). */
class VxlanBackendTest {
    @Test
    void vtepMacIsStableLocallyAdministeredUnicast() {
        String mac = VxlanBackend.macFor("node1");
        assertEquals(mac, VxlanBackend.macFor("node1"));
        assertNotEquals(mac, VxlanBackend.macFor("node2"));
        int first = Integer.parseInt(mac.substring(0, 2), 16);
        assertEquals(2, first & 3, mac);
    }
}
