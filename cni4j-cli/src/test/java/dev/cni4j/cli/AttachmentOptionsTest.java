package dev.cni4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.runtime.RuntimeConf;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AttachmentOptionsTest {
    private static final Path NS = Path.of("/run/netns/pod1");

    private static RuntimeConf conf(Map<String, String> env, String... argv) {
        return AttachmentOptions.runtimeConf(Args.parse(List.of(argv), AttachmentOptions.DECLARED), NS, env, true);
    }

    private static RuntimeConf conf(String... argv) {
        return conf(Map.of(), argv);
    }

    @Test
    void defaultsLikeCnitool() {
        RuntimeConf rt = conf();
        assertEquals("eth0", rt.ifName());
        assertEquals(NS.toString(), rt.netns());
        assertTrue(rt.containerId().matches("cni4j-[0-9a-f]{20}"), rt.containerId());
        assertEquals(rt.containerId(), conf().containerId(), "stable for the same netns");
        assertNotEquals(rt.containerId(), AttachmentOptions.defaultContainerId(Path.of("/run/netns/pod2")));
        assertEquals(List.of(), rt.cniArgs());
        // containerd always sends the pod annotations, even none
        assertEquals(Map.of(AttachmentOptions.POD_ANNOTATIONS, Map.of()), rt.capabilityArgs());
    }

    @Test
    void delAndCheckSendNoAnnotationsUnlessGiven() {
        Args none = Args.parse(List.of(), AttachmentOptions.DECLARED);
        assertEquals(
                Map.of(),
                AttachmentOptions.runtimeConf(none, NS, Map.of(), false).capabilityArgs());
        Args some = Args.parse(List.of("--annotation", "a=b"), AttachmentOptions.DECLARED);
        assertEquals(
                Map.of(AttachmentOptions.POD_ANNOTATIONS, Map.of("a", "b")),
                AttachmentOptions.runtimeConf(some, NS, Map.of(), false).capabilityArgs());
    }

    @Test
    void explicitContainerIdAndIfname() {
        RuntimeConf rt = conf("--container-id", "abc123", "--ifname", "net1");
        assertEquals("abc123", rt.containerId());
        assertEquals("net1", rt.ifName());
    }

    @Test
    void invalidContainerIdOrIfnameAreUsageErrors() {
        assertUsage("invalid --container-id \"-x\"", "--container-id", "-x");
        assertUsage("invalid --container-id \"a/b\"", "--container-id", "a/b");
        assertUsage(
                "invalid --ifname \"averyveryverylongname\": longer than 15 bytes",
                "--ifname",
                "averyveryverylongname");
        assertUsage("invalid --ifname \"a:b\"", "--ifname", "a:b");
    }

    @Test
    void cniArgsFromOptionOrEnvironment() {
        assertEquals(
                List.of(new RuntimeConf.Arg("IgnoreUnknown", "1"), new RuntimeConf.Arg("K8S_POD_NAME", "web")),
                conf("--args", "IgnoreUnknown=1;K8S_POD_NAME=web").cniArgs());
        assertEquals("A=1", conf(Map.of("CNI_ARGS", "A=1")).cniArgsString());
        assertEquals("B=2", conf(Map.of("CNI_ARGS", "A=1"), "--args", "B=2").cniArgsString());
        assertUsage("invalid --args pair \"FOO=a=b\"", "--args", "FOO=a=b");
        assertUsage("invalid --args pair \"novalue\"", "--args", "A=1;novalue");
        assertUsage("invalid --args pair \"=x\"", "--args", "=x");
    }

    @Test
    void publishBecomesPortMappings() {
        Map<String, Object> caps =
                conf("-p", "8080:80", "--publish", "127.0.0.1:53:53/udp").capabilityArgs();
        assertEquals(
                List.of(
                        Map.of("hostPort", 8080L, "containerPort", 80L, "protocol", "tcp"),
                        Map.of("hostPort", 53L, "containerPort", 53L, "protocol", "udp", "hostIP", "127.0.0.1")),
                caps.get("portMappings"));
    }

    @Test
    void bandwidthAnnotationsBecomeTheBandwidthCapabilityAndAllGoToPodAnnotations() {
        Map<String, Object> caps = conf(
                        "--annotation",
                        "kubernetes.io/ingress-bandwidth=10M",
                        "--annotation",
                        "kubernetes.io/egress-bandwidth=1Mi",
                        "--annotation",
                        "team=blue=green")
                .capabilityArgs();
        assertEquals(
                Map.of(
                        "ingressRate",
                        10_000_000L,
                        "ingressBurst",
                        4294967295L,
                        "egressRate",
                        1_048_576L,
                        "egressBurst",
                        4294967295L),
                caps.get("bandwidth"));
        assertEquals(
                Map.of(
                        "kubernetes.io/ingress-bandwidth",
                        "10M",
                        "kubernetes.io/egress-bandwidth",
                        "1Mi",
                        "team",
                        "blue=green"),
                caps.get(AttachmentOptions.POD_ANNOTATIONS));
        assertTrue(!conf("--annotation", "team=x").capabilityArgs().containsKey("bandwidth"));
    }

    @Test
    void annotationsKubernetesWouldRejectAreUsageErrors() {
        assertUsage(
                "invalid annotation kubernetes.io/ingress-bandwidth=10: resource is unreasonably small (< 1kbit)",
                "--annotation",
                "kubernetes.io/ingress-bandwidth=10");
        assertUsage("unreasonably large (> 1Pbit)", "--annotation", "kubernetes.io/egress-bandwidth=2P");
        assertUsage("kubernetes.io/egress-bandwidth=10mbit", "--annotation", "kubernetes.io/egress-bandwidth=10mbit");
        assertUsage("invalid --annotation \"novalue\": expected KEY=VALUE", "--annotation", "novalue");
    }

    @Test
    void runtimeConfigAddsAndOverridesCapabilities() {
        Map<String, Object> caps = conf(
                        "-p", "80:80", "--runtime-config", "{\"mac\":\"c2:11:22:33:44:55\",\"portMappings\":[]}")
                .capabilityArgs();
        assertEquals("c2:11:22:33:44:55", caps.get("mac"));
        assertEquals(List.of(), caps.get("portMappings"));
        assertUsage("invalid --runtime-config: not a JSON object", "--runtime-config", "[1]");
        assertUsage("invalid --runtime-config", "--runtime-config", "{nope");
    }

    private static void assertUsage(String containing, String... argv) {
        CliException e = assertThrows(CliException.class, () -> conf(argv));
        assertEquals(CliException.USAGE, e.exitStatus());
        assertTrue(e.getMessage().contains(containing), e.getMessage());
    }
}
