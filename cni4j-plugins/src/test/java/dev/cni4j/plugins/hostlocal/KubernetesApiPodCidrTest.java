package dev.cni4j.plugins.hostlocal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * usePodCidr from the Node object when the node agent's file does not exist, against fabric8's
 * Kubernetes API stand-in in CRUD mode on 127.0.0.1 (plain HTTP; TLS is in
 * {@link KubernetesApiTlsTest}). The plugin runs in-process through PluginMain.
 */
class KubernetesApiPodCidrTest {
    private static final String TOKEN = "eyJhbGciOiJSUzI1NiJ9.calico-cni";
    private static KubernetesMockServer server;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startApi() {
        server = KubeApi.startApiServer();
        try (KubernetesClient client = server.createClient()) {
            KubeApi.node(client, "127.0.0.1", "10.244.1.0/24", List.of("10.244.1.0/24")); // the docs example's nodename
            KubeApi.node(client, "dual", "10.244.2.0/24", List.of("10.244.2.0/24", "fd00:10:244:2::/64"));
            KubeApi.node(client, "legacy", "10.244.3.0/24", null);
            KubeApi.node(client, "fresh", null, null);
        }
    }

    @AfterAll
    static void stopApi() {
        server.destroy();
    }

    private Path kubeconfig(String userYaml) {
        return KubeApi.kubeconfig(tmp.resolve("kube"), "server: " + server.url("/"), userYaml);
    }

    private String conf(String nodename, Path kubeconfig, String ipamBody) {
        return KubeApi.calicoConfig("0.4.0", tmp, nodename, kubeconfig, ipamBody);
    }

    private static List<String> addresses(Cni.Outcome o) {
        assertTrue(o.ok(), o.stdout());
        return o.json().objects("ips").stream().map(j -> j.string("address")).toList();
    }

    private static Cni.Outcome run(String command, String conf, Map<String, String> env) {
        return Cni.run(new HostLocal(), command, conf, "c1", "eth0", env);
    }

