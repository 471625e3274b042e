package dev.cni4j.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.cni4j.e2e.Exec.Outcome;
import dev.cni4j.json.JsonObject;
import dev.cni4j.testing.TestNetworks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The packaged bridge and host-local, executed as a runtime does, alone and mixed with the
 * reference plugins (Debian containernetworking-plugins in /usr/lib/cni) in both directions:
 * every combination must pass the same checks.
 */
class BridgeInteropExecTest {
    static final Path REFERENCE = Path.of("/usr/lib/cni");

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "bridge from {0}, host-local from {1}")
    @CsvSource({"ours,ours", "ours,reference", "reference,ours"})
    void podsGetAddressesPingAndLeaveNothing(String bridgeFrom, String ipamFrom) throws IOException {
        TestNetworks.assumePrivileged();
        if (bridgeFrom.equals("reference") || ipamFrom.equals("reference")) {
            org.junit.jupiter.api.Assumptions.assumeTrue(
                    Files.isExecutable(REFERENCE.resolve("bridge")), "reference plugins not installed");
        }
        Path bridge = (bridgeFrom.equals("ours") ? Exec.DIST.resolve("bin") : REFERENCE).resolve("bridge");
        String cniPath = (ipamFrom.equals("ours") ? Exec.DIST.resolve("bin") : REFERENCE).toString();
        Path data = tmp.resolve("ipam");
        String conf =
                "{\"cniVersion\":\"1.0.0\",\"name\":\"interop\",\"type\":\"bridge\",\"bridge\":\"cni0\",\"isGateway\":true,"
                        + "\"isDefaultGateway\":true,\"ipMasq\":true,\"hairpinMode\":true,\"ipam\":{\"type\":\"host-local\",\"dataDir\":\""
                        + data
                        + "\",\"ranges\":[[{\"subnet\":\"10.244.3.0/24\"}],[{\"subnet\":\"fd00:10:244:3::/64\"}]]}}";
        try (TestNetworks net = TestNetworks.create()) {
            Path a = net.newPod();
            Path b = net.newPod();
            JsonObject ra = add(net, bridge, cniPath, "pod-a", a, conf);
            JsonObject rb = add(net, bridge, cniPath, "pod-b", b, conf);
            assertEquals(3, ra.objects("interfaces").size());
            assertEquals(2, ra.objects("ips").size());
            String ipB = rb.objects("ips").get(0).string("address").split("/")[0];
            String ip6B = rb.objects("ips").get(1).string("address").split("/")[0];
            net.exec(a, "busybox", "ping", "-c", "1", "-W", "2", "10.244.3.1");
            net.exec(a, "busybox", "ping", "-c", "1", "-W", "2", ipB);
            net.exec(a, "busybox", "ping6", "-c", "1", "-W", "2", ip6B);
            assertEquals(4, reservations(data.resolve("interop")), "one IPv4 and one IPv6 per pod");

            Outcome check = run(net, bridge, cniPath, "CHECK", "pod-a", a, withPrev(conf, ra));
            assertEquals(0, check.exit(), check.stdout() + check.stderr());
            for (String id : new String[] {"pod-a", "pod-b"}) {
                JsonObject prev = id.equals("pod-a") ? ra : rb;
                Path ns = id.equals("pod-a") ? a : b;
                for (int i = 0; i < 2; i++) {
                    Outcome del = run(net, bridge, cniPath, "DEL", id, ns, withPrev(conf, prev));
                    assertEquals(0, del.exit(), del.stdout() + del.stderr());
                }
            }
            assertEquals(0, reservations(data.resolve("interop")));
            assertFalse(net.execInNode("ip", "-o", "link").contains("veth"), "no veth left");
            String nat = net.execInNode("iptables-save", "-t", "nat") + net.execInNode("nft", "list", "ruleset");
            assertFalse(nat.contains("10.244.3.2") || nat.contains("10.244.3.3"), "no masquerade rule left: " + nat);
        }
    }

    private static JsonObject add(TestNetworks net, Path bridge, String cniPath, String id, Path ns, String conf) {
        Outcome o = run(net, bridge, cniPath, "ADD", id, ns, conf);
        assertEquals(0, o.exit(), o.stdout() + o.stderr());
        return o.json();
    }

    private static Outcome run(
            TestNetworks net, Path bridge, String cniPath, String cmd, String id, Path ns, String conf) {
        Map<String, String> env = Exec.env(cmd, id, ns.toString(), "eth0");
        env.put("CNI_PATH", cniPath);
        return net.runInNode(() -> Exec.runFile(bridge, env, conf));
    }

    static String withPrev(String conf, JsonObject result) {
        return conf.substring(0, conf.length() - 1) + ",\"prevResult\":" + result + "}";
    }

    static long reservations(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString())
                    .filter(n -> !n.equals("lock") && !n.startsWith("last_reserved_ip"))
                    .count();
        }
    }
}
