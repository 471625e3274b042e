package dev.cni4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonObject;
import dev.cni4j.linux.NetNs;
import dev.cni4j.testing.TestNetworks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI against the real kernel, in throwaway namespaces only (skipped without root). The
 * network commands run on a thread inside a TestNetworks node, so the plugins they fork live
 * there too; the packaged plugins come from dist/bin, which this module is built after.
 */
class CliPrivilegedTest {
    static final Path DIST = Path.of(System.getProperty("cni4j.dist", "../dist"))
            .toAbsolutePath()
            .normalize();

    @TempDir
    Path tmp;

    Path conf;
    Path cache;
    String[] dirs;

    @BeforeAll
    static void root() {
        TestNetworks.assumePrivileged();
    }

    @BeforeEach
    void loopbackNetwork() throws IOException {
        conf = Files.createDirectories(tmp.resolve("net.d"));
        cache = tmp.resolve("cache");
        Files.writeString(
                conf.resolve("10-lo.conflist"),
                "{\"cniVersion\":\"1.1.0\",\"name\":\"lo-test\",\"plugins\":[{\"type\":\"loopback\"}]}");
        dirs = new String[] {
            "--conf-dir",
            conf.toString(),
            "--cache-dir",
            cache.toString(),
            "--bin-dir",
            DIST.resolve("bin").toString()
        };
    }

    private String[] with(String... argv) {
        return NetworkCommands.concat(argv, dirs);
    }

    @Test
    void netnsAddListExecDel() throws IOException {
        String name = TestNetworks.PREFIX + ProcessHandle.current().pid() + "-cli";
        try {
            assertEquals(
                    NetNs.RUN_NETNS.resolve(name) + "\n",
                    CliRun.run("netns", "add", name).assertOk().out());
            CliRun.run("netns", "add", name).assertOneLineError(1, "EEXIST");
            assertTrue(CliRun.run("netns", "list").assertOk().out().lines().anyMatch(name::equals));
            assertTrue(
                    Json.parse(CliRun.run("netns", "list", "--json").assertOk().out()) instanceof List<?> l
                            && l.contains(name));

            Path links = tmp.resolve("links");
            CliRun exec = CliRun.run("netns", "exec", name, "--", "sh", "-c", "ip -o link > " + links + "; exit 7");
            assertEquals(7, exec.status(), "the command's exit status: " + exec.err());
            List<String> seen = Files.readAllLines(links);
            assertEquals(1, seen.size(), "a new namespace has only lo: " + seen);
            assertTrue(seen.get(0).contains(": lo: "), seen.get(0));
            CliRun.run("netns", "exec", name, "--", "/no/such/cmd").assertOneLineError(1, "cannot run /no/such/cmd");

            CliRun.run("netns", "del", name).assertOk();
            assertFalse(CliRun.run("netns", "list").out().lines().anyMatch(name::equals));
            CliRun.run("netns", "del", name).assertOneLineError(1, "no network namespace named \"" + name + "\"");
        } finally {
            NetNs.delete(name);
        }
    }

