package dev.cni4j.agent;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/** Metrics text, readiness rules, JSON log lines and the masquerade scripts (no root needed). */
class OperationsTest {
    @Test
    void metricsInPrometheusTextWithIpamUsage(@TempDir Path dir) throws Exception {
        Path net = Files.createDirectories(dir.resolve("cni4j"));
        for (String f : new String[] {"10.244.1.2", "10.244.1.3", "last_reserved_ip.0", "lock"}) Files.writeString(net.resolve(f), "x");
        AgentStatus status = new AgentStatus();
        status.skippedNodes(Map.of("node9", "no podCIDR"));
        Metrics m = new Metrics(status, dir);
        m.reconcileRuns.set(3);
        m.routesProgrammed.set(2);
        m.lastReconcileSeconds = 0.0125;
        String text = m.render();
        assertTrue(text.contains("# TYPE cni4j_agent_reconcile_runs_total counter\ncni4j_agent_reconcile_runs_total 3\n"), text);
        assertTrue(text.contains("\ncni4j_agent_routes_programmed 2\n"));
        assertTrue(text.contains("\ncni4j_agent_last_reconcile_duration_seconds 0.0125\n"));
        assertTrue(text.contains("\ncni4j_agent_ready 0\n"));
        assertTrue(text.contains("\ncni4j_agent_node_skipped{node=\"node9\"} 1\n"));
        assertTrue(text.contains("\ncni4j_ipam_allocated_ips{network=\"cni4j\"} 2\n"), text);
        for (String line : text.split("\n")) {
            assertTrue(line.startsWith("# ") || line.matches("[a-z0-9_]+(\\{[a-z]+=\"[^\"]*\"})? [0-9.eE+-]+"), line);
        }
    }

    @Test
    void readyOnlyWithRoutesAndConflistAndNoBlockingProblem() {
        AgentStatus s = new AgentStatus();
        assertFalse(s.ready());
        s.apiProblem(null);
        s.routesProgrammed(true);
        assertEquals(List.of("conflist: not written yet"), s.blocking());
        s.conflistWritten(true);
        assertTrue(s.ready());
        s.skippedNodes(Map.of("n2", "overlap"));
        assertTrue(s.ready(), "a bad peer is a warning");
        assertEquals(List.of("node n2 skipped: overlap"), s.warnings());
        s.selfProblem("no podCIDR");
        assertFalse(s.ready());
    }

    @Test
    void liveUnlessAPassHangs() {
        AgentStatus s = new AgentStatus();
        assertNull(s.livenessProblem(System.nanoTime()), "not ready is still live: a restart would not help");
        s.passStarted(1_000);
        assertNull(s.livenessProblem(1_000 + 5_000_000_000L));
        assertEquals("reconcile pass running for 121 s", s.livenessProblem(1_000 + 121_000_000_000L));
        s.passEnded();
        assertNull(s.livenessProblem(1_000 + 121_000_000_000L));
    }

    @Test
    void logIsOneJsonObjectPerLine() throws Exception {
        var bytes = new ByteArrayOutputStream();
        JsonLog log = new JsonLog("n\"1", new PrintStream(bytes, true, StandardCharsets.UTF_8));
        log.warn("node skipped", "peer", "n4", "reason", "line1\nline2", "count", 3, "error", new IllegalStateException("boom"),
                "peers", List.of("a", "b"), "annotations", Map.of("k", "v"));
        String line = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(1, line.split("\n").length);
        var json = io.fabric8.kubernetes.client.utils.Serialization.jsonMapper().readTree(line);
        assertEquals("warn", json.get("level").asString());
        assertEquals("n\"1", json.get("node").asString());
        assertEquals("line1\nline2", json.get("reason").asString());
        assertEquals(3, json.get("count").asInt());
        assertEquals("IllegalStateException: boom", json.get("error").asString());
        assertEquals("b", json.get("peers").get(1).asString());
        assertEquals("v", json.get("annotations").get("k").asString());
    }

