package dev.cni4j.agent;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.concurrent.CountDownLatch;

/**
 * The Kubernetes API stand-in of {@code scripts/demo.sh}: fabric8's mock API server in CRUD
 * mode (plain HTTP, no authentication) holding the given Nodes, as the controller manager would
 * have left them (a pod CIDR each) with their kubelet's InternalIP. The agents list, watch and
 * patch them as they would a real API server's. Prints its URL, then serves until SIGTERM.
 * <pre>
 *   DemoApiServer 192.168.50.254 6443 node1=10.244.1.0/24,192.168.50.1 node2=10.244.2.0/24,192.168.50.2
 * </pre>
 */
public final class DemoApiServer {
    private DemoApiServer() {}

    public static void main(String[] args) throws InterruptedException {
        if (args.length < 2) {
            System.err.println("usage: DemoApiServer ADDRESS PORT [NAME=POD-CIDR,INTERNAL-IP...]");
            System.exit(2);
        }
        KubernetesMockServer server = new KubernetesMockServer(
                new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.ofLiteral(args[0]), Integer.parseInt(args[1]));
        try (KubernetesClient client = server.createClient()) {
            for (int i = 2; i < args.length; i++) {
                String[] nameAndRest = args[i].split("=", 2), cidrAndIp = nameAndRest[1].split(",", 2);
                client.nodes()
                        .resource(MockCluster.node(nameAndRest[0], cidrAndIp[0], cidrAndIp[1]))
                        .create();
            }
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.destroy();
            stopped.countDown();
        }));
        System.out.println("http://" + args[0] + ":" + server.getPort());
        stopped.await();
    }
}
