package dev.cni4j.plugins.portmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.json.Json;
import dev.cni4j.net.IpPrefix;
import dev.cni4j.spec.CniException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Option parsing, backend choice and the generated iptables batch: no root needed. */
class PortmapConfigTest {
    static PortMapConfig conf(String fields, String mappings) {
        String json = "{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"type\":\"portmap\"" + fields
                + ",\"runtimeConfig\":{\"portMappings\":[" + mappings + "]}}";
        return PortMapConfig.parse(Json.parseObject(json), "net", "c1", () -> "nodeDefault");
    }

    static final String ONE = "{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"}";

    @Test
    void defaults() {
        PortMapConfig c = conf("", ONE);
        assertTrue(c.snat());
        assertFalse(c.masqAll());
        assertEquals(13, c.markMasqBit());
        assertEquals("nodeDefault", c.backend());
        assertEquals(List.of(new PortMapping(8080, 80, "tcp", null)), c.mappings());
    }

    @Test
    void backendFollowsOptions() {
        assertEquals("iptables", conf(",\"markMasqBit\":14", ONE).backend());
        assertEquals(
                "iptables",
                conf(",\"conditionsV4\":[\"!\",\"-d\",\"192.0.2.0/24\"]", ONE).backend());
        assertEquals(
                "nftables",
                conf(",\"conditionsV6\":[\"ip6\",\"daddr\",\"!=\",\"fc00::/7\"]", ONE)
                        .backend());
        assertEquals("nftables", conf(",\"backend\":\"nftables\"", ONE).backend());
    }

    @Test
    void badInputIsCode7() {
        String[][] bad = {
            {"", "{\"hostPort\":0,\"containerPort\":80}"},
            {"", "{\"hostPort\":65536,\"containerPort\":80}"},
            {"", "{\"hostPort\":80,\"containerPort\":0}"},
            {"", "{\"hostPort\":80,\"containerPort\":80,\"protocol\":\"icmp\"}"},
            {"", "{\"hostPort\":80,\"containerPort\":80,\"hostIP\":\"not-an-ip\"}"},
            {",\"backend\":\"ebpf\"", ONE},
            {",\"backend\":\"nftables\",\"externalSetMarkChain\":\"X\"", ONE},
            {",\"backend\":\"iptables\",\"conditionsV4\":[\"ip\",\"saddr\",\"1.2.3.4\"]", ONE},
            {",\"markMasqBit\":-1", ONE},
            {",\"markMasqBit\":3,\"externalSetMarkChain\":\"X\"", ONE},
        };
        for (String[] b : bad) {
            CniException e = assertThrows(CniException.class, () -> conf(b[0], b[1]), b[0] + b[1]);
            assertEquals(7, e.code(), b[0] + b[1]);
        }
    }

    @Test
    void chainNameIsTheReferences() {
        String dn = PortMappingRules.dnatChain("net", "c1");
        assertEquals(28, dn.length());
        assertTrue(dn.matches("CNI-DN-[0-9a-f]{21}"), dn);
    }

    @Test
    void iptablesBatchDeclaresSharedChainsOnlyWhenAbsentAndSplitsMultiport() {
        StringBuilder many = new StringBuilder();
        for (int p = 1000; p < 1017; p++) {
            many.append(many.isEmpty() ? "" : ",")
                    .append("{\"hostPort\":")
                    .append(p)
                    .append(",\"containerPort\":80}");
        }
        PortMapConfig c = conf("", many.toString());
        String fresh = PortMappingRules.addScript(c, IpPrefix.parse("10.0.0.5/24"), IptablesSave.parse(""));
        assertTrue(fresh.contains(":CNI-HOSTPORT-DNAT - [0:0]"), fresh);
        assertTrue(fresh.contains(
                "--destination-ports 1000,1001,1002,1003,1004,1005,1006,1007,1008,1009,1010,1011,1012,1013,1014 "));
        assertTrue(fresh.contains("--destination-ports 1015,1016 "));
        assertTrue(fresh.contains("-s 10.0.0.5/24 -j CNI-HOSTPORT-SETMARK"));
        assertTrue(fresh.contains("--set-xmark 0x2000/0x2000"));
        assertTrue(fresh.contains("--comment \"dnat name: \\\"net\\\" id: \\\"c1\\\"\""), fresh);
        String again = PortMappingRules.addScript(
                c,
                IpPrefix.parse("10.0.0.5/24"),
                IptablesSave.parse(
                        "*nat\n:CNI-HOSTPORT-DNAT - [0:0]\n:CNI-HOSTPORT-SETMARK - [0:0]\n:CNI-HOSTPORT-MASQ - [0:0]\n"
                                + "-A PREROUTING " + PortMappingRules.TOP_ENTRY + "\nCOMMIT\n"));
        assertFalse(again.contains(":CNI-HOSTPORT-DNAT"), again);
        assertFalse(again.contains("-A PREROUTING -m addrtype"), again);
        assertTrue(again.contains("-A OUTPUT"), again);
    }

    @Test
    void nftListingIsParsedWithOwners() {
        String json =
                "{\"nftables\":[{\"map\":{\"name\":\"hostports4\",\"elem\":[[{\"elem\":{\"val\":{\"concat\":[\"tcp\",8080]},"
                        + "\"comment\":\"net/c1\"}},{\"concat\":[\"10.0.0.2\",80]}]]}},{\"set\":{\"name\":\"masq_all4\",\"elem\":[\"10.0.0.2\"]}},"
                        + "{\"rule\":{\"chain\":\"conditioned\",\"handle\":7,\"comment\":\"net/c1\"}}]}";
        NftHostportTable t = NftHostportTable.parse(json);
        assertEquals(
                new NftHostportTable.Element("hostports4", "tcp . 8080", "10.0.0.2 . 80", "net/c1"),
                t.elements().get(0));
        assertEquals(
                new NftHostportTable.Element("masq_all4", "10.0.0.2", null, null),
                t.elements().get(1));
        assertEquals(
                new NftHostportTable.Rule("conditioned", 7, "net/c1"), t.rules().get(0));
    }

    @Test
    void conditionedNftRule() {
        String r = NftablesRuleset.conditionedRule(
                List.of("ip", "saddr", "!=", "192.0.2.0/24"),
                true,
                new PortMapping(8080, 80, "tcp", null),
                "10.0.0.2",
                "net/c1");
        assertEquals(
                "insert rule inet cni4j_hostport conditioned ip saddr != 192.0.2.0/24 meta nfproto ipv4 meta l4proto tcp "
                        + "th dport 8080 dnat ip to 10.0.0.2:80 comment \"net/c1\"",
                r);
        String v6 = NftablesRuleset.conditionedRule(
                List.of("ip6", "saddr", "!=", "fc00::/7"),
                false,
                new PortMapping(8080, 80, "udp", null),
                "fd00::2",
                "net/c1");
        assertTrue(v6.contains("dnat ip6 to [fd00::2]:80"), v6);
    }
}