    @Test
    void masqueradeSparesPodToPodTraffic() {
        String nft = EgressMasquerade.nftScript(ClusterNode.parseCidr("10.244.0.0/16"));
        assertTrue(nft.contains("ip saddr 10.244.0.0/16 ip daddr != 10.244.0.0/16 masquerade"), nft);
        assertTrue(nft.startsWith("add table inet cni4j_agent\ndelete table inet cni4j_agent\n"));
        String ipt = EgressMasquerade.iptablesScript(ClusterNode.parseCidr("10.244.0.0/16"), true);
        assertTrue(ipt.contains("-A CNI4J-AGENT-MASQ -d 10.244.0.0/16 -j RETURN\n-A CNI4J-AGENT-MASQ -j MASQUERADE\n"), ipt);
        assertTrue(ipt.contains("-A POSTROUTING -s 10.244.0.0/16 -m comment --comment cni4j-agent -j CNI4J-AGENT-MASQ"));
        assertFalse(EgressMasquerade.iptablesScript(ClusterNode.parseCidr("10.244.0.0/16"), false).contains("POSTROUTING"));
        assertFalse(nft.contains("ip6"), "no IPv6 cluster CIDR, no IPv6 rule");
    }

    @Test
    void ipv6MasqueradeSparesPodToPodTrafficToo() {
        String nft = EgressMasquerade.nftScript(ClusterNode.parseCidr("10.244.0.0/16"), ClusterNode.parseCidr("fd00:10:244::/48"));
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

    @Test
    void vtepMacIsStableLocallyAdministeredUnicast() {
        String mac = VxlanBackend.macFor("node1");
        assertEquals(mac, VxlanBackend.macFor("node1"));
        assertNotEquals(mac, VxlanBackend.macFor("node2"));
        int first = Integer.parseInt(mac.substring(0, 2), 16);
        assertEquals(2, first & 3, mac);
    }

    @Test
    void fabric8LogsWarningsAndErrorsIntoTheJsonLog() throws Exception {
        var bytes = new ByteArrayOutputStream();
        LibraryLog.sendTo(new JsonLog("n1", new PrintStream(bytes, true, StandardCharsets.UTF_8)));
        try {
            var logger = org.slf4j.LoggerFactory.getLogger("io.fabric8.kubernetes.client.informers.impl.cache.Reflector");
            assertInstanceOf(LibraryLog.JsonLogger.class, logger, "the agent is the SLF4J binding, not slf4j-nop");
            logger.debug("Event received {}", "MODIFIED");
            logger.info("Watch started");
            logger.warn("Watch closing with exception for {}", "v1/nodes",
                    new java.util.concurrent.CompletionException(new java.net.ConnectException("Connection refused")));
        } finally {
            LibraryLog.sendTo(new JsonLog(null));
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(1, out.lines().count(), "DEBUG and INFO dropped: " + out);
        var json = io.fabric8.kubernetes.client.utils.Serialization.jsonMapper().readTree(out);
        assertEquals("warn", json.get("level").asString());
        assertEquals("n1", json.get("node").asString());
        assertEquals("Watch closing with exception for v1/nodes", json.get("msg").asString());
        assertEquals("io.fabric8.kubernetes.client.informers.impl.cache.Reflector", json.get("logger").asString());
        assertEquals("ConnectException: Connection refused", json.get("cause").asString());
    }

    @Test
    void apiErrorsNameTheRequestAndCountEachFailureLogOnce() {
        var bytes = new ByteArrayOutputStream();
        Metrics m = new Metrics(new AgentStatus(), Path.of("/nonexistent"));
        ApiErrors e = new ApiErrors(m, new JsonLog("n1", new PrintStream(bytes, true, StandardCharsets.UTF_8)));
        assertNull(e.recent(System.nanoTime()));
        e.failed("watch nodes (https://10.0.0.1:6443): HTTP 403 Forbidden");
        e.failed("watch nodes (https://10.0.0.1:6443): HTTP 403 Forbidden");
        assertEquals(2, m.apiErrors.get());
        assertEquals(1, bytes.toString(StandardCharsets.UTF_8).lines().count(), "the same problem is logged once");
        assertEquals("watch nodes (https://10.0.0.1:6443): HTTP 403 Forbidden", e.recent(System.nanoTime()));
        assertNull(e.recent(System.nanoTime() + ApiErrors.RECENT_NANOS + 1), "an old error is no cause");
        e.informerError("list nodes (https://10.0.0.1:6443)", new io.fabric8.kubernetes.client.KubernetesClientException("Forbidden", 403, null));
        assertEquals(2, m.apiErrors.get(), "an HTTP status was counted by the interceptor already");
        assertEquals("ConnectException (refused or unreachable)",
                ApiErrors.cause(new java.util.concurrent.CompletionException(new java.net.ConnectException())));
        assertEquals("HttpTimeoutException: request timed out", ApiErrors.cause(new io.fabric8.kubernetes.client.KubernetesClientException(
                "x", new java.net.http.HttpTimeoutException("request timed out"))));
    }

    @Test
    void aFailingAnnotationPatchWarnsFirstAndBlocksOnlyWhenItLasts() {
        AgentStatus s = new AgentStatus();
        s.apiProblem(null);
        s.routesProgrammed(true);
        s.conflistWritten(true);
        s.annotationProblem("cannot publish this node's annotations: HTTP 403", System.nanoTime());
        assertTrue(s.ready(), "a 403 for a moment after an API server restart: no flapping");
        assertEquals(List.of("api: cannot publish this node's annotations: HTTP 403"), s.warnings());
        s.annotationProblem("cannot publish this node's annotations: HTTP 403", System.nanoTime() - AgentStatus.ANNOTATION_GRACE_NANOS - 1);
        assertFalse(s.ready());
        assertTrue(s.blocking().get(0).startsWith("api: cannot publish this node's annotations: HTTP 403 (for 30 s)"), s.blocking().toString());
        s.annotationProblem(null, 0);
        assertTrue(s.ready());
    }

    @Test
    void onlyGlobalAddressesOfLinksThatCanCarryTheApiConnectionCountForTheWatchCheck() {
        var links = List.of(
                new dev.cni4j.linux.rtnl.Link(1, "lo", 772, dev.cni4j.linux.rtnl.Link.IFF_LOOPBACK, 65536, null, null, 0, 0, -1, 0, 0),
                new dev.cni4j.linux.rtnl.Link(2, "eth0", 1, 0, 1500, null, null, 0, 0, -1, 0, 0),
                new dev.cni4j.linux.rtnl.Link(3, "kube-ipvs0", 1, 0, 1500, null, "dummy", 0, 0, -1, 0, 0),
                new dev.cni4j.linux.rtnl.Link(4, "cni4j.1", 1, 0, 1450, null, "vxlan", 0, 0, -1, 0, 0));
        var ignored = WatchCheck.ignoredLinks(links, "cni4j.1");
        assertEquals(java.util.Set.of(1, 3, 4), ignored);
        var all = List.of(
                new dev.cni4j.linux.rtnl.Address(2, SimulatedCluster.ip("192.168.50.1"), 24, 0, 0, null, null),
                new dev.cni4j.linux.rtnl.Address(2, SimulatedCluster.ip("fe80::1"), 64, 253, 0, null, null),
                new dev.cni4j.linux.rtnl.Address(1, SimulatedCluster.ip("127.0.0.1"), 8, 254, 0, null, null),
                new dev.cni4j.linux.rtnl.Address(3, SimulatedCluster.ip("10.96.0.10"), 32, 0, 0, null, null),
                new dev.cni4j.linux.rtnl.Address(4, SimulatedCluster.ip("10.244.1.0"), 32, 0, 0, null, null),
                new dev.cni4j.linux.rtnl.Address(2, SimulatedCluster.ip("fd00:50::1"), 64, 0, 0, null, null));
        assertEquals(java.util.Set.of(SimulatedCluster.ip("192.168.50.1"), SimulatedCluster.ip("fd00:50::1")),
                WatchCheck.globalAddresses(all, ignored), "a Service's ClusterIP on kube-ipvs0 or a VTEP address coming and going is no reason");
    }
}
