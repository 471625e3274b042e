package dev.cni4j.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.e2e.cri.Cri;
import dev.cni4j.testing.TestNetworks;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * containerd 1.6's CRI plugin on our plugins, driven over CRI {@code runtime.v1} gRPC as kubelet
 * drives it ({@link ContainerdNode}, {@link CriRuntime}): RunPodSandbox with a hostPort and the
 * bandwidth annotations, PodSandboxStatus, StopPodSandbox, RemovePodSandbox. Twice: the
 * launchers run the plugins standalone, then a cni4j-daemon in containerd's namespaces serves
 * them on its default socket.
 */
class ContainerdCriExecTest {
    private static final Pattern PID = Pattern.compile("\"pid\":\\s*(\\d+)");

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"standalone", "fast path"})
    void kubeletsSandboxCallsRunOnOurPlugins(String mode) throws Exception {
        ContainerdNode.assumeAvailable();
        try (TestNetworks net = TestNetworks.create();
                ContainerdNode node = ContainerdNode.start(net, tmp.resolve("containerd"), mode.equals("fast path"))) {
            CriRuntime cri = node.cri();
            String id = cri.runPodSandbox("web", List.of(new CriRuntime.HostPort(8080, 80)),
                    Map.of("kubernetes.io/ingress-bandwidth", "10M", "kubernetes.io/egress-bandwidth", "10M"));
            Cri.PodSandboxStatusResponse status = cri.status(id);
            assertEquals(Cri.PodSandboxState.SANDBOX_READY, status.getStatus().getState());
            String ip = status.getStatus().getNetwork().getIp();
            assertTrue(ip.startsWith("10.88.9."), "from the pod CIDR: " + ip);
            String podNetns = "/proc/" + sandboxPid(status) + "/ns/net";
            String addr = ContainerdNode.run("nsenter", "--net=" + podNetns, "ip", "-o", "-4", "addr", "show");
            assertTrue(addr.contains("eth0") && addr.contains("inet " + ip + "/24"), addr);
            assertTrue(addr.contains("lo") && addr.contains("inet 127.0.0.1/8"), addr);

            cri.stopPodSandbox(id);
            cri.removePodSandbox(id);
            System.out.println(node.served());
        }
    }

    private static long sandboxPid(Cri.PodSandboxStatusResponse status) {
        Matcher m = PID.matcher(status.getInfoOrDefault("info", ""));
        assertTrue(m.find(), "no pid in the verbose status: " + status.getInfoMap());
        return Long.parseLong(m.group(1));
    }
}