    private static RecordedRequest lastRequest() {
        try {
            return server.getLastRequest();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theDocsExampleTakesTheNodesPodCidrWithTheBearerToken() {
        Path kc = kubeconfig("token: " + TOKEN);
        Cni.Outcome o = run("ADD", conf("127.0.0.1", kc, "\"subnet\": \"usePodCidr\""), Map.of());
        assertEquals(List.of("10.244.1.2/24"), addresses(o));
        assertEquals("/api/v1/nodes/127.0.0.1", lastRequest().getPath());
        assertEquals("Bearer " + TOKEN, lastRequest().getHeader("Authorization"));
        assertTrue(Files.exists(tmp.resolve("data/k8s-pod-network/10.244.1.2")));
    }

    @Test
    void dualStackTakesPodCidrsInTheNodesOrder() {
        Path kc = kubeconfig("token: " + TOKEN);
        Cni.Outcome o = run("ADD", conf("dual", kc, "\"ranges\": [[{\"subnet\": \"usePodCidr\"}]]"), Map.of());
        assertEquals(List.of("10.244.2.2/24", "fd00:10:244:2::2/64"), addresses(o));
        // Calico's operator form: one marker per family
        Cni.Outcome calico = Cni.run(
                new HostLocal(),
                "ADD",
                conf("dual", kc, "\"ranges\": [[{\"subnet\": \"usePodCidr\"}], [{\"subnet\": \"usePodCidrIPv6\"}]]"),
                "c2",
                "eth0",
                Map.of());
        assertEquals(List.of("10.244.2.3/24", "fd00:10:244:2::3/64"), addresses(calico));
    }

    @Test
    void aNodeWithOnlyTheOldPodCidrField() {
        Cni.Outcome o =
                run("ADD", conf("legacy", kubeconfig("token: " + TOKEN), "\"subnet\": \"usePodCidr\""), Map.of());
        assertEquals(List.of("10.244.3.2/24"), addresses(o));
    }

    @Test
    void aNodeWithoutPodCidrYetIsTryAgainLaterAndCreatesNothing() {
        String c = conf("fresh", kubeconfig("token: " + TOKEN), "\"subnet\": \"usePodCidr\"");
        Cni.Outcome o = run("ADD", c, Map.of());
        assertEquals(11, o.code());
        assertEquals("usePodCidr: node fresh has no podCIDR yet", o.msg());
        assertFalse(Files.exists(tmp.resolve("data")));
        String v11 = KubeApi.calicoConfig(
                "1.1.0", tmp, "fresh", kubeconfig("token: " + TOKEN), "\"subnet\": \"usePodCidr\"");
        assertEquals(50, run("STATUS", v11, Map.of()).code(), "STATUS: the plugin cannot serve ADDs yet");
    }

    @Test
    void aNodeNotRegisteredYetIsTryAgainLaterAndCreatesNothing() {
        Cni.Outcome o =
                run("ADD", conf("nosuchnode", kubeconfig("token: " + TOKEN), "\"subnet\": \"usePodCidr\""), Map.of());
        assertEquals(11, o.code());
        assertEquals("usePodCidr: node nosuchnode is not registered with the Kubernetes API (yet)", o.msg());
        assertEquals("/api/v1/nodes/nosuchnode", lastRequest().getPath());
        assertFalse(Files.exists(tmp.resolve("data")));
    }

    @Test
    void tokenFileIsReadRelativeToTheKubeconfig() {
        KubeApi.write(tmp.resolve("kube/token"), TOKEN + "\n");
        Cni.Outcome o =
                run("ADD", conf("dual", kubeconfig("tokenFile: token"), "\"subnet\": \"usePodCidr\""), Map.of());
        assertTrue(o.ok(), o.stdout());
        assertEquals("Bearer " + TOKEN, lastRequest().getHeader("Authorization"));
    }

    @Test
    void withoutNodenameTheNodeComesFromTheEnvironment() {
        Path kc = kubeconfig("token: " + TOKEN);
        String c = conf(null, kc, "\"subnet\": \"usePodCidr\"");
        assertEquals(
                List.of("10.244.3.2/24"),
                addresses(run("ADD", c, Map.of("K8S_NODE_NAME", "legacy", "NODE_NAME", "dual"))));
        assertEquals("/api/v1/nodes/legacy", lastRequest().getPath());
        assertTrue(Cni.run(new HostLocal(), "ADD", c, "c2", "eth0", Map.of("NODE_NAME", "legacy"))
                .ok());
        assertEquals("/api/v1/nodes/legacy", lastRequest().getPath());
    }

    @Test
    void nodenameInTheConfigWinsOverTheEnvironment() {
        Cni.Outcome o = run(
                "ADD",
                conf("legacy", kubeconfig("token: " + TOKEN), "\"subnet\": \"usePodCidr\""),
                Map.of("K8S_NODE_NAME", "dual", "NODE_NAME", "dual"));
        assertEquals(List.of("10.244.3.2/24"), addresses(o));
        assertEquals("/api/v1/nodes/legacy", lastRequest().getPath());
    }

    @Test
    void aKubernetesKeyThatIsNotAnObjectIsABadConfig() {
        String c = KubeApi.calicoConfig("0.4.0", tmp, "dual", null, "\"subnet\": \"usePodCidr\"")
                .replace("\"policy\"", "\"kubernetes\": \"/etc/cni/net.d/calico-kubeconfig\", \"policy\"");
        assertEquals(7, run("ADD", c, Map.of()).code());
        assertFalse(Files.exists(tmp.resolve("data")));
    }

    @Test
    void theNodeAgentsFileWinsWhenPresent() {
        KubeApi.write(tmp.resolve("podcidr"), "10.99.0.0/24\n");
        int before = server.getRequestCount();
        Cni.Outcome o = run("ADD", conf("dual", kubeconfig("token: " + TOKEN), "\"subnet\": \"usePodCidr\""), Map.of());
        assertEquals(List.of("10.99.0.2/24"), addresses(o));
        assertEquals(before, server.getRequestCount(), "the API was not asked");
    }

    @Test
    void delNeedsNeitherTheApiNorTheFile() {
        Cni.Outcome add =
                run("ADD", conf("legacy", kubeconfig("token: " + TOKEN), "\"subnet\": \"usePodCidr\""), Map.of());
        assertTrue(add.ok(), add.stdout());
        int before = server.getRequestCount();
        // the kubeconfig now names an API that is gone, and there is no node file
        String gone = conf(
                "legacy",
                KubeApi.kubeconfig(tmp.resolve("gone"), "server: http://127.0.0.1:1", ""),
                "\"subnet\": \"usePodCidr\"");
        assertTrue(run("DEL", gone, Map.of()).ok());
        assertTrue(run("DEL", gone, Map.of()).ok(), "DEL is idempotent");
        assertEquals(List.of(".", "last_reserved_ip.0", "lock"), StoreFiles.names(tmp.resolve("data/k8s-pod-network")));
        assertTrue(
                run("DEL", conf("legacy", null, "\"subnet\": \"usePodCidr\""), Map.of())
                        .ok(),
                "nor a kubeconfig");
        assertEquals(before, server.getRequestCount());
    }

    @Test
    void kubeconfigProblemsAreBadConfigAndCreateNothing() {
        String ipam = "\"subnet\": \"usePodCidr\"";
        Cni.Outcome missing = run("ADD", conf("dual", tmp.resolve("kube/nothing-here"), ipam), Map.of());
        assertEquals(7, missing.code());
        assertEquals(
                "usePodCidr: the kubeconfig " + tmp.resolve("kube/nothing-here") + " does not exist", missing.msg());

        Path malformed = KubeApi.write(tmp.resolve("kube/malformed"), "clusters: [ {name: x\n");
        Cni.Outcome bad = run("ADD", conf("dual", malformed, ipam), Map.of());
        assertEquals(7, bad.code());
        assertTrue(bad.msg().startsWith("usePodCidr: the kubeconfig " + malformed + " is not valid YAML"), bad.msg());

        Path noServer = KubeApi.kubeconfig(tmp.resolve("kube2"), "insecure-skip-tls-verify: true", "token: x");
        assertEquals(7, run("ADD", conf("dual", noServer, ipam), Map.of()).code());

        Path noContext = KubeApi.write(tmp.resolve("kube/two-contexts"), """
                clusters:
                - {name: a, cluster: {server: "%1$s"}}
                contexts:
                - {name: a, context: {cluster: a}}
                - {name: b, context: {cluster: a}}
                """.formatted(server.url("/")));
        Cni.Outcome ambiguous = run("ADD", conf("dual", noContext, ipam), Map.of());
        assertEquals(7, ambiguous.code());
        assertEquals("usePodCidr: the kubeconfig " + noContext + " has no current-context", ambiguous.msg());

        Path noTokenFile = kubeconfig("tokenFile: /nonexistent/token");
        assertEquals(7, run("ADD", conf("dual", noTokenFile, ipam), Map.of()).code());
        assertFalse(Files.exists(tmp.resolve("data")));
    }

    @Test
    void aMinimalKubeconfigWithOneContextAndNoUser() {
        Path minimal = KubeApi.write(tmp.resolve("kube/minimal.json"), """
                {"clusters": [{"name": "a", "cluster": {"server": "%s"}}],
                 "contexts": [{"name": "a", "context": {"cluster": "a"}}]}
                """.formatted(server.url("/")));
        Cni.Outcome o = run("ADD", conf("dual", minimal, "\"subnet\": \"usePodCidr\""), Map.of());
        assertEquals(List.of("10.244.2.2/24", "fd00:10:244:2::2/64"), addresses(o));
        assertEquals(null, lastRequest().getHeader("Authorization"));
    }

    @Test
    void anUnreachableApiIsTryAgainLater() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        Path kc = KubeApi.kubeconfig(tmp.resolve("kube"), "server: http://127.0.0.1:" + port, "token: x");
        Cni.Outcome o = run("ADD", conf("dual", kc, "\"subnet\": \"usePodCidr\""), Map.of());
        assertEquals(11, o.code());
        assertTrue(
                o.msg().startsWith("usePodCidr: cannot reach the Kubernetes API at http://127.0.0.1:" + port), o.msg());
        assertFalse(Files.exists(tmp.resolve("data")));
    }
}
