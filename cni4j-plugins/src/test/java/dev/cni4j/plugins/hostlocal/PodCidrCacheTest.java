package dev.cni4j.plugins.hostlocal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.net.IpPrefix;
import dev.cni4j.plugins.hostlocal.kube.KubernetesNodeSource;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * usePodCidr through the Kubernetes API asks once per node, not once per ADD: a burst of
 * concurrent ADDs (threads of one JVM, and separate plugin processes, as a runtime execs them)
 * against fabric8's API stand-in that counts the requests; then the cache's own rules with a
 * stand-in lookup (refresh, a re-created node, an unreachable API, another boot).
 */
class PodCidrCacheTest {
    private static KubernetesMockServer server;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startApi() {
        server = KubeApi.startApiServer();
        try (KubernetesClient client = server.createClient()) {
            KubeApi.node(client, "burst", "10.244.7.0/24", List.of("10.244.7.0/24"));
            KubeApi.node(client, "procs", "10.244.8.0/24", List.of("10.244.8.0/24"));
        }
    }

    @AfterAll
    static void stopApi() {
        server.destroy();
    }

    private String conf(String node) {
        Path kc = KubeApi.kubeconfig(tmp.resolve("kube"), "server: " + server.url("/"), "token: t");
        return KubeApi.calicoConfig("1.0.0", tmp, node, kc, "\"subnet\": \"usePodCidr\"");
    }

    @Test
    void tenConcurrentAddsAskTheApiOnce() throws Exception {
        String conf = conf("burst");
        int before = server.getRequestCount();
        ExecutorService pool = Executors.newFixedThreadPool(10);
        Set<String> ips = new HashSet<>();
        try {
            List<Future<Cni.Outcome>> adds = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                String id = "pod" + i;
                adds.add(pool.submit(() -> Cni.run(new HostLocal(), "ADD", conf, id, "eth0", Map.of())));
            }
            for (Future<Cni.Outcome> f : adds) {
                Cni.Outcome o = f.get(60, TimeUnit.SECONDS);
                assertTrue(o.ok(), o.stdout());
                ips.add(o.json().objects("ips").get(0).string("address"));
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, server.getRequestCount() - before, "one API request for the burst");
        assertEquals(10, ips.size());
        assertTrue(ips.stream().allMatch(ip -> ip.startsWith("10.244.7.")), ips.toString());

        Path file = tmp.resolve("podcidr.d/burst");
        String text = Files.readString(file);
        assertTrue(text.startsWith("# pod CIDRs from the Kubernetes API (cni4j host-local): node=burst uid="), text);
        assertTrue(text.endsWith("\n10.244.7.0/24\n"), text);
        assertEquals(
                List.of(IpPrefix.parse("10.244.7.0/24")),
                PodCidrSource.file(file).podCidrs(),
                "the node agent's file format");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
        assertFalse(Files.exists(tmp.resolve("podcidr")), "the node agent's own file is left to the agent");
        try (var names = Files.list(file.getParent())) {
            assertEquals(
                    List.of("burst", "burst.lock"),
                    names.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no temp files left");
        }
    }

    /** As a runtime runs the plugin: one fresh JVM per ADD, all at once. */
    @Test
    void concurrentPluginProcessesAskTheApiOnce() throws Exception {
        Path confFile = Files.writeString(tmp.resolve("conf.json"), conf("procs"));
        int before = server.getRequestCount();
        String java = ProcessHandle.current().info().command().orElse("java");
        List<Process> procs = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
            procs.add(new ProcessBuilder(
                            java,
                            "-XX:TieredStopAtLevel=1",
                            "-XX:+UseSerialGC",
                            "-cp",
                            System.getProperty("java.class.path"),
                            ConcurrencyTest.AddLoop.class.getName(),
                            confFile.toString(),
                            "proc" + p,
                            "1")
                    .redirectErrorStream(true)
                    .redirectOutput(tmp.resolve("out" + p).toFile())
                    .start());
        }
        Set<String> ips = new HashSet<>();
        for (int p = 0; p < procs.size(); p++) {
            assertTrue(procs.get(p).waitFor(120, TimeUnit.SECONDS), "process " + p + " finished");
            String out = Files.readString(tmp.resolve("out" + p));
            assertEquals(0, procs.get(p).exitValue(), out);
            ips.add(out.strip());
        }
        assertEquals(4, ips.size(), ips.toString());
        assertEquals(1, server.getRequestCount() - before, "one API request for four plugin processes");
    }

    // ---- the cache's rules, with a stand-in for the API ----

    private static final String BOOT = "1b9e2c44-0000-4000-8000-000000000001";

    private final AtomicInteger asked = new AtomicInteger();

    private PodCidrCache cache(
            Duration maxAge, String boot, java.util.function.Supplier<KubernetesNodeSource.Node> api) {
        return new PodCidrCache(
                PodCidrCache.fileFor(tmp.resolve("podcidr"), "n1"),
                "n1",
                () -> {
                    asked.incrementAndGet();
                    return api.get();
                },
                maxAge,
                boot);
    }

    private static KubernetesNodeSource.Node node(String uid, String cidr) {
        return new KubernetesNodeSource.Node("n1", uid, List.of(IpPrefix.parse(cidr)));
    }

