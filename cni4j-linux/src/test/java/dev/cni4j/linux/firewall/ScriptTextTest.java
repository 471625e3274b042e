package dev.cni4j.linux.firewall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The grammar of script text: every hostile value is refused or stays one string / one parameter. */
class ScriptTextTest {
    static final String BIG = "a".repeat(64 * 1024);
    static final List<String> PAYLOADS = List.of(";", "\n", "\"", "#", "{", "}", BIG, "a;b\nc\"d#e{f}g");

    @Test
    void nftQuotedRefusesWhatWouldEndTheStringAndKeepsTheRestInside() {
        assertEquals("\"a;b#c{d}\\\"", ScriptText.nftQuoted("a;b#c{d}\\"));
        assertThrows(IllegalArgumentException.class, () -> ScriptText.nftQuoted("a\"b"));
        assertThrows(IllegalArgumentException.class, () -> ScriptText.nftQuoted("a\nb"));
        assertThrows(IllegalArgumentException.class, () -> ScriptText.nftQuoted("a\rb"));
        for (String p : PAYLOADS) {
            try {
                String q = ScriptText.nftQuoted(p);
                // one quoted string: opens and closes once, one line
                assertEquals(2, q.chars().filter(c -> c == '"').count(), q);
                assertFalse(q.contains("\n"));
            } catch (IllegalArgumentException refused) {
                assertTrue(p.contains("\"") || p.contains("\n"), p);
            }
        }
    }

    @Test
    void nftCommentTextDropsWhatAStringCannotHoldAndFitsTheLimit() {
        assertEquals("ab;#{}", ScriptText.nftCommentText("a\"b;#{}\n", 128));
        assertEquals(128, ScriptText.nftCommentText(BIG, 128).length());
        for (String p : PAYLOADS) {
            String c = ScriptText.nftCommentText(p, ScriptText.NFT_COMMENT_MAX);
            assertNull(ScriptText.nftStringProblem(c), c);
            assertTrue(c.getBytes(StandardCharsets.UTF_8).length <= ScriptText.NFT_COMMENT_MAX);
        }
        // cut at a character boundary, never inside a UTF-8 sequence
        assertEquals("aé", ScriptText.utf8Prefix("aéb", 3));
        assertEquals("a", ScriptText.utf8Prefix("aéb", 2));
    }

    @Test
    void nftConditions() {
        assertNull(ScriptText.nftConditionsProblem(List.of("ip", "saddr", "!=", "192.0.2.0/24")));
        assertNull(ScriptText.nftConditionsProblem(List.of("ip saddr { 10.0.0.0/8, 192.168.0.0/16 }")));
        assertNull(ScriptText.nftConditionsProblem(List.of("ip", "saddr", "{", "10.0.0.1,", "10.0.0.2", "}")));
        assertNull(ScriptText.nftConditionsProblem(List.of("iifname", "!=", "\"a;b#{x}\"")));
        assertNull(ScriptText.nftConditionsProblem(List.of("meta", "mark", "&", "0x10", "==", "0x10")));
        for (String p : PAYLOADS) {
            assertNotNull(ScriptText.nftConditionsProblem(List.of("ip", "saddr", p)), p.length() > 40 ? "64KiB" : p);
        }
        assertNotNull(ScriptText.nftConditionsProblem(List.of("ip", "saddr", "$x")));
        assertNotNull(ScriptText.nftConditionsProblem(List.of("iifname", "\"a\\\"")));
        assertNotNull(ScriptText.nftConditionsProblem(List.of("ip", "saddr", "{", "1.2.3.4", "]")));
        assertNotNull(ScriptText.nftConditionsProblem(List.of("iifname", "\"é\"")));
        assertNotNull(ScriptText.nftConditionsProblem(java.util.Collections.nCopies(65, "ip")));
    }

    @Test
    void iptablesConditionsAndQuoting() {
        assertNull(ScriptText.iptablesConditionsProblem(List.of("!", "-d", "192.0.2.0/24")));
        for (String p : List.of(";", "\"", "#", "{", "}", "a b", "x\\y", "it's")) {
            assertNull(ScriptText.iptablesConditionsProblem(List.of("-m", "comment", "--comment", p)), p);
            String q = ScriptText.iptablesQuoted(p);
            assertFalse(q.contains("\n"));
            assertEquals(p, unquote(q), "iptables-restore reads back the same parameter");
        }
        for (String p : List.of("a\nb", "a\rb", "a\tb", "a\u0000b", BIG, "")) {
            assertNotNull(
                    ScriptText.iptablesConditionsProblem(List.of("-m", "comment", "--comment", p)),
                    p.length() > 40 ? "64KiB" : p);
        }
        assertThrows(IllegalArgumentException.class, () -> ScriptText.iptablesQuoted("a\n-A POSTROUTING -j ACCEPT"));
        assertThrows(IllegalArgumentException.class, () -> ScriptText.iptablesQuoted(BIG));
    }

    @Test
    void iptablesChainNames() {
        for (String ok : List.of("KUBE-MARK-MASQ", "cali-nat", "CNI-HOSTPORT-SETMARK", "a", "x".repeat(28))) {
            assertNull(ScriptText.iptablesChainProblem(ok), ok);
        }
        for (String p : List.of(
                ";",
                "\n",
                "\"",
                "#",
                "{",
                "}",
                BIG,
                "",
                "-j",
                "a b",
                "KUBE\n-A POSTROUTING -j ACCEPT",
                "x".repeat(29))) {
            assertNotNull(ScriptText.iptablesChainProblem(p), p.length() > 40 ? "64KiB" : p);
        }
    }

    @Test
    void nftListingCommentsAreReadBackExactly() {
        assertEquals("pod-a", NftablesBackend.comment("\t\tip saddr 10.0.0.2 masquerade comment \"pod-a\" # handle 7"));
        assertEquals(
                "x;y#z{w}\\q",
                NftablesBackend.comment("\t\tcounter packets 0 bytes 0 comment \"x;y#z{w}\\q\" # handle 4"));
        assertNull(NftablesBackend.comment("\t\tip saddr 10.0.0.2 masquerade # handle 7"));
        assertNull(NftablesBackend.comment("\tchain masq_checks { # handle 2"));
    }

    @Test
    void backendsRefuseTableAndChainNamesThatAreNotPlainNamesBeforeRunningAnything() {
        NftablesBackend nft = new NftablesBackend(null);
        IptablesBackend ipt = IptablesBackend.ipv4(null);
        for (String p : PAYLOADS) {
            assertThrows(IllegalArgumentException.class, () -> nft.deleteRulesWithComment("inet t", "c" + p, "x"));
            assertThrows(IllegalArgumentException.class, () -> nft.deleteChain("inet t" + p, "c"));
            assertThrows(IllegalArgumentException.class, () -> nft.deleteTable("inet t" + p));
            assertThrows(IllegalArgumentException.class, () -> nft.chainExists("inet" + p + " t", "c"));
            assertThrows(IllegalArgumentException.class, () -> ipt.deleteChain("nat", "C" + p));
            assertThrows(IllegalArgumentException.class, () -> ipt.deleteRulesWithComment("nat" + p, "C", "x"));
        }
    }

    /** iptables-restore's reading of one parameter (xshared.c add_param_to_argv), for the round trip. */
    static String unquote(String param) {
        if (!param.startsWith("\"")) {
            return param;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 1; i < param.length() - 1; i++) {
            char c = param.charAt(i);
            if (c == '\\') {
                c = param.charAt(++i);
            }
            b.append(c);
        }
        return b.toString();
    }
}
