package dev.cni4j.agent;

import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.agent.api.ClusterNode;
import dev.cni4j.agent.route.EgressMasquerade;
import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.firewall.IptablesBackend;
import dev.cni4j.linux.firewall.NftablesBackend;
import dev.cni4j.net.IpPrefix;
import dev.cni4j.testing.TestNetworks;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Privileged: masquerade rules in a node namespace, both backends, IPv4 alone and with IPv6:
 * idempotent apply, clean removal (also by {@code AgentMain uninstall}).
 */
class EgressMasqueradePrivilegedTest {
    static final IpPrefix CLUSTER = ClusterNode.parseCidr("10.244.0.0/16");
    static final IpPrefix CLUSTER_V6 = ClusterNode.parseCidr("fd00:10:244::/48");

    @BeforeAll
    static void privileged() {
        TestNetworks.assumePrivileged();
    }

    @Test
    void nftables() {
        try (TestNetworks net = TestNetworks.create();
                NetNs ns = net.openNode()) {
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
        try (TestNetworks net = TestNetworks.create();
                NetNs ns = net.openNode()) {
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

    @Test
    void nftablesBothFamiliesInOneTable() {
        try (TestNetworks net = TestNetworks.create();
                NetNs ns = net.openNode()) {
            EgressMasquerade m = new EgressMasquerade(new NftablesBackend(ns), CLUSTER, CLUSTER_V6);
            m.apply();
            m.apply();
            String table = net.execInNode("nft", "list", "table", "inet", "cni4j_agent");
            assertEquals(2, count(table, "masquerade"), table);
            assertTrue(table.contains("ip6 saddr fd00:10:244::/48 ip6 daddr != fd00:10:244::/48 masquerade"), table);
            new EgressMasquerade(new NftablesBackend(ns), CLUSTER).apply(); // IPv6 setting dropped: its rule goes
            assertFalse(net.execInNode("nft", "list", "table", "inet", "cni4j_agent")
                    .contains("ip6"));
            m.apply();
            m.remove();
            assertFalse(net.execInNode("nft", "list", "tables").contains("cni4j_agent"));
        }
    }

    @Test
    void iptablesAndIp6tables() {
        try (TestNetworks net = TestNetworks.create();
                NetNs ns = net.openNode()) {
            EgressMasquerade m = new EgressMasquerade(IptablesBackend.ipv4(ns), CLUSTER, CLUSTER_V6);
            m.apply();
            m.apply();
            String nat6 = net.execInNode("ip6tables-save", "-t", "nat");
            assertEquals(
                    1,
                    count(
                            nat6,
                            "-A POSTROUTING -s fd00:10:244::/48 -m comment --comment cni4j-agent -j CNI4J-AGENT-MASQ"),
                    nat6);
            assertEquals(1, count(nat6, "-A CNI4J-AGENT-MASQ -d fd00:10:244::/48 -j RETURN"), nat6);
            assertEquals(1, count(nat6, "-A CNI4J-AGENT-MASQ -j MASQUERADE"), nat6);
            assertEquals(
                    1,
                    count(
                            net.execInNode("iptables-save", "-t", "nat"),
                            "-A CNI4J-AGENT-MASQ -d 10.244.0.0/16 -j RETURN"));
            new EgressMasquerade(IptablesBackend.ipv4(ns), CLUSTER).apply(); // IPv6 setting dropped: its rules go
            assertFalse(net.execInNode("ip6tables-save", "-t", "nat").contains("CNI4J-AGENT-MASQ"));
            assertTrue(net.execInNode("iptables-save", "-t", "nat").contains("CNI4J-AGENT-MASQ"));
            m.apply();
            m.remove();
            assertFalse(net.execInNode("iptables-save", "-t", "nat").contains("CNI4J-AGENT-MASQ"));
            assertFalse(net.execInNode("ip6tables-save", "-t", "nat").contains("CNI4J-AGENT-MASQ"));
            m.remove(); // nothing left: still fine
        }
    }

    @Test
    void uninstallRemovesBothFamiliesOfTheConfiguredBackend(@TempDir Path dir) {
        try (TestNetworks net = TestNetworks.create();
                NetNs ns = net.openNode()) {
            Map<String, String> settings = MockCluster.agentSettings("vxlan", 1, net.node(), dir);
            settings.put("firewall", "iptables");
            settings.put("clusterCidrV6", CLUSTER_V6.toString());
            new EgressMasquerade(IptablesBackend.ipv4(ns), CLUSTER, CLUSTER_V6).apply();
            AgentMain.uninstall(AgentConfig.of(settings));
            assertFalse(net.execInNode("iptables-save", "-t", "nat").contains("CNI4J-AGENT-MASQ"));
            assertFalse(net.execInNode("ip6tables-save", "-t", "nat").contains("CNI4J-AGENT-MASQ"));
        }
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }
}
