package dev.cni4j.plugins.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.json.JsonObject;
import dev.cni4j.plugins.OwnPluginDir;
import dev.cni4j.plugins.PluginInvocation;
import dev.cni4j.testing.TestNetworks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What kube-proxy (iptables mode) needs from the bridge plugin: a DNAT from a service IP to a pod
 * on the same bridge works (bridge-nf-call-iptables), and with hairpinMode a pod reaches itself
 * through its service. The rules are kube-proxy-style, in the node namespace only.
 */
class ServiceDnatPrivilegedTest {
    @TempDir
    Path tmp;

    TestNetworks net;
    Process server;

    @BeforeEach
    void setUp() {
        TestNetworks.assumePrivileged();
        net = TestNetworks.create();
    }

    @AfterEach
    void tearDown() throws InterruptedException {
        if (server != null) {
            server.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        }
        if (net != null) {
            net.close();
        }
    }

    @Test
    void serviceDnatReachesAnotherPodAndHairpinsBackToItself() throws IOException {
        Path bin = OwnPluginDir.create(Files.createDirectories(tmp.resolve("bin")), "host-local");
        String conf = "{\"cniVersion\":\"1.0.0\",\"name\":\"svcnet\",\"type\":\"bridge\",\"isGateway\":true,"
                + "\"isDefaultGateway\":true,\"hairpinMode\":true,\"ipam\":{\"type\":\"host-local\",\"dataDir\":\""
                + tmp.resolve("ipam") + "\",\"ranges\":[[{\"subnet\":\"10.244.7.0/24\"}]]}}";
        // A node where the sysctl starts off: the bridge plugin must turn bridged traffic to iptables on.
        net.execInNode("sh", "-c", "echo 0 > /proc/sys/net/bridge/bridge-nf-call-iptables");
        Path client = net.newPod();
        Path backend = net.newPod();
        net.runInNode(() -> new PluginInvocation("bridge", "ADD", "client", client.toString(), "eth0")
                        .env("CNI_PATH", bin.toString())
                        .run(conf))
                .assertSuccess();
        JsonObject r = net.runInNode(() -> new PluginInvocation("bridge", "ADD", "backend", backend.toString(), "eth0")
                        .env("CNI_PATH", bin.toString())
                        .run(conf))
                .assertSuccess()
                .json();
        String backendIp = r.objects("ips").get(0).string("address").split("/")[0];

        server = net.runIn(
                backend,
                () -> new ProcessBuilder("busybox", "nc", "-ll", "-p", "8080", "-e", "/bin/echo", "hello-from-backend")
                        .redirectErrorStream(true)
                        .start());
        // kube-proxy-style: DNAT the service VIP to the backend pod, masquerade hairpin traffic.
        net.execInNode(
                "iptables",
                "-t",
                "nat",
                "-A",
                "PREROUTING",
                "-d",
                "10.96.0.10/32",
                "-p",
                "tcp",
                "--dport",
                "80",
                "-j",
                "DNAT",
                "--to-destination",
                backendIp + ":8080");
        net.execInNode(
                "iptables",
                "-t",
                "nat",
                "-A",
                "POSTROUTING",
                "-s",
                backendIp + "/32",
                "-d",
                backendIp + "/32",
                "-j",
                "MASQUERADE");

        assertEquals("hello-from-backend", fetch(client), "pod -> service -> other pod");
        assertEquals("hello-from-backend", fetch(backend), "pod -> service -> same pod (hairpin)");
        assertTrue(net.execInNode("iptables", "-t", "nat", "-L", "PREROUTING", "-v", "-n")
                .contains("10.96.0.10"));
    }

    private String fetch(Path from) {
        for (int attempt = 0; ; attempt++) {
            try {
                return net.exec(from, "busybox", "nc", "-w", "2", "10.96.0.10", "80")
                        .trim();
            } catch (IllegalStateException e) {
                if (attempt >= 5) {
                    throw e; // the server may still be starting
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }
}
