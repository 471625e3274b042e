import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;

/**
 * Run by test-image.sh inside the unpacked image on its jlinked runtime (compiled outside it: the
 * image has no compiler): the parts of the agent's stack a --help call does not reach. Jackson
 * and the fabric8 model (a Node with the agent's annotations, both ways), and a client on the
 * JDK HTTP client with TLS set up; and the fast path: a daemon on a socket under /tmp serving
 * the dist's loopback launcher a VERSION call (jdk.net's SO_PEERCRED, FFM, the plugins). It
 * opens no network connection.
 */
public final class ImageProbe {
    public static void main(String[] args) throws Exception {
        KubernetesSerialization json = new KubernetesSerialization();
        Node node = json.unmarshal("""
                {"apiVersion":"v1","kind":"Node","metadata":{"name":"n1","creationTimestamp":"2026-01-01T00:00:00Z",
                 "annotations":{"cni4j.dev/vtep-mac":"02:00:00:00:00:01"}},
                 "spec":{"podCIDR":"10.244.1.0/24","podCIDRs":["10.244.1.0/24"]},
                 "status":{"addresses":[{"type":"InternalIP","address":"192.0.2.1"}]}}""", Node.class);
        if (!"10.244.1.0/24".equals(node.getSpec().getPodCIDR())) {
            throw new AssertionError(node);
        }
        String back = json.asJson(node);
        if (!back.contains("cni4j.dev/vtep-mac")) {
            throw new AssertionError(back);
        }
        try (KubernetesClient client = new KubernetesClientBuilder()
                .withConfig(new ConfigBuilder()
                        .withMasterUrl("https://192.0.2.1:6443")
                        .withOauthToken("t")
                        .withTrustCerts(false)
                        .withUserAgent("cni4j-agent")
                        .build())
                .build()) {
            if (!client.getMasterUrl().toString().startsWith("https://192.0.2.1")) {
                throw new AssertionError(client.getMasterUrl());
            }
        }
        javax.net.ssl.SSLContext.getDefault().createSSLEngine().getSupportedCipherSuites();
        String served = fastPathVersion();
        System.out.println("probe ok: " + node.getMetadata().getName() + " " + back.length()
                + " bytes of JSON, client built, fast path: " + served);
    }

    private static String fastPathVersion() throws Exception {
        java.nio.file.Path socket = java.nio.file.Path.of("/tmp/cni4j-probe/cni.sock");
        try (dev.cni4j.daemon.Daemon d = dev.cni4j.daemon.Daemon.start(dev.cni4j.daemon.Daemon.Options.of(socket))) {
            ProcessBuilder pb = new ProcessBuilder("/opt/cni4j/dist/bin/loopback");
            pb.environment().put("CNI_COMMAND", "VERSION");
            pb.environment().put("CNI4J_SOCKET", socket.toString());
            pb.environment().put("CNI4J_FALLBACK", "never"); // fail rather than run standalone
            Process p = pb.start();
            p.getOutputStream().write("{\"cniVersion\":\"1.1.0\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            String err = new String(p.getErrorStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (p.waitFor() != 0 || !out.contains("\"supportedVersions\"")) {
                throw new AssertionError("fast path VERSION: " + out + err);
            }
            return out;
        }
    }
}
