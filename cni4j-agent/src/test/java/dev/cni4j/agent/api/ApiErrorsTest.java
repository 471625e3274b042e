package dev.cni4j.agent.api;

import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.agent.SimulatedCluster;
import dev.cni4j.agent.serve.AgentStatus;
import dev.cni4j.agent.serve.JsonLog;
import dev.cni4j.agent.serve.Metrics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How API failures are counted and reported, and which addresses the watch check follows (no root needed). */
class ApiErrorsTest {
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
        e.informerError(
                "list nodes (https://10.0.0.1:6443)",
                new io.fabric8.kubernetes.client.KubernetesClientException("Forbidden", 403, null));
        assertEquals(2, m.apiErrors.get(), "an HTTP status was counted by the interceptor already");
        assertEquals(
                "ConnectException (refused or unreachable)",
                ApiErrors.cause(new java.util.concurrent.CompletionException(new java.net.ConnectException())));
        assertEquals(
                "HttpTimeoutException: request timed out",
                ApiErrors.cause(new io.fabric8.kubernetes.client.KubernetesClientException(
                        "x", new java.net.http.HttpTimeoutException("request timed out"))));
    }

    @Test
    void onlyGlobalAddressesOfLinksThatCanCarryTheApiConnectionCountForTheWatchCheck() {
        var links = List.of(
                new dev.cni4j.linux.rtnl.Link(
                        1, "lo", 772, dev.cni4j.linux.rtnl.Link.IFF_LOOPBACK, 65536, null, null, 0, 0, -1, 0, 0),
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
        assertEquals(
                java.util.Set.of(SimulatedCluster.ip("192.168.50.1"), SimulatedCluster.ip("fd00:50::1")),
                WatchCheck.globalAddresses(all, ignored),
                "a Service's ClusterIP on kube-ipvs0 or a VTEP address coming and going is no reason");
    }
}
