package dev.cni4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonObject;
import dev.cni4j.linux.rtnl.Link;
import dev.cni4j.runtime.CachedAttachment;
import dev.cni4j.runtime.ResultCache;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** doctor against temp dirs with planted problems and a fake kernel. */
class DoctorCommandTest {
    @TempDir
    Path tmp;

    Path conf;
    Path bin;
    Path data;
    Path cache;
    FakeNode node = new FakeNode();

    static final class FakeNode implements NodeProbe {
        final Map<String, String> sysctls =
                new HashMap<>(Map.of("net/ipv4/ip_forward", "1", "net/bridge/bridge-nf-call-iptables", "1"));
        boolean brNetfilter = true;
        final List<Link> links = new ArrayList<>();
        final Map<String, String> versionOutputs = new HashMap<>(); // command -> its --version output
        Path askedFor;

        @Override
        public Optional<String> versionOutput(String command) {
            return Optional.ofNullable(versionOutputs.get(command));
        }

        @Override
        public Optional<String> sysctl(String key) {
            return Optional.ofNullable(sysctls.get(key));
        }

        @Override
        public boolean moduleLoaded(String name) {
            return name.equals("br_netfilter") && brNetfilter;
        }

        @Override
        public List<Link> links() {
            return links;
        }
    }

    @BeforeEach
    void healthyNode() throws IOException {
        conf = Files.createDirectories(tmp.resolve("net.d"));
        bin = Files.createDirectories(tmp.resolve("bin"));
        data = Files.createDirectories(tmp.resolve("networks"));
        cache = Files.createDirectories(tmp.resolve("cache"));
        Files.writeString(conf.resolve("10-podnet.conflist"), """
                {"cniVersion":"1.1.0","name":"podnet","plugins":[
                  {"type":"bridge","ipam":{"type":"host-local","ranges":[[{"subnet":"10.22.0.0/16"}]]}},
                  {"type":"portmap","capabilities":{"portMappings":true}}]}""");
        for (String p : List.of("bridge", "host-local", "portmap")) {
            plugin(p, "[\"1.0.0\",\"1.1.0\"]");
        }
        node.links.add(link(1, "lo", "", 0));
        node.links.add(link(2, "cni0", "bridge", 0));
        node.links.add(link(3, "veth1234", "veth", 2));
    }

