package dev.cni4j.agent.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.agent.api.ClusterNode;
import dev.cni4j.net.IpPrefix;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The agent's masquerade scripts take only parsed CIDRs, printed from their bytes: a cluster CIDR
 * with {@code ;}, a newline, {@code "}, {@code #}, braces or 64 KiB of text is refused when parsed,
 * and the scripts of any CIDR have one fixed structure. No root needed.
 */
class EgressMasqueradeScriptTest {
    @Test
    void hostileClusterCidrsAreRefusedOrReducedToTheirAddress() {
        for (String p : List.of(";", "\n", "\"", "#", "{", "}", "a".repeat(64 * 1024))) {
            for (String text : List.of(
                    "10.244.0.0/16" + p,
                    p + "10.244.0.0/16",
                    "10.244.0.0" + p + "/16",
                    "10.244.0.0/16 masquerade" + p)) {
                IpPrefix c;
                try {
                    c = ClusterNode.parseCidr(text);
                } catch (IllegalArgumentException refused) {
                    continue;
                }
                // accepted only with surrounding blanks trimmed: printed from its bytes, nothing else survives
                assertEquals("10.244.0.0/16", c.toString(), text.length() > 60 ? "64KiB" : text);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> ClusterNode.parseCidr("10.244.0.0/16;"));
    }

    @Test
    void scriptsHaveOneStructureForEveryCidr() {
        String v4 = EgressMasquerade.nftScript(
                ClusterNode.parseCidr("10.244.0.0/16"), ClusterNode.parseCidr("fd00:10:244::/48"));
        for (String[] c : new String[][] {{"0.0.0.0/0", "::/0"}, {"255.255.255.255/32", "ffff:ffff::/128"}}) {
            String s = EgressMasquerade.nftScript(ClusterNode.parseCidr(c[0]), ClusterNode.parseCidr(c[1]));
            assertEquals(v4.lines().count(), s.lines().count(), s);
            assertEquals(v4.replaceAll("[0-9a-f.:]+/\\d+", "X"), s.replaceAll("[0-9a-f.:]+/\\d+", "X"));
            String ipt = EgressMasquerade.iptablesScript(ClusterNode.parseCidr(c[0]), true);
            assertEquals(
                    EgressMasquerade.iptablesScript(ClusterNode.parseCidr("10.244.0.0/16"), true)
                            .replaceAll("[0-9a-f.:]+/\\d+", "X"),
                    ipt.replaceAll("[0-9a-f.:]+/\\d+", "X"));
        }
    }

    @Test
    void masqueradeSparesPodToPodTraffic() {
        String nft = EgressMasquerade.nftScript(ClusterNode.parseCidr("10.244.0.0/16"));
        assertTrue(nft.contains("ip saddr 10.244.0.0/16 ip daddr != 10.244.0.0/16 masquerade"), nft);
        assertTrue(nft.startsWith("add table inet cni4j_agent\ndelete table inet cni4j_agent\n"));
        String ipt = EgressMasquerade.iptablesScript(ClusterNode.parseCidr("10.244.0.0/16"), true);
        assertTrue(
                ipt.contains("-A CNI4J-AGENT-MASQ -d 10.244.0.0/16 -j RETURN\n-A CNI4J-AGENT-MASQ -j MASQUERADE\n"),
                ipt);
        assertTrue(
                ipt.contains("-A POSTROUTING -s 10.244.0.0/16 -m comment --comment cni4j-agent -j CNI4J-AGENT-MASQ"));
        assertFalse(EgressMasquerade.iptablesScript(ClusterNode.parseCidr("10.244.0.0/16"), false)
                .contains("POSTROUTING"));
        assertFalse(nft.contains("ip6"), "no IPv6 cluster CIDR, no IPv6 rule");
    }

    @Test
    void ipv6MasqueradeSparesPodToPodTrafficToo() {
        String nft = EgressMasquerade.nftScript(
                ClusterNode.parseCidr("10.244.0.0/16"), ClusterNode.parseCidr("fd00:10:244::/48"));
        assertTrue(nft.contains("""
                    ip saddr 10.244.0.0/16 ip daddr != 10.244.0.0/16 masquerade comment "cni4j-agent egress"
                    ip6 saddr fd00:10:244::/48 ip6 daddr != fd00:10:244::/48 masquerade comment "cni4j-agent egress"
                  }
                """), "both rules in the one inet table's chain: " + nft);
        assertEquals(1, nft.split("table inet cni4j_agent \\{").length - 1, nft);
        String ip6t = EgressMasquerade.iptablesScript(ClusterNode.parseCidr("fd00:10:244::/48"), true);
        assertEquals("""
                *nat
                :CNI4J-AGENT-MASQ - [0:0]
                -A CNI4J-AGENT-MASQ -d fd00:10:244::/48 -j RETURN
                -A CNI4J-AGENT-MASQ -j MASQUERADE
                -A POSTROUTING -s fd00:10:244::/48 -m comment --comment cni4j-agent -j CNI4J-AGENT-MASQ
                COMMIT
                """, ip6t);
    }
}
