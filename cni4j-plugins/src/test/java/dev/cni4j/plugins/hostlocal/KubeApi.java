package dev.cni4j.plugins.hostlocal;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Test configs for usePodCidr from the Kubernetes API: kubeconfigs and the plugin config, and
 * fabric8's API stand-in holding Nodes.
 */
final class KubeApi {
    /** Held so that the level sticks: the stand-in logs every request at INFO. */
    private static final Logger MOCK_LOG = Logger.getLogger("io.fabric8.mockwebserver");

    private KubeApi() {}

    /** fabric8's Kubernetes API stand-in in CRUD mode on 127.0.0.1 (plain HTTP), started, quiet. */
    static KubernetesMockServer startApiServer() {
        MOCK_LOG.setLevel(Level.WARNING);
        KubernetesMockServer server = new KubernetesMockServer(
                new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        return server;
    }

    /** Creates the Node {@code name} with these spec.podCIDR and spec.podCIDRs (null: not set). */
    static void node(KubernetesClient client, String name, String podCidr, List<String> podCidrs) {
        client.nodes()
                .resource(new NodeBuilder()
                        .withNewMetadata()
                        .withName(name)
                        .endMetadata()
                        .withNewSpec()
                        .withPodCIDR(podCidr)
                        .withPodCIDRs(podCidrs)
                        .endSpec()
                        .build())
                .create();
    }

    /**
     * A kubeconfig with one cluster ({@code clusterYaml}: the lines under {@code cluster:}) and one
     * user ({@code userYaml}: the lines under {@code user:}), each line indented by 4 spaces.
     */
    static Path kubeconfig(Path dir, String clusterYaml, String userYaml) {
        return write(dir.resolve("calico-kubeconfig"), """
                # as Calico's install-cni writes it
                apiVersion: v1
                kind: Config
                clusters:
                - name: local
                  cluster:
                %s
                users:
                - name: calico
                  user:
                %s
                contexts:
                - name: calico-context
                  context:
                    cluster: local
                    user: calico
                current-context: calico-context
                """.formatted(
                clusterYaml.indent(4).stripTrailing(), userYaml.indent(4).stripTrailing()));
    }

    static Path write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            return Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The calico plugin config of the Kubernetes "Network Plugins" example conflist, with the
     * data dir and the node agent's file moved under {@code tmp}; {@code nodename} null leaves
     * the key out, and {@code kubeconfig} null the whole {@code kubernetes} object.
     */
    static String calicoConfig(String version, Path tmp, String nodename, Path kubeconfig, String ipamBody) {
        return """
                {"cniVersion": "%s", "name": "k8s-pod-network", "type": "calico", "log_level": "info",
                 "datastore_type": "kubernetes", %s
                 "ipam": {"type": "host-local", "dataDir": "%s", "podCidrFile": "%s", %s},
                 "policy": {"type": "k8s"} %s}
                """.formatted(
                        version,
                        nodename == null ? "" : "\"nodename\": \"" + nodename + "\",",
                        tmp.resolve("data"),
                        tmp.resolve("podcidr"),
                        ipamBody,
                        kubeconfig == null ? "" : ", \"kubernetes\": {\"kubeconfig\": \"" + kubeconfig + "\"}");
    }
}
