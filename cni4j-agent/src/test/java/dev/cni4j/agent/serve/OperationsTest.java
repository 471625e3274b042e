package dev.cni4j.agent.serve;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Metrics text, readiness rules and JSON log lines (no root needed). */
class OperationsTest {
    @Test
    void metricsInPrometheusTextWithIpamUsage(@TempDir Path dir) throws Exception {
        Path net = Files.createDirectories(dir.resolve("cni4j"));
        for (String f : new String[] {"10.244.1.2", "10.244.1.3", "last_reserved_ip.0", "lock"}) {
            Files.writeString(net.resolve(f), "x");
        }
        AgentStatus status = new AgentStatus();
        status.skippedNodes(Map.of("node9", "no podCIDR"));
        Metrics m = new Metrics(status, dir);
        m.reconcileRuns.set(3);
        m.routesProgrammed.set(2);
        m.reconcileEnded(0.0125, 0);
        String text = m.render();
        assertTrue(
                text.contains("# TYPE cni4j_agent_reconcile_runs_total counter\ncni4j_agent_reconcile_runs_total 3\n"),
                text);
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
        log.warn(
                "node skipped",
                "peer",
                "n4",
                "reason",
                "line1\nline2",
                "count",
                3,
                "error",
                new IllegalStateException("boom"),
                "peers",
                List.of("a", "b"),
                "annotations",
                Map.of("k", "v"));
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
    void fabric8LogsWarningsAndErrorsIntoTheJsonLog() throws Exception {
        var bytes = new ByteArrayOutputStream();
        LibraryLog.sendTo(new JsonLog("n1", new PrintStream(bytes, true, StandardCharsets.UTF_8)));
        try {
            var logger =
                    org.slf4j.LoggerFactory.getLogger("io.fabric8.kubernetes.client.informers.impl.cache.Reflector");
            assertInstanceOf(LibraryLog.JsonLogger.class, logger, "the agent is the SLF4J binding, not slf4j-nop");
            logger.debug("Event received {}", "MODIFIED");
            logger.info("Watch started");
            logger.warn(
                    "Watch closing with exception for {}",
                    "v1/nodes",
                    new java.util.concurrent.CompletionException(new java.net.ConnectException("Connection refused")));
        } finally {
            LibraryLog.sendTo(new JsonLog(null));
        }
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertEquals(1, out.lines().count(), "DEBUG and INFO dropped: " + out);
        var json = io.fabric8.kubernetes.client.utils.Serialization.jsonMapper().readTree(out);
        assertEquals("warn", json.get("level").asString());
        assertEquals("n1", json.get("node").asString());
        assertEquals(
                "Watch closing with exception for v1/nodes", json.get("msg").asString());
        assertEquals(
                "io.fabric8.kubernetes.client.informers.impl.cache.Reflector",
                json.get("logger").asString());
        assertEquals("ConnectException: Connection refused", json.get("cause").asString());
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
        s.annotationProblem(
                "cannot publish this node's annotations: HTTP 403",
                System.nanoTime() - AgentStatus.ANNOTATION_GRACE_NANOS - 1);
        assertFalse(s.ready());
        assertTrue(
                s.blocking().get(0).startsWith("api: cannot publish this node's annotations: HTTP 403 (for 30 s)"),
                s.blocking().toString());
        s.annotationProblem(null, 0);
        assertTrue(s.ready());
    }
}
