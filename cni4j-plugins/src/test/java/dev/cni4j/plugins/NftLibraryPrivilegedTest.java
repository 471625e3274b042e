package dev.cni4j.plugins;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.firewall.FirewallException;
import dev.cni4j.linux.firewall.Nft;
import dev.cni4j.testing.TestNetworks;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link Nft} through libnftables against the exec'd {@code nft}: the same scripts leave the same
 * ruleset (applied by one path in one namespace, by the other in a second, both listed by exec),
 * the same listings and the same errors; contexts stay in their namespace; concurrent callers.
 */
class NftLibraryPrivilegedTest {
    TestNetworks a;
    TestNetworks b;

    /** What the plugins do: masquerade, portmap-style maps and sets with commented elements, bridge-family rules. */
    static final List<String> SCRIPTS = List.of(
            """
            add table inet cni_plugins_masquerade
            add chain inet cni_plugins_masquerade masq_checks
            add chain inet cni_plugins_masquerade postrouting { type nat hook postrouting priority srcnat; }
            add rule inet cni_plugins_masquerade postrouting ip saddr 10.244.1.2 jump masq_checks comment "podnet-abc"
            add rule inet cni_plugins_masquerade masq_checks ip daddr 10.244.1.0/24 return comment "podnet-abc"
            add rule inet cni_plugins_masquerade masq_checks masquerade comment "podnet-abc"
            """,
            """
            add table inet cni4j_hostport
            add map inet cni4j_hostport dnat4 { type inet_proto . inet_service : ipv4_addr . inet_service; }
            add set inet cni4j_hostport owned { type ipv4_addr; }
            add element inet cni4j_hostport dnat4 { tcp . 8080 comment "podnet/abc" : 10.244.1.2 . 80, udp . 53 \
            comment "podnet/abc" : 10.244.1.2 . 53 }
            add element inet cni4j_hostport owned { 10.244.1.2 comment "podnet/abc" }
            add chain inet cni4j_hostport prerouting { type nat hook prerouting priority dstnat - 1; }
            add rule inet cni4j_hostport prerouting fib daddr type local meta nfproto ipv4 dnat ip to meta l4proto . \
            th dport map @dnat4
            """,
            """
            add table bridge nat
            add chain bridge nat PREROUTING { type filter hook prerouting priority -300; }
            add chain bridge nat cni-br-abc
            add rule bridge nat PREROUTING iifname "veth1234" jump cni-br-abc comment "macspoofchk-abc"
            add rule bridge nat cni-br-abc ether saddr 02:42:ac:11:00:02 return
            add rule bridge nat cni-br-abc counter drop
            """,
            "add table inet gone\ndelete table inet gone\n",
            "delete element inet cni4j_hostport dnat4 { udp . 53 }\n");

    @BeforeEach
    void setUp() {
        TestNetworks.assumePrivileged();
        a = TestNetworks.create();
        b = TestNetworks.create();
    }

    @AfterEach
    void tearDown() {
        Nft.useLibrary(false);
        Nft.closeContexts(); // the contexts' sockets hold the namespaces
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
    }

    String runIn(TestNetworks n, boolean library, String script, String... options) {
        Nft.useLibrary(library);
        return n.runInNode(() -> Nft.run(script, options));
    }

    Nft.Result tryIn(TestNetworks n, boolean library, String script, String... options) {
        Nft.useLibrary(library);
        return n.runInNode(() -> Nft.tryRun(script, options));
    }

    @Test
    void sameScriptsLeaveTheSameRulesetAndListTheSame() {
        for (String script : SCRIPTS) {
            assertEquals("", runIn(a, true, script));
            assertEquals("", runIn(b, false, script));
            assertEquals(b.execInNode("nft", "list", "ruleset"), a.execInNode("nft", "list", "ruleset"), script);
        }
        assertTrue(a.execInNode("nft", "list", "ruleset").contains("comment \"podnet/abc\" : 10.244.1.2 . 80"));
        // a rule deleted by the handle a -a listing shows
        String listed = runIn(a, true, "list chain bridge nat cni-br-abc", "-a");
        assertEquals(runIn(a, false, "list chain bridge nat cni-br-abc", "-a"), listed);
        String handle = listed.lines()
                .filter(l -> l.contains("drop"))
                .findFirst()
                .orElseThrow()
                .replaceAll(".*# handle ", "");
        runIn(a, true, "delete rule bridge nat cni-br-abc handle " + handle + "\n");
        runIn(b, false, "delete rule bridge nat cni-br-abc handle " + handle + "\n");
        assertEquals(b.execInNode("nft", "list", "ruleset"), a.execInNode("nft", "list", "ruleset"));
        // every listing form, both paths, same namespace
        for (String[] options :
                List.of(new String[0], new String[] {"-a"}, new String[] {"-j"}, new String[] {"-a", "-j"})) {
            for (String list :
                    List.of("list ruleset", "list table inet cni4j_hostport", "list table bridge nat", "list tables")) {
                assertEquals(
                        runIn(a, false, list, options), runIn(a, true, list, options), list + " " + List.of(options));
            }
        }
        assertTrue(runIn(a, true, "list table inet cni4j_hostport", "-j").startsWith("{\"nftables\": [{\"metainfo\""));
    }

