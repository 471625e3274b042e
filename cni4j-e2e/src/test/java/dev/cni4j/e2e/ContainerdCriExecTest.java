package dev.cni4j.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.e2e.cri.Cri;
import dev.cni4j.json.Json;
import dev.cni4j.testing.TestNetworks;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * containerd 1.6's CRI plugin on our plugins, driven over CRI {@code runtime.v1} gRPC as kubelet
 * drives it ({@link ContainerdNode}, {@link CriRuntime}): RunPodSandbox with a hostPort and the
 * bandwidth annotations, PodSandboxStatus, StopPodSandbox, RemovePodSandbox. Each test runs
 * twice: the launchers run the plugins standalone, then a cni4j-daemon in containerd's
 * namespaces serves every call on its default socket (and containerd's
 * {@code CNI4J_FALLBACK=never} makes a call it did not serve fail); its log counts them.
 */
class ContainerdCriExecTest {
    private static final Pattern PID = Pattern.compile("\"pid\":\\s*(\\d+)");
    private static final Map<String, String> TEN_MBIT =
            Map.of("kubernetes.io/ingress-bandwidth", "10M", "kubernetes.io/egress-bandwidth", "10M");
    private static final long RATE = 10_000_000;
    /**
     * Per pod: loopback (containerd's own network), bridge, portmap, bandwidth ADD; every DEL at stop and again at
     * remove.
     */
    private static final int CALLS_PER_POD = 4 + 8;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"standalone", "fast path"})
    void aPodGetsItsAddressHostPortAndBandwidthAndLeavesNothing(String mode) throws Exception {
        ContainerdNode.assumeAvailable();
        try (TestNetworks net = TestNetworks.create();
                ContainerdNode node = ContainerdNode.start(net, tmp.resolve("containerd"), mode.equals("fast path"))) {
            Path outside = outsideHost(net);
            CriRuntime cri = node.cri();
            Map<String, Cri.RuntimeCondition> conditions = cri.conditions(); // what makes kubelet's node Ready
            assertTrue(conditions.get("RuntimeReady").getStatus(), conditions.toString());
            assertTrue(conditions.get("NetworkReady").getStatus(), "containerd loaded our conflist: " + conditions);
            String id = cri.runPodSandbox("web", List.of(new CriRuntime.HostPort(8080, 80)), TEN_MBIT);

            Cri.PodSandboxStatus status = cri.status(id).getStatus();
            assertEquals(Cri.PodSandboxState.SANDBOX_READY, status.getState());
            assertEquals(TEN_MBIT, status.getAnnotationsMap());
            String ip = status.getNetwork().getIp();
            assertTrue(ip.startsWith("10.88.9."), "from the pod CIDR: " + ip);
            String podNetns = "/proc/" + sandboxPid(cri.status(id)) + "/ns/net";
            String addr = ContainerdNode.run("nsenter", "--net=" + podNetns, "ip", "-o", "-4", "addr", "show");
            assertTrue(addr.matches("(?s).*\\d+: eth0 +inet " + Pattern.quote(ip) + "/24 .*"), addr);
            assertTrue(addr.matches("(?s).*\\d+: lo +inet 127\\.0\\.0\\.1/8 .*"), addr);

            Path www = Files.createDirectories(tmp.resolve("www"));
            Files.writeString(www.resolve("index.html"), "hello from the sandbox\n");
            Process httpd = new ProcessBuilder(
                            "nsenter", "--net=" + podNetns, "busybox", "httpd", "-f", "-p", "80", "-h", www.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            try {
                awaitListening(podNetns, 80);
                assertEquals(
                        "hello from the sandbox\n",
                        wget(net, outside, "http://192.168.77.1:8080/"),
                        "hostPort from outside");
                assertEquals(
                        "hello from the sandbox\n",
                        wget(net, net.node(), "http://192.168.77.1:8080/"),
                        "hostPort from the node");
            } finally {
                httpd.destroy();
                httpd.waitFor(10, TimeUnit.SECONDS);
            }

            Matcher vethName = Pattern.compile("\\d+: (veth[0-9a-f]+)@")
                    .matcher(net.execInNode("ip", "-o", "link", "show", "type", "veth"));
            assertTrue(vethName.find(), "the pod's host veth");
            String veth = vethName.group(1);
            String ifbs = net.execInNode("ip", "-o", "link", "show", "type", "ifb");
            String ifb = ifbs.replaceAll("(?s)^\\d+: ([^:@]+)[:@].*", "$1");
            assertTrue(!ifbs.isBlank() && !ifb.contains(" "), "one ifb for the egress limit: " + ifbs);
            assertTrue(
                    net.execInNode("tc", "qdisc", "show", "dev", veth).matches("(?s).*qdisc tbf .* rate 10Mbit .*"),
                    "ingress tbf on " + veth);
            assertTrue(
                    net.execInNode("tc", "qdisc", "show", "dev", ifb).matches("(?s).*qdisc tbf .* rate 10Mbit .*"),
                    "egress tbf on " + ifb);
            double ingress = goodput(net, podNetns, ip, false);
            assertTrue(ingress >= 0.9 * RATE && ingress <= 1.1 * RATE, "ingress goodput " + ingress + " bit/s for 10M");
            double egress = goodput(net, podNetns, ip, true);
            assertTrue(egress >= 0.9 * RATE && egress <= 1.1 * RATE, "egress goodput " + egress + " bit/s for 10M");

            System.out.printf(
                    "containerd (%s): goodput into the pod %.2f Mbit/s, out of it %.2f Mbit/s (limits 10M)%n",
                    mode, ingress / 1e6, egress / 1e6);

            String whileRunning = leftovers(net, node); // what the check below must find gone
            for (String kind : new String[] {"links:", "rules:", "reservations:", "cache:", "netns:"}) {
                assertTrue(whileRunning.contains(kind), kind + " of a running pod not seen: " + whileRunning);
            }
            cri.stopPodSandbox(id);
            assertEquals(
                    Cri.PodSandboxState.SANDBOX_NOTREADY,
                    cri.status(id).getStatus().getState());
            cri.removePodSandbox(id);
            StatusRuntimeException gone = assertThrows(StatusRuntimeException.class, () -> cri.status(id));
            assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode());
            assertEquals("", leftovers(net, node));
            assertServed(node, mode, 1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"standalone", "fast path"})
    void twentyRunStopRemoveCyclesLeaveNothing(String mode) throws Exception {
        ContainerdNode.assumeAvailable();
        try (TestNetworks net = TestNetworks.create();
                ContainerdNode node = ContainerdNode.start(net, tmp.resolve("containerd"), mode.equals("fast path"))) {
            CriRuntime cri = node.cri();
            List<String> ips = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                String id = cri.runPodSandbox("cycle" + i, List.of(new CriRuntime.HostPort(8080, 80)), TEN_MBIT);
                Cri.PodSandboxStatus status = cri.status(id).getStatus();
                assertEquals(Cri.PodSandboxState.SANDBOX_READY, status.getState(), "cycle " + i);
                ips.add(status.getNetwork().getIp());
                cri.stopPodSandbox(id);
                cri.removePodSandbox(id);
            }
            assertTrue(ips.stream().allMatch(ip -> ip.startsWith("10.88.9.")), ips.toString());
            assertEquals("", leftovers(net, node));
            assertServed(node, mode, 20);
        }
    }

    /** The fast path served every call of {@code pods} pods (and declined none); standalone, nothing ran there. */
    private static void assertServed(ContainerdNode node, String mode, int pods) {
        if (!mode.equals("fast path")) {
            return;
        }
        List<String> served = node.served();
        String log = node.daemonLogText();
        assertEquals(CALLS_PER_POD * pods, served.size(), log);
        assertTrue(served.stream().allMatch(l -> l.contains("exit=0")), log);
        for (String plugin : new String[] {"loopback", "bridge", "portmap", "bandwidth"}) {
            assertEquals(
                    pods,
                    served.stream()
                            .filter(l -> l.contains("served " + plugin + " ADD "))
                            .count(),
                    plugin + " ADD\n" + log);
            assertEquals(
                    2L * pods,
                    served.stream()
                            .filter(l -> l.contains("served " + plugin + " DEL "))
                            .count(),
                    plugin + " DEL\n" + log);
        }
        assertTrue(!log.contains("declined"), log);
    }

    /**
     * What a removed pod may have left: a veth or ifb on the node, hostPort or masquerade rules,
     * a host-local reservation or a libcni cache entry in containerd's /var/lib/cni, a netns bind
     * mount in its /run/netns. Empty when nothing.
     */
    private static String leftovers(TestNetworks net, ContainerdNode node) throws Exception {
        List<String> found = new ArrayList<>();
        String links = net.execInNode("ip", "-o", "link", "show");
        if (links.contains("veth") || links.contains("ifb")) {
            found.add("links: " + links);
        }
        String rules = net.execInNode("nft", "list", "ruleset") + net.execInNode("iptables-save");
        if (rules.contains("10.88.9.") || rules.contains("8080")) {
            found.add("rules: " + rules);
        }
        String reservations = node.inContainerdNamespaces(
                "sh", "-c", "ls /var/lib/cni/networks/" + ContainerdNode.NETWORK + " | grep '^[0-9]' || true");
        if (!reservations.isBlank()) {
            found.add("reservations: " + reservations);
        }
        String cache = node.inContainerdNamespaces("sh", "-c", "ls -A /var/lib/cni/results 2>/dev/null || true");
        if (!cache.isBlank()) {
            found.add("cache: " + cache);
        }
        String netns = node.inContainerdNamespaces("sh", "-c", "ls -A /run/netns 2>/dev/null || true");
        if (!netns.isBlank()) {
            found.add("netns: " + netns);
        }
        return String.join("\n", found);
    }

    /** An "outside" host on an uplink of the node: 192.168.77.2, the node 192.168.77.1. */
    private static Path outsideHost(TestNetworks net) {
        Path outside = net.newPod();
        String uplink = "cni4jup" + (ProcessHandle.current().pid() % 100000);
        net.execInNode(
                "ip", "link", "add", uplink, "type", "veth", "peer", "name", "eth0", "netns", outside.toString());
        net.execInNode("ip", "addr", "add", "192.168.77.1/24", "dev", uplink);
        net.execInNode("ip", "link", "set", uplink, "up");
        net.exec(outside, "ip", "addr", "add", "192.168.77.2/24", "dev", "eth0");
        net.exec(outside, "ip", "link", "set", "eth0", "up");
        return outside;
    }

    /** GET {@code url} from namespace {@code from}, retried for up to 20 s while the server in the pod starts. */
    private static String wget(TestNetworks net, Path from, String url) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                return net.exec(from, "curl", "-sS", "--max-time", "10", url); // busybox wget -T segfaults (1.35)
            } catch (IllegalStateException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(200);
            }
        }
    }

    /**
     * iperf3's TCP goodput in bit/s between the node and the pod: into the pod (the ingress
     * limit) or, with {@code fromPod}, out of it (the egress limit); the first second (the tbf
     * burst) is omitted. Measured once more when out of range (a shared, noisy machine).
     */
    private static double goodput(TestNetworks net, String podNetns, String podIp, boolean fromPod) throws Exception {
        double bps = 0;
        for (int attempt = 1; attempt <= 2; attempt++) {
            Process server = new ProcessBuilder("nsenter", "--net=" + podNetns, "iperf3", "-s", "-1", "-p", "5201")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            try {
                awaitListening(podNetns, 5201);
                List<String> client = new ArrayList<>(List.of(
                        "iperf3", "-c", podIp, "-p", "5201", "-t", "4", "-O", "1", "-J", "--connect-timeout", "3000"));
                if (fromPod) {
                    client.add("-R");
                }
                String json;
                try {
                    json = net.execInNode(client.toArray(String[]::new));
                } catch (IllegalStateException e) {
                    if (attempt == 2) {
                        throw e;
                    }
                    continue; // the server was not listening yet, or the run broke off
                }
                bps = ((Number) Json.parseObject(json)
                                .object("end")
                                .object("sum_received")
                                .find("bits_per_second"))
                        .doubleValue();
                if (bps >= 0.9 * RATE && bps <= 1.1 * RATE) {
                    return bps;
                }
            } finally {
                server.destroy();
                server.waitFor(10, TimeUnit.SECONDS);
            }
        }
        return bps;
    }

    /** Waits (up to 20 s) until a TCP socket listens on {@code port} in the pod. */
    private static void awaitListening(String podNetns, int port) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (ContainerdNode.run("nsenter", "--net=" + podNetns, "ss", "-Hltn", "sport = :" + port)
                .isBlank()) {
            assertTrue(System.nanoTime() < deadline, "nothing listens on port " + port + " in the pod");
            Thread.sleep(50);
        }
    }

    private static long sandboxPid(Cri.PodSandboxStatusResponse status) {
        Matcher m = PID.matcher(status.getInfoOrDefault("info", ""));
        assertTrue(m.find(), "no pid in the verbose status: " + status.getInfoMap());
        return Long.parseLong(m.group(1));
    }
}