    @Test
    void addCheckDelWithTheLoopbackPlugin() {
        requireDist();
        try (TestNetworks net = TestNetworks.create()) {
            Path pod = net.newPod();
            String id = AttachmentOptions.defaultContainerId(pod);
            Path cached = cache.resolve("results/lo-test-" + id + "-lo");

            CliRun add = net.runInNode(() -> CliRun.run(with("add", "lo-test", pod.toString(), "--ifname", "lo")));
            add.assertOk();
            JsonObject result = Json.parseObject(add.out());
            assertEquals("1.1.0", result.string("cniVersion"));
            assertEquals("lo", result.objects("interfaces").get(0).string("name"));
            assertEquals(pod.toString(), result.objects("interfaces").get(0).string("sandbox"));
            assertTrue(Files.exists(cached), "ADD result cached like libcni does");
            assertTrue(net.exec(pod, "ip", "-o", "link", "show", "lo").contains("UP"));

            // By name or by path: same namespace, same default container ID.
            net.runInNode(() -> CliRun.run(with("check", "lo-test", TestNetworks.nameOf(pod), "--ifname", "lo")))
                    .assertOk();
            assertEquals(
                    "network lo-test is ready\n",
                    net.runInNode(() ->
                            CliRun.run(with("status", "lo-test")).assertOk().out()));

            net.runInNode(() -> CliRun.run(with("del", "lo-test", pod.toString(), "--ifname", "lo")))
                    .assertOk();
            assertFalse(Files.exists(cached));
            assertFalse(net.exec(pod, "ip", "-o", "link", "show", "lo").contains(",UP"));
            net.runInNode(() -> CliRun.run(with("del", "lo-test", pod.toString(), "--ifname", "lo")))
                    .assertOk();
            net.runInNode(() -> CliRun.run(with("check", "lo-test", pod.toString(), "--ifname", "lo")))
                    .assertOneLineError(
                            1,
                            id + " lo is not attached to network lo-test (nothing cached in " + cache.resolve("results")
                                    + ")");
        }
    }

    @Test
    void installedPluginsWorkFromTheirNewHome() throws IOException {
        requireDist();
        Path bin = tmp.resolve("opt/cni/bin");
        Path installedConf = tmp.resolve("etc/cni/net.d");
        Path mine = Files.writeString(
                tmp.resolve("20-lo.conflist"),
                "{\"cniVersion\":\"1.1.0\",\"name\":\"lo-inst\",\"plugins\":[{\"type\":\"loopback\"}]}");
        CliRun.run(
                        "install",
                        "--dist",
                        DIST.toString(),
                        "--bin-dir",
                        bin.toString(),
                        "--conf-dir",
                        installedConf.toString(),
                        "--conflist",
                        mine.toString(),
                        "--no-systemd")
                .assertOk();
        try (TestNetworks net = TestNetworks.create()) {
            Path pod = net.newPod();
            String[] args = {
                "--conf-dir",
                installedConf.toString(),
                "--bin-dir",
                bin.toString(),
                "--cache-dir",
                cache.toString(),
                "--ifname",
                "lo"
            };
            net.runInNode(() ->
                            CliRun.run(NetworkCommands.concat(new String[] {"add", "lo-inst", pod.toString()}, args)))
                    .assertOk();
            assertTrue(net.exec(pod, "ip", "-o", "link", "show", "lo").contains("UP"));
            net.runInNode(() ->
                            CliRun.run(NetworkCommands.concat(new String[] {"del", "lo-inst", pod.toString()}, args)))
                    .assertOk();
        }
        CliRun.run("uninstall", "--bin-dir", bin.toString()).assertOk();
        assertFalse(Files.exists(bin.resolve("loopback")));
        assertFalse(Files.exists(installedConf.resolve("20-lo.conflist")));
    }

