package dev.cni4j.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.json.JsonObject;
import dev.cni4j.runtime.CniRuntime;
import dev.cni4j.runtime.NetworkConfigList;
import dev.cni4j.runtime.NetworkConfigParser;
import dev.cni4j.runtime.ProcessPluginExec;
import dev.cni4j.runtime.ResultCache;
import dev.cni4j.runtime.RuntimeConf;
import dev.cni4j.testing.TestNetworks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The interop matrix: our runtime library drives the whole chain (bridge/host-local -> portmap ->
 * bandwidth) with plugins taken from ours or the reference set (Debian containernetworking-plugins)
 * per position, mixed in both directions. Every combination must give a pod that answers on its
 * hostPort, has its shaping qdiscs, passes CHECK (where the reference portmap 1.1.1 can: its CHECK
 * fails on IPv4-only pods), and leaves nothing behind after DEL.
 */
class ChainInteropExecTest {
    static final Path REFERENCE = Path.of("/usr/lib/cni");

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "main {0}, meta {1}")
    @CsvSource({"ours,ours", "ours,reference", "reference,ours", "reference,reference"})
    void mixedChainsPassTheSameChecks(String main, String meta) throws Exception {
        TestNetworks.assumePrivileged();
        Assumptions.assumeTrue(Files.isExecutable(REFERENCE.resolve("portmap")), "reference plugins not installed");
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path ours = Exec.DIST.resolve("bin");
        for (String type : List.of("bridge", "host-local")) {
            Files.createSymbolicLink(bin.resolve(type), (main.equals("ours") ? ours : REFERENCE).resolve(type));
        }
        for (String type : List.of("portmap", "bandwidth")) {
            Files.createSymbolicLink(bin.resolve(type), (meta.equals("ours") ? ours : REFERENCE).resolve(type));
        }
        String conflist = """
                {"cniVersion":"1.0.0","name":"matrix","plugins":[
                 {"type":"bridge","bridge":"cni0","isGateway":true,"isDefaultGateway":true,"ipMasq":true,\
                "hairpinMode":true,
                  "ipam":{"type":"host-local","dataDir":"%s","ranges":[[{"subnet":"10.244.9.0/24"}]]}},
                 {"type":"portmap","capabilities":{"portMappings":true}},
                 {"type":"bandwidth","capabilities":{"bandwidth":true}}]}""".formatted(tmp.resolve("ipam"));
        NetworkConfigList list = NetworkConfigParser.parseList(conflist.getBytes(StandardCharsets.UTF_8));
        CniRuntime runtime = new CniRuntime(
                List.of(bin),
                new ProcessPluginExec(Duration.ofMinutes(1), ProcessPluginExec.SYSTEM_ERR),
                new ResultCache(tmp.resolve("cache")));
        Map<String, Object> caps = new LinkedHashMap<>();
        caps.put("portMappings", List.of(Map.of("hostPort", 18080, "containerPort", 80, "protocol", "tcp")));
        caps.put(
                "bandwidth",
                Map.of(
                        "ingressRate",
                        10_000_000,
                        "ingressBurst",
                        4_294_967_295L,
                        "egressRate",
                        10_000_000,
                        "egressBurst",
                        4_294_967_295L));
        try (TestNetworks net = TestNetworks.create()) {
            Path pod = net.newPod();
            RuntimeConf rt = new RuntimeConf("matrix-pod", pod.toString(), "eth0", List.of(), caps);
            JsonObject result = net.runInNode(() -> runtime.add(list, rt));
            String ip = result.objects("ips").get(0).string("address").split("/")[0];
            assertTrue(
                    result.objects("interfaces").stream()
                            .anyMatch(i -> i.string("name").startsWith("bwp")),
                    "the bandwidth ifb is in the result: " + result);

            Process server = net.runIn(
                    pod,
                    () -> new ProcessBuilder("busybox", "nc", "-ll", "-p", "80", "-e", "/bin/echo", "matrix-ok")
                            .redirectErrorStream(true)
                            .start());
            try {
                net.execInNode("ip", "addr", "add", "192.168.88.1/32", "dev", "lo");
                String answer = "";
                for (int i = 0; i < 10 && !answer.contains("matrix-ok"); i++) {
                    Thread.sleep(100);
                    try {
                        answer = net.execInNode("busybox", "nc", "-w", "2", "192.168.88.1", "18080");
                    } catch (IllegalStateException e) {
                        answer = e.getMessage();
                    }
                }
                assertTrue(answer.contains("matrix-ok"), "hostPort 18080 -> " + ip + ":80: " + answer);
            } finally {
                server.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
            String qdiscs = net.execInNode("tc", "qdisc", "show");
            assertTrue(qdiscs.contains("tbf"), qdiscs);
            if (meta.equals("ours")) {
                net.runInNode(() -> {
                    runtime.check(list, rt);
                    return null;
                });
            }
            net.runInNode(() -> {
                runtime.del(list, rt);
                return null;
            });
            assertFalse(net.execInNode("ip", "-o", "link").contains("veth"), "no veth left");
            assertFalse(net.execInNode("ip", "-o", "link").contains("bwp"), "no ifb left");
            String rules = net.execInNode("iptables-save") + net.execInNode("nft", "list", "ruleset");
            assertFalse(
                    rules.contains(ip + "/32")
                            || rules.contains("dport 18080")
                            || rules.contains("--dport 18080")
                            || rules.contains(ip + " . "),
                    "no rule of the pod left: " + rules);
            assertEquals(0, Files.list(tmp.resolve("cache/results")).count(), "no cache entry left");
        }
    }
}