    @Test
    void errorsCarryNftsMessageAndChangeNothing() {
        List<String> bad = List.of(
                "add rule inet nope c accept\n",
                "add tabel x\n",
                "add table inet half\nadd rule inet half nochain accept\n");
        for (String script : bad) {
            Nft.Result lib = tryIn(a, true, script);
            Nft.Result exec = tryIn(a, false, script);
            assertEquals(1, lib.exitCode(), script);
            assertEquals(exec.exitCode(), lib.exitCode(), script);
            assertEquals("", lib.stdout());
            assertTrue(lib.stderr().contains("Error: "), lib.stderr());
            assertEquals(exec.stderr(), lib.stderr(), script); // location, message, the line quoted
            assertTrue(lib.stderr().startsWith("/dev/stdin:"), lib.stderr());
            FirewallException e = assertThrows(FirewallException.class, () -> runIn(a, true, script));
            assertEquals(script, e.script());
            assertTrue(e.getMessage().contains(lib.stderr().lines().findFirst().orElseThrow()), e.getMessage());
        }
        assertFalse(a.execInNode("nft", "list", "ruleset").contains("half"), "a failed transaction changes nothing");
        // a listing that fails: same (argument) form on both paths, so the same text
        Nft.Result lib = tryIn(a, true, "list table inet cni4j_hostport", "-j");
        Nft.Result exec = tryIn(a, false, "list table inet cni4j_hostport", "-j");
        assertEquals(exec, lib);
        assertTrue(lib.stderr().contains("No such file or directory"), lib.stderr());
        assertThrows(IllegalArgumentException.class, () -> Nft.tryRun("list ruleset", "-n"));
    }

    @Test
    void theLibrarySeesChangesMadeOutsideIt() {
        runIn(a, true, "add table inet x\nadd chain inet x c\nadd set inet x s { type ipv4_addr; }\n");
        a.execInNode("nft", "add chain inet x outside"); // another process changes the ruleset
        a.execInNode("nft", "add element inet x s { 10.0.0.1 }");
        runIn(
                a,
                true,
                "add rule inet x outside ip saddr @s accept comment \"lib\"\nadd element inet x s { 10.0.0.2 }\n");
        assertEquals(runIn(a, false, "list table inet x", "-a"), runIn(a, true, "list table inet x", "-a"));
        a.execInNode("nft", "delete table inet x");
        assertTrue(tryIn(a, true, "list table inet x").stderr().contains("No such file or directory"));
        runIn(a, true, "add table inet x\n"); // created again after another process deleted it
        assertEquals("table inet x\n", a.execInNode("nft", "list", "tables"));
    }

    @Test
    void aContextStaysInItsNamespace() throws Exception {
        runIn(a, true, "add table inet only_a\n");
        runIn(b, true, "add table inet only_b\n");
        runIn(a, true, "add table inet also_a\n");
        assertEquals("table inet only_a\ntable inet also_a\n", a.execInNode("nft", "list", "tables"));
        assertEquals("table inet only_b\n", b.execInNode("nft", "list", "tables"));
        // an explicit namespace, called from a thread in another one
        try (NetNs bNs = b.openNode()) {
            a.runInNode(() -> Nft.run(bNs, "add table inet by_arg\n"));
            assertEquals("table inet only_a\ntable inet also_a\n", a.execInNode("nft", "list", "tables"));
            assertEquals("table inet only_b\ntable inet by_arg\n", b.execInNode("nft", "list", "tables"));
            assertEquals(b.execInNode("nft", "list", "tables"), a.runInNode(() -> Nft.run(bNs, "list tables")));
        }
    }

    @Test
    void concurrentCallersAreSerialised() throws Exception {
        runIn(a, true, "add table inet c\nadd set inet c s { type inet_service; }\nadd chain inet c ch\n");
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int base = t * 1000;
                done.add(pool.submit((Callable<Void>) () -> {
                    for (int i = 0; i < 25; i++) {
                        int port = base + i + 1;
                        a.runInNode(() -> Nft.run("add element inet c s { " + port + " }\nadd rule inet c ch tcp dport "
                                + port + " accept comment \"t" + port + "\"\n"));
                        a.runInNode(() -> Nft.run("list chain inet c ch", "-a"));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        String rules = a.execInNode("nft", "list", "chain", "inet", "c", "ch");
        assertEquals(
                200, rules.lines().filter(l -> l.contains("accept comment")).count());
        String set = a.execInNode("nft", "list", "set", "inet", "c", "s");
        String elements =
                set.substring(set.indexOf("elements = {") + 12, set.lastIndexOf('}', set.lastIndexOf('}') - 1));
        assertEquals(200, elements.split(",").length, set);
    }
}