    @Test
    void installedPluginsRunOnTheBundledRuntimeWithoutAJdk() throws Exception {
        requireDist();
        Path bin = tmp.resolve("opt/cni/bin");
        Path mine = Files.writeString(
                tmp.resolve("20-lo.conflist"),
                "{\"cniVersion\":\"1.1.0\",\"name\":\"lo-inst\",\"plugins\":[{\"type\":\"loopback\"}]}");
        CliRun.run(
                        "install",
                        "--dist",
                        DIST.toString(),
                        "--bin-dir",
                        bin.toString(),
                        "--conf-dir",
                        tmp.resolve("etc/cni/net.d").toString(),
                        "--conflist",
                        mine.toString(),
                        "--no-systemd")
                .assertOk();
        Path jre = bin.resolve("cni4j-lib/jre");
        assertTrue(Files.isExecutable(jre.resolve("bin/java")), "the runtime is installed, executable");

        // No JDK reachable: a PATH without any java on it, no JAVA_HOME, nothing else inherited.
        String path = java.util.Arrays.stream(
                        System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":"))
                .filter(d -> !d.isEmpty() && !Files.exists(Path.of(d, "java")))
                .collect(java.util.stream.Collectors.joining(":"));
        ProcessBuilder pb = new ProcessBuilder(bin.resolve("loopback").toString());
        pb.environment().clear();
        pb.environment()
                .putAll(java.util.Map.of(
                        "PATH",
                        path,
                        "CNI_COMMAND",
                        "VERSION",
                        "CNI4J_SOCKET",
                        "", // never a daemon: the standalone plugin, a JVM of its own
                        "JDK_JAVA_OPTIONS",
                        "-XshowSettings:properties")); // read by the java launcher; to stderr
        pb.redirectInput(ProcessBuilder.Redirect.from(Files.writeString(tmp.resolve("in"), "{\"cniVersion\":\"1.1.0\"}")
                .toFile()));
        Process p = pb.start();
        var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), () -> "stderr: " + err.join());
        assertTrue(out.contains("\"supportedVersions\""), out);
        String javaHome = err.join()
                .lines()
                .map(String::strip)
                .filter(l -> l.startsWith("java.home = "))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no java.home in: " + err.join()));
        assertEquals("java.home = " + jre, javaHome, "the plugin runs on the runtime installed with it");

        CliRun.run("uninstall", "--bin-dir", bin.toString()).assertOk();
        assertFalse(Files.exists(bin.resolve("cni4j-lib")), "the runtime goes with the rest");
    }

    @Test
    void gcDeletesAttachmentsWhoseNamespaceIsGone() {
        requireDist();
        try (TestNetworks net = TestNetworks.create()) {
            Path alive = net.newPod();
            Path doomed = net.newPod();
            for (Path pod : List.of(alive, doomed)) {
                net.runInNode(() -> CliRun.run(with("add", "lo-test", pod.toString(), "--ifname", "lo")))
                        .assertOk();
            }
            NetNs.delete(TestNetworks.nameOf(doomed));
            CliRun gc = net.runInNode(() -> CliRun.run(with("gc", "lo-test"))).assertOk();
            assertEquals(
                    "deleted stale attachment " + AttachmentOptions.defaultContainerId(doomed) + " lo\n", gc.out());
            assertTrue(Files.exists(
                    cache.resolve("results/lo-test-" + AttachmentOptions.defaultContainerId(alive) + "-lo")));
            assertFalse(Files.exists(
                    cache.resolve("results/lo-test-" + AttachmentOptions.defaultContainerId(doomed) + "-lo")));
        }
    }

    @Test
    void badInputFailsOnOneLineAndCreatesNothing() throws IOException {
        requireDist();
        try (TestNetworks net = TestNetworks.create()) {
            String pod = net.newPod().toString();
            Path notNetns = Files.writeString(tmp.resolve("plain-file"), "x");
            List<Object[]> cases = List.of(
                    new Object[] {1, "no network named \"nope\"", new String[] {"add", "nope", pod}},
                    new Object[] {1, "does not exist", new String[] {"add", "lo-test", "/run/netns/cni4jt-none"}},
                    new Object[] {1, "not a namespace file", new String[] {"add", "lo-test", notNetns.toString()}},
                    new Object[] {2, "invalid port mapping \"80\"", new String[] {"add", "lo-test", pod, "-p", "80"}},
                    new Object[] {
                        2,
                        "invalid port mapping \"80:80/icmp\"",
                        new String[] {"add", "lo-test", pod, "-p", "80:80/icmp"}
                    },
                    new Object[] {
                        2,
                        "unreasonably small",
                        new String[] {"add", "lo-test", pod, "--annotation", "kubernetes.io/egress-bandwidth=999"}
                    },
                    new Object[] {2, "invalid --ifname", new String[] {"add", "lo-test", pod, "--ifname", "a b"}});
            for (Object[] c : cases) {
                CliRun r = net.runInNode(() -> CliRun.run(with((String[]) c[2])));
                r.assertOneLineError((Integer) c[0], (String) c[1]);
            }
            assertFalse(Files.exists(cache), "no cache file");
            assertFalse(net.exec(Path.of(pod), "ip", "-o", "link", "show", "lo").contains(",UP"), "pod untouched");
        }
    }

    @Test
    void doctorLooksInsideTheNodeNamespace() {
        try (TestNetworks net = TestNetworks.create()) {
            String[] args = {
                "doctor",
                "--node-netns",
                net.node().toString(),
                "--conf-dir",
                conf.toString(),
                "--bin-dir",
                DIST.resolve("bin").toString(),
                "--cache-dir",
                cache.toString(),
                "--data-dir",
                tmp.resolve("networks").toString()
            };
            net.execInNode("sysctl", "-q", "-w", "net.ipv4.ip_forward=0");
            CliRun before = CliRun.run(args);
            assertEquals(1, before.status());
            assertTrue(before.out().contains("net.ipv4.ip_forward is not 1"), before.out());

            net.execInNode("sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
            net.execInNode("ip", "link", "add", "vleft1", "type", "veth", "peer", "name", "vleft2");
            CliRun after = CliRun.run(args);
            assertFalse(after.out().contains("ip_forward"), after.out());
            assertTrue(after.out().contains("WARNING veth vleft1 has no master"), after.out());
            assertTrue(after.out().contains("WARNING veth vleft2 has no master"), after.out());
        }
    }

    @Test
    void aFailedChainAddIsUndoneThroughEveryPluginEvenPastAMissingOne() throws IOException {
        requireDist();
        Path ipam = tmp.resolve("ipam");
        Files.writeString(conf.resolve("20-broken.conflist"), """
                {"cniVersion":"1.1.0","name":"broken","plugins":[
                 {"type":"bridge","bridge":"cni0","isGateway":true,"ipMasq":true,
                  "ipam":{"type":"host-local","dataDir":"%s","ranges":[[{"subnet":"10.244.77.0/24"}]]}},
                 {"type":"portmap","capabilities":{"portMappings":true}},
                 {"type":"no-such-plugin"}]}""".formatted(ipam));
        try (TestNetworks net = TestNetworks.create()) {
            Path pod = net.newPod();
            String id = AttachmentOptions.defaultContainerId(pod);

            CliRun add = net.runInNode(() -> CliRun.run(with("add", "broken", pod.toString(), "-p", "18081:80")));

            assertEquals(1, add.status(), add.err());
            List<String> lines = add.err().lines().toList();
            assertEquals(2, lines.size(), add.err());
            assertTrue(lines.get(0).startsWith("cni4j: plugin type=\"no-such-plugin\" failed (add)"), add.err());
            assertTrue(
                    lines.get(1)
                            .startsWith("cni4j: undoing the failed add: plugin type=\"no-such-plugin\" failed (del)"),
                    add.err());
            assertFalse(net.execInNode("ip", "-o", "link").contains("veth"), "no veth left");
            try (var files = Files.list(ipam.resolve("broken"))) {
                assertEquals(
                        List.of(),
                        files.map(f -> f.getFileName().toString())
                                .filter(f -> f.startsWith("10."))
                                .toList(),
                        "no reservation left");
            }
            String rules = net.execInNode("iptables-save") + net.execInNode("nft", "list", "ruleset");
            assertFalse(
                    rules.contains("10.244.77.") || rules.contains("18081"),
                    "no masquerade or port rule left: " + rules);
            assertFalse(Files.exists(cache.resolve("results/broken-" + id + "-eth0")), "no cache entry");
        }
    }

    private static void requireDist() {
        Assumptions.assumeTrue(
                Files.isExecutable(DIST.resolve("bin/loopback")),
                () -> DIST.resolve("bin/loopback") + " is missing: run mvn -DskipTests install at the root first");
    }
}
