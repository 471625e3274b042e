package dev.cni4j.plugins.portmap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.json.Json;
import dev.cni4j.net.IpPrefix;
import dev.cni4j.spec.CniException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every portmap script builder fed with {@code ;}, newline, {@code "}, {@code #}, braces and a
 * 64 KiB string through each config value that reaches it: the config is refused with code 7, or
 * the script has the same structure (lines, rules) as with a harmless value. No root needed.
 */
class PortmapScriptInjectionTest {
    static final String BIG = "a".repeat(64 * 1024);
    static final List<String> PAYLOADS = List.of(
            ";", "\n", "\"", "#", "{", "}", BIG, "x; add table ip injected", "x\n-A POSTROUTING -j ACCEPT", "x # rest");
    static final String ONE = "{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"}";
    static final IpPrefix POD = IpPrefix.parse("10.0.0.5/24");

    static PortMapConfig conf(String fields) {
        return PortmapConfigTest.conf(fields, ONE);
    }

    static String strings(String... s) {
        return Json.write(new java.util.ArrayList<Object>(List.of(s)));
    }

    /** The config is refused (code 7), or {@code script} has {@code lines} lines. */
    static void refusedOrSameShape(
            String fields, java.util.function.Function<PortMapConfig, String> script, long lines) {
        PortMapConfig c;
        try {
            c = conf(fields);
            c.requireUsableForRules();
        } catch (CniException e) {
            assertEquals(7, e.code(), e.getMessage());
            assertFalse(e.getMessage().length() > 400, "the message names the value without dumping it");
            return;
        }
        String s = script.apply(c);
        assertEquals(lines, s.lines().count(), s);
    }

    @Test
    void iptablesBatchKeepsItsShapeWhateverTheConditionTokens() {
        long lines = PortMappingRules.addScript(
                        conf(",\"conditionsV4\":" + strings("-m", "comment", "--comment", "x")),
                        POD,
                        IptablesSave.parse(""))
                .lines()
                .count();
        for (String p : PAYLOADS) {
            refusedOrSameShape(
                    ",\"conditionsV4\":" + strings("-m", "comment", "--comment", p),
                    c -> PortMappingRules.addScript(c, POD, IptablesSave.parse("")),
                    lines);
            refusedOrSameShape(
                    ",\"conditionsV4\":" + strings("!", "-s", p),
                    c -> PortMappingRules.addScript(c, POD, IptablesSave.parse("")),
                    lines);
        }
    }

    @Test
    void externalSetMarkChainIsAChainNameOrRefused() {
        long lines = PortMappingRules.addScript(
                        conf(",\"externalSetMarkChain\":\"KUBE-MARK-MASQ\""), POD, IptablesSave.parse(""))
                .lines()
                .count();
        for (String p : PAYLOADS) {
            refusedOrSameShape(
                    ",\"externalSetMarkChain\":" + Json.write(p),
                    c -> PortMappingRules.addScript(c, POD, IptablesSave.parse("")),
                    lines);
        }
        CniException e = org.junit.jupiter.api.Assertions.assertThrows(
                CniException.class,
                () -> conf(",\"externalSetMarkChain\":\"KUBE-MARK-MASQ\\n-A POSTROUTING -j ACCEPT\"")
                        .requireUsableForRules());
        assertTrue(e.getMessage().contains("externalSetMarkChain"), e.getMessage());
    }

    @Test
    void nftConditionedRuleIsOneCommandOrRefused() {
        for (String key : List.of("conditionsV4", "conditionsV6")) {
            for (String p : PAYLOADS) {
                refusedOrSameShape(
                        ",\"" + key + "\":" + strings("ip", "saddr", "!=", p),
                        c -> NftablesRuleset.conditionedRule(
                                key.endsWith("4") ? c.conditionsV4() : c.conditionsV6(),
                                true,
                                c.mappings().get(0),
                                "10.0.0.5",
                                "net/c1"),
                        1);
            }
        }
        String quoted = NftablesRuleset.conditionedRule(
                List.of("iifname", "!=", "\"a;b#{x}\""),
                true,
                new PortMapping(8080, 80, "tcp", null),
                "10.0.0.5",
                "net/c1");
        assertEquals(1, quoted.lines().count());
        assertTrue(quoted.endsWith(" comment \"net/c1\""), quoted);
    }

    @Test
    void sameHostPortTwiceInOnePodIsCode7ButDifferentProtocolsOrAddressesAreNot() {
        PortMapConfig twice = PortmapConfigTest.conf("", ONE + "," + ONE.replace("80}", "81}"));
        CniException e =
                org.junit.jupiter.api.Assertions.assertThrows(CniException.class, twice::requireUsableForRules);
        assertEquals(7, e.code());
        assertTrue(e.getMessage().contains("tcp/8080"), e.getMessage());
        PortmapConfigTest.conf("", ONE + "," + ONE.replace("tcp", "udp")).requireUsableForRules();
        PortmapConfigTest.conf("", ONE + "," + ONE.replace("}", ",\"hostIP\":\"192.0.2.1\"}"))
                .requireUsableForRules();
    }

    @Test
    void delOfTheNewerHolderGivesTheHostPortBackToTheOlder() {
        NftHostportTable t = new NftHostportTable(
                true,
                List.of(
                        new NftHostportTable.Element("hostports4", "tcp . 8080", "10.0.0.3 . 80", "net/new"),
                        new NftHostportTable.Element(
                                "standby4", "10.0.0.2 . 0.0.0.0 . tcp . 8080", "10.0.0.2 . 80", "net/old"),
                        new NftHostportTable.Element(
                                "standby4", "10.0.0.3 . 0.0.0.0 . tcp . 8080", "10.0.0.3 . 80", "net/new"),
                        new NftHostportTable.Element(
                                "hostip_hostports4", "192.0.2.1 . udp . 53", "10.0.0.3 . 53", "net/new"),
                        new NftHostportTable.Element(
                                "standby4", "10.0.0.3 . 192.0.2.1 . udp . 53", "10.0.0.3 . 53", "net/new"),
                        new NftHostportTable.Element(
                                "standby4", "10.0.0.2 . 192.0.2.9 . udp . 53", "10.0.0.2 . 53", "net/old")),
                List.of());
        Set<Integer> udp = new HashSet<>();
        String s = NftablesPortMapper.removeScript(t, "net/new"::equals, udp);
        assertTrue(s.contains("delete element inet cni4j_hostport hostports4 { tcp . 8080 }"), s);
        assertTrue(
                s.contains(
                        "add element inet cni4j_hostport hostports4 { tcp . 8080 comment \"net/old\" : 10.0.0.2 . 80 }"),
                s);
        assertFalse(s.contains("192.0.2.1 . udp . 53 comment"), "no other pod wants 192.0.2.1:53: " + s);
        assertEquals(Set.of(53), udp);
        assertEquals(4, s.lines().filter(l -> l.startsWith("delete element")).count(), s);

        String old = NftablesPortMapper.removeScript(t, "net/old"::equals, new HashSet<>());
        assertFalse(old.contains("add element"), "the older pod leaving changes nothing of the newer: " + old);
        assertEquals("", NftablesPortMapper.removeScript(t, "net/gone"::equals, new HashSet<>()));
    }
}