    /** A script answering VERSION only. */
    private void plugin(String type, String versions) throws IOException {
        Path p = Files.writeString(
                bin.resolve(type),
                "#!/bin/sh\necho '{\"cniVersion\":\"1.1.0\",\"supportedVersions\":" + versions + "}'\n");
        Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void pluginsThatDoNotSupportTheConfigVersion() throws IOException {
        plugin("portmap", "[\"0.3.1\",\"0.4.0\",\"1.0.0\"]");
        Files.writeString(bin.resolve("bridge"), "#!/bin/sh\nexit 3\n");
        List<String> p = doctor().problems();
        assertEquals(2, p.size(), p.toString());
        assertTrue(p.get(0).startsWith("WARNING plugin \"bridge\" does not answer VERSION: "), p.get(0));
        assertEquals(
                "ERROR   network podnet has cniVersion 1.1.0 but plugin \"portmap\" supports only [0.3.1, 0.4.0, "
                        + "1.0.0]: every ADD fails",
                p.get(1));
    }

    @Test
    void conflistNewerThanTheRuntimeOnThePathReads() {
        node.versionOutputs.put(
                "containerd", "containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+b1\n");
        Outcome o = doctor();
        assertEquals(1, o.status(), o.out());
        assertEquals(
                List.of("ERROR   network podnet (" + conf.resolve("10-podnet.conflist") + ") has cniVersion 1.1.0 but "
                        + "containerd 1.6.20 reads results up to 1.0.0: if it runs this node's pods, every ADD fails with "
                        + "\"unsupported CNI result version\""),
                o.problems());
        assertTrue(
                o.out()
                        .contains(
                                "fix: set \"cniVersion\": \"1.0.0\" in " + conf.resolve("10-podnet.conflist")
                                        + " (the agent: conflistCniVersion, cni4j install: --cni-version), or update containerd"),
                o.out());

        node.versionOutputs.put("containerd", "containerd github.com/containerd/containerd/v2 v2.0.0 207ad711eabd\n");
        assertEquals(0, doctor().status(), "containerd 2.0 reads 1.1.0");
        node.versionOutputs.remove("containerd");
        node.versionOutputs.put("crio", "crio version 1.28.2\nGitCommit: abc\nGoVersion: go1.20.10\n");
        assertTrue(doctor().problems().get(0).contains("but CRI-O 1.28.2 reads results up to 1.0.0"), doctor().out());
        node.versionOutputs.put("crio", "Version:        1.32.1\nGoVersion:      go1.23.4\n");
        assertEquals(0, doctor().status(), "CRI-O with libcni 1.2");
    }

    @Test
    void runtimeVersionsParse() {
        assertEquals(
                "1.0.0",
                RuntimeChecks.containerd("containerd containerd.io 1.7.19 2bf793ef6d")
                        .orElseThrow()
                        .newestCniVersion());
        assertEquals(
                "0.4.0",
                RuntimeChecks.containerd("containerd github.com/containerd/containerd v1.5.11 3df5")
                        .orElseThrow()
                        .newestCniVersion());
        assertEquals(
                "1.1.0",
                RuntimeChecks.containerd("containerd github.com/containerd/containerd/v2 v2.1.4 75cb")
                        .orElseThrow()
                        .newestCniVersion());
        assertEquals(
                "0.4.0", RuntimeChecks.crio("crio version 1.23.5").orElseThrow().newestCniVersion());
        assertTrue(RuntimeChecks.containerd("containerd: unknown flag").isEmpty(), "no version, no finding");
        assertTrue(RuntimeChecks.crio("GoVersion: go1.21.7").isEmpty(), "go's version is not CRI-O's");
    }

    private static Link link(int index, String name, String kind, int master) {
        return new Link(index, name, 1, 1, 1500, "aa:bb:cc:dd:ee:ff", kind, master, 0, -1, 6, 0);
    }

    private record Outcome(int status, String out) {
        List<String> problems() {
            return out.lines()
                    .filter(l -> l.startsWith("ERROR") || l.startsWith("WARNING"))
                    .toList();
        }
    }

    private Outcome doctor(String... more) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<String> argv = new ArrayList<>(List.of(
                "--conf-dir",
                conf.toString(),
                "--bin-dir",
                bin.toString(),
                "--data-dir",
                data.toString(),
                "--cache-dir",
                cache.toString()));
        argv.addAll(List.of(more));
        int status = new DoctorCommand(new PrintStream(out, true, StandardCharsets.UTF_8), Map.of(), p -> {
                    node.askedFor = p;
                    return node;
                })
                .run(argv);
        return new Outcome(status, out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void healthyNodeExitsZero() {
        Outcome o = doctor();
        assertEquals(0, o.status(), o.out());
        assertEquals("no problems found\n", o.out());
    }

    @Test
    void forwardingAndBridgeNetfilter() {
        node.sysctls.put("net/ipv4/ip_forward", "0");
        node.sysctls.put("net/bridge/bridge-nf-call-iptables", "0");
        Outcome o = doctor();
        assertEquals(1, o.status());
        assertEquals(
                List.of(
                        "ERROR   net.ipv4.ip_forward is not 1: pod traffic is not routed off the node",
                        "ERROR   net.bridge.bridge-nf-call-iptables is not 1: Services do not work for pods on the same bridge"),
                o.problems());
        assertTrue(o.out().contains("fix: sysctl -w net.ipv4.ip_forward=1"), o.out());

        node.brNetfilter = false;
        node.sysctls.remove("net/bridge/bridge-nf-call-iptables");
        assertTrue(doctor().problems().get(1).startsWith("ERROR   br_netfilter is not loaded"));
    }

    @Test
    void invalidConfigAndDuplicateNetworkNames() throws IOException {
        Files.writeString(conf.resolve("05-broken.conflist"), "{\"cniVersion\":\"1.1.0\",\"name\":\"x\"");
        Files.writeString(
                conf.resolve("20-podnet.conf"), "{\"cniVersion\":\"1.1.0\",\"name\":\"podnet\",\"type\":\"bridge\"}");
        Files.writeString(
                conf.resolve("30-podnet.conflist"),
                "{\"cniVersion\":\"1.1.0\",\"name\":\"podnet\",\"plugins\":[{\"type\":\"bridge\"}]}");
        List<String> p = doctor().problems();
        assertEquals(2, p.size(), p.toString());
        assertTrue(
                p.get(0).startsWith("ERROR   invalid network config " + conf.resolve("05-broken.conflist") + ": "),
                p.get(0));
        assertTrue(p.get(0).endsWith(" at line 1, column 33"), p.get(0)); // where a person looks, not a char offset
        assertEquals(
                "WARNING network \"podnet\" is defined in 3 files (" + conf.resolve("10-podnet.conflist") + ", "
                        + conf.resolve("20-podnet.conf") + ", " + conf.resolve("30-podnet.conflist")
                        + "); runtimes use "
                        + conf.resolve("10-podnet.conflist"),
                p.get(1));
    }

    @Test
    void emptyConfDir() throws IOException {
        Files.delete(conf.resolve("10-podnet.conflist"));
        assertEquals(
                List.of("ERROR   no usable network config in " + conf
                        + ": the runtime reports the node's network as not ready"),
                doctor().problems());
    }

    @Test
    void missingPluginBinariesIncludingIpam() throws IOException {
        Files.delete(bin.resolve("portmap"));
        Files.delete(bin.resolve("host-local"));
        List<String> p = doctor().problems();
        assertEquals(2, p.size(), p.toString());
        assertTrue(
                p.get(0)
                        .startsWith("ERROR   plugin \"host-local\" (used by network podnet) is missing: "
                                + "failed to find plugin \"host-local\" in path [" + bin + "]"),
                p.get(0));
        assertTrue(p.get(1).startsWith("ERROR   plugin \"portmap\""), p.get(1));
    }

    @Test
    void orphanedReservations() throws IOException {
        Path net = Files.createDirectories(data.resolve("podnet"));
        Files.writeString(net.resolve("lock"), "");
        Files.writeString(net.resolve("last_reserved_ip.0"), "10.22.0.9");
        Files.writeString(net.resolve("10.22.0.5"), "live-container\r\neth0");
        Files.writeString(net.resolve("10.22.0.6"), "dead-container\r\neth0");
        Files.writeString(net.resolve("10.22.0.7"), "legacy-dead");
        Files.writeString(net.resolve("10.22.0.8"), "legacy-live");
        new ResultCache(cache).save(entry("podnet", "live-container", "eth0", List.of()));
        new ResultCache(cache).save(entry("podnet", "legacy-live", "net1", List.of()));

        Outcome o = doctor();
        assertEquals(1, o.status());
        assertEquals(
                List.of(
                        "WARNING IP 10.22.0.6 of network podnet is reserved for container dead-container eth0 "
                                + "but no attachment of it is cached (leaked?)",
                        "WARNING IP 10.22.0.7 of network podnet is reserved for container legacy-dead but no attachment "
                                + "of it is cached (leaked?)"),
                o.problems());
        assertTrue(
                o.out()
                        .contains("fix: if that container is gone, run cni4j gc podnet (host-local frees it) or remove "
                                + net.resolve("10.22.0.6")),
                o.out());
    }

    @Test
    void leftoverVethsAndIfbs() {
        node.links.add(link(4, "vethdead", "veth", 0));
        node.links.add(link(5, "vethcached", "veth", 0));
        node.links.add(link(6, "bwp0123456789ab", "ifb", 0));
        node.links.add(link(7, "bwpcached", "ifb", 0));
        node.links.add(link(8, "ifb0", "ifb", 0));
        new ResultCache(cache).save(entry("ptpnet", "c1", "eth0", List.of("vethcached", "bwpcached")));
        List<String> p = doctor().problems();
        assertEquals(
                List.of(
                        "WARNING veth vethdead has no master and no cached attachment names it (left over by a "
                                + "pod torn down without DEL?)",
                        "WARNING ifb bwp0123456789ab of the bandwidth plugin belongs to no cached attachment (its pod is gone)"),
                p);
    }

    @Test
    void jsonOutputAndNodeNetns() {
        node.sysctls.put("net/ipv4/ip_forward", "0");
        Outcome o = doctor("--json", "--node-netns", "mynode");
        assertEquals(Path.of("/run/netns/mynode"), node.askedFor);
        JsonObject json = Json.parseObject(o.out());
        assertEquals(false, json.get("ok"));
        List<JsonObject> findings = json.objects("findings");
        assertEquals(1, findings.size());
        assertEquals("error", findings.get(0).string("severity"));
        assertTrue(findings.get(0).string("remedy").startsWith("sysctl -w"));
        assertEquals(Path.of("/x/ns"), run("--node-netns", "/x/ns"));
        assertEquals(null, run());
    }

    private Path run(String... more) {
        doctor(more);
        return node.askedFor;
    }

    private static CachedAttachment entry(String network, String id, String ifName, List<String> hostIfaces) {
        String ifaces = hostIfaces.stream().map(n -> "{\"name\":\"" + n + "\"}").collect(Collectors.joining(","));
        JsonObject result = Json.parseObject("{\"cniVersion\":\"1.1.0\",\"interfaces\":[" + ifaces + "]}");
        return new CachedAttachment(
                network,
                id,
                ifName,
                "/run/netns/x",
                List.of(),
                Map.of(),
                "{}".getBytes(StandardCharsets.UTF_8),
                result,
                false);
    }
}
