package dev.cni4j.agent;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddressBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The fabric8 mock API server in CRUD mode (on 127.0.0.1 in the test JVM) holding Node objects. */
final class MockCluster implements AutoCloseable {
    final KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
            new KubernetesCrudDispatcher(), false);
    final KubernetesClient client;

    MockCluster() {
        server.init();
        client = server.createClient();
    }

    /** A Node with one pod CIDR (null for none) and an InternalIP. */
    static Node node(String name, String podCidr, String internalIp) {
        NodeBuilder b = new NodeBuilder().withNewMetadata().withName(name).endMetadata();
        if (podCidr != null) b.withNewSpec().withPodCIDR(podCidr).withPodCIDRs(podCidr).endSpec();
        if (internalIp != null) {
            b.withNewStatus().addNewAddress().withType("InternalIP").withAddress(internalIp).endAddress()
                    .addNewAddress().withType("Hostname").withAddress(name).endAddress().endStatus();
        }
        return b.build();
    }

    /** A dual-stack Node: an IPv4 and an IPv6 pod CIDR and InternalIP of each family (IPv6 ones may be null). */
    static Node dualStackNode(String name, String podCidr, String podCidrV6, String internalIp, String internalIpV6) {
        Node n = node(name, podCidr, internalIp);
        if (podCidrV6 != null) n.getSpec().setPodCIDRs(List.of(podCidr, podCidrV6));
        if (internalIpV6 != null) {
            n.getStatus().getAddresses().add(1, new NodeAddressBuilder().withType("InternalIP").withAddress(internalIpV6).build());
        }
        return n;
    }

    Node create(Node n) {
        return client.nodes().resource(n).create();
    }

    void delete(String name) {
        client.nodes().withName(name).delete();
    }

    /** Settings of an agent for node {@code n} of a {@link SimulatedCluster}, files under {@code dir}. */
    static Map<String, String> agentSettings(String backend, int n, Path nodeNs, Path dir) {
        Map<String, String> m = new HashMap<>();
        m.put("nodeName", "node" + n);
        m.put("backend", backend);
        m.put("netns", nodeNs.toString());
        m.put("confDir", dir.resolve("net.d").toString());
        m.put("binDir", dir.resolve("bin").toString());
        m.put("podCidrFile", dir.resolve("podcidr").toString());
        m.put("hostLocalDataDir", dir.resolve("networks").toString());
        m.put("clusterCidr", "10.244.0.0/16");
        m.put("healthAddress", "127.0.0.1:0");
        m.put("resyncSeconds", "5");
        m.put("firewall", "nftables");
        return m;
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }
}
