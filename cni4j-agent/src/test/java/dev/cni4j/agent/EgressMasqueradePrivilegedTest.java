package dev.cni4j.agent;

import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.firewall.IptablesBackend;
import dev.cni4j.linux.firewall.NftablesBackend;
import dev.cni4j.testing.TestNetworks;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** Privileged: masquerade rules in a node namespace, both backends: idempotent apply, clean removal. */
class EgressMasqueradePrivilegedTest {
    static final Cidr CLUSTER = Cidr.parse("10.244.0.0/16");

    @BeforeAll
    static void privileged() {
        TestNetworks.assumePrivileged();
    }

    @Test
    void nftables() {
        try (TestNetworks net = TestNetworks.create(); NetNs ns = net.openNode()) {
            EgressMasquerade m = new EgressMasquerade(new NftablesBackend(ns), CLUSTER);
            m.apply();
            m.apply();
            String table = net.execInNode("nft", "list", "table", "inet", "cni4j_agent");
            assertEquals(1, count(table, "masquerade"), table);
            assertTrue(table.contains("ip saddr 10.244.0.0/16 ip daddr != 10.244.0.0/16 masquerade"), table);
            m.remove();
            assertFalse(net.execInNode("nft", "list", "tables").contains("cni4j_agent"));
            m.remove(); // nothing left: still fine
        }
    }

    @Test
    void iptables() {
        try (TestNetworks net = TestNetworks.create(); NetNs ns = net.openNode()) {
            EgressMasquerade m = new EgressMasquerade(IptablesBackend.ipv4(ns), CLUSTER);
            m.apply();
            m.apply();
            String nat = net.execInNode("iptables-save", "-t", "nat");
            assertEquals(1, count(nat, "-j CNI4J-AGENT-MASQ"), nat);
            assertEquals(1, count(nat, "-A CNI4J-AGENT-MASQ -j MASQUERADE"), nat);
            assertEquals(1, count(nat, "-A CNI4J-AGENT-MASQ -d 10.244.0.0/16 -j RETURN"), nat);
            m.remove();
            assertFalse(net.execInNode("iptables-save", "-t", "nat").contains("CNI4J-AGENT-MASQ"));
        }
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) n++;
        return n;
    }
}
