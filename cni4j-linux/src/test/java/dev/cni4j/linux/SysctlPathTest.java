package dev.cni4j.linux;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class SysctlPathTest {
    @Test
    void keysMapToProcSys() {
        assertEquals("/proc/sys/net/ipv4/ip_forward", Sysctl.path("net/ipv4/ip_forward"));
        assertEquals("/proc/sys/net/ipv4/ip_forward", Sysctl.path("net.ipv4.ip_forward"));
        assertEquals("/proc/sys/net/ipv4/ip_forward", Sysctl.path("/proc/sys/net/ipv4/ip_forward"));
        // with slashes, dots stay: interface names such as eth0.100
        assertEquals("/proc/sys/net/ipv4/conf/eth0.100/forwarding", Sysctl.path("net/ipv4/conf/eth0.100/forwarding"));
        assertThrows(IllegalArgumentException.class, () -> Sysctl.path("net/../../etc/passwd"));
        assertThrows(IllegalArgumentException.class, () -> Sysctl.path(""));
    }

    @Test
    void namedNamespaceNamesAreValidated() {
        assertEquals("/run/netns/cni-1234", NetNs.namedPath("cni-1234").toString());
        assertThrows(IllegalArgumentException.class, () -> NetNs.namedPath("a/b"));
        assertThrows(IllegalArgumentException.class, () -> NetNs.namedPath(".."));
        assertThrows(IllegalArgumentException.class, () -> NetNs.namedPath(""));
    }
}