    @Test
    void aFreshAnswerIsUsedUntilItsAgeThenAskedAgainAndReplaced() throws IOException {
        assertEquals(
                List.of(IpPrefix.parse("10.244.1.0/24")),
                cache(Duration.ofMinutes(10), BOOT, () -> node("uid-1", "10.244.1.0/24"))
                        .podCidrs());
        assertEquals(
                List.of(IpPrefix.parse("10.244.1.0/24")),
                cache(Duration.ofMinutes(10), BOOT, () -> node("uid-2", "10.244.9.0/24"))
                        .podCidrs(),
                "kept");
        assertEquals(1, asked.get());

        // ten minutes later the node turns out to have been deleted and re-created with another CIDR
        Path file = tmp.resolve("podcidr.d/n1");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(Duration.ofMinutes(11))));
        assertEquals(
                List.of(IpPrefix.parse("10.244.9.0/24")),
                cache(Duration.ofMinutes(10), BOOT, () -> node("uid-2", "10.244.9.0/24"))
                        .podCidrs());
        assertEquals(2, asked.get());
        assertTrue(Files.readString(file).contains(" uid=uid-2 boot=" + BOOT + "\n"), Files.readString(file));
    }

    @Test
    void anUnreachableApiLeavesTheOldAnswerInPlaceAnAnswerThatSaysNoIsBelieved() throws IOException {
        cache(Duration.ZERO, BOOT, () -> node("uid-1", "10.244.1.0/24")).podCidrs();
        CniException unreachable = new KubernetesNodeSource.Unreachable(
                new CniException(ErrorCode.TRY_AGAIN_LATER, "usePodCidr: cannot reach the Kubernetes API"));
        Path file = tmp.resolve("podcidr.d/n1");
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(Duration.ofHours(1))));
        assertEquals(
                List.of(IpPrefix.parse("10.244.1.0/24")),
                cache(Duration.ofMinutes(10), BOOT, () -> {
                            throw unreachable;
                        })
                        .podCidrs());
        assertTrue(
                Files.getLastModifiedTime(file)
                        .toInstant()
                        .isAfter(Instant.now().minus(Duration.ofMinutes(1))),
                "the next try waits another max age");

        CniException noSuchNode = new CniException(ErrorCode.TRY_AGAIN_LATER, "usePodCidr: node n1 is not registered");
        CniException thrown = assertThrows(
                CniException.class,
                () -> cache(Duration.ZERO, BOOT, () -> {
                            throw noSuchNode;
                        })
                        .podCidrs());
        assertSame(noSuchNode, thrown);

        Files.delete(file);
        assertSame(
                unreachable,
                assertThrows(
                        CniException.class,
                        () -> cache(Duration.ofMinutes(10), BOOT, () -> {
                                    throw unreachable;
                                })
                                .podCidrs()),
                "nothing to fall back on");
    }

    @Test
    void anAnswerFromAnotherBootOrForAnotherNodeIsNotUsed() throws IOException {
        cache(Duration.ofMinutes(10), BOOT, () -> node("uid-1", "10.244.1.0/24"))
                .podCidrs();
        assertEquals(
                List.of(IpPrefix.parse("10.244.2.0/24")),
                cache(Duration.ofMinutes(10), "another-boot", () -> node("uid-1", "10.244.2.0/24"))
                        .podCidrs());
        assertEquals(2, asked.get());

        Path file = tmp.resolve("podcidr.d/n1");
        Files.writeString(file, Files.readString(file).replace("node=n1", "node=n2"));
        cache(Duration.ofMinutes(10), "another-boot", () -> node("uid-1", "10.244.2.0/24"))
                .podCidrs();
        assertEquals(3, asked.get());
        Files.writeString(file, "garbage\n");
        cache(Duration.ofMinutes(10), "another-boot", () -> node("uid-1", "10.244.2.0/24"))
                .podCidrs();
        assertEquals(4, asked.get(), "a malformed file is replaced");
        Files.writeString(file, Files.readString(file).lines().findFirst().orElseThrow() + "\n");
        assertEquals(
                List.of(IpPrefix.parse("10.244.2.0/24")),
                cache(Duration.ofMinutes(10), "another-boot", () -> node("uid-1", "10.244.2.0/24"))
                        .podCidrs());
        assertEquals(5, asked.get(), "a file of this node and boot that lists no CIDR is asked again");
        assertNotNull(PodCidrCache.currentBootId(), "this kernel tells its boot id");
    }

    @Test
    void noCacheWhereItCannotBeKept() throws IOException {
        Files.writeString(tmp.resolve("podcidr.d"), "a file where the directory would be");
        for (int i = 1; i <= 2; i++) {
            assertEquals(
                    List.of(IpPrefix.parse("10.244.1.0/24")),
                    cache(Duration.ofMinutes(10), BOOT, () -> node("uid-1", "10.244.1.0/24"))
                            .podCidrs());
            assertEquals(i, asked.get(), "asked every time");
        }
        PodCidrCache dots = new PodCidrCache(
                tmp.resolve("podcidr.d/.."),
                "..",
                () -> {
                    throw new CniException(ErrorCode.INVALID_NETWORK_CONFIG, "usePodCidr: invalid node name \"..\"");
                },
                Duration.ofMinutes(10),
                BOOT);
        assertEquals(7, assertThrows(CniException.class, dots::podCidrs).code(), "never a file name");
    }
}
