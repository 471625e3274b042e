package dev.cni4j.linux.firewall;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class IptablesCommentTest {
    @Test
    void matchesIptablesSaveCommentForms() {
        assertTrue(IptablesBackend.hasComment("-A X -s 10.0.0.0/8 -m comment --comment pod-a -j MASQUERADE", "pod-a"));
        assertTrue(IptablesBackend.hasComment("-A X -m comment --comment \"pod a\" -j ACCEPT", "pod a"));
        assertTrue(IptablesBackend.hasComment("-A X -j ACCEPT -m comment --comment pod-a", "pod-a"));
        assertFalse(IptablesBackend.hasComment("-A X -m comment --comment pod-ab -j ACCEPT", "pod-a"));
        assertFalse(IptablesBackend.hasComment("-A X -j ACCEPT", "pod-a"));
    }
}
