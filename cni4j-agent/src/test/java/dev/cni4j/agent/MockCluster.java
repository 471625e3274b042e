package dev.cni4j.agent;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeAddress;
import io.fabric8.kubernetes.api.model.NodeAddressBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.NodeStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.ByteString;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The fabric8 mock API server in CRUD mode (on 127.0.0.1 in the test JVM) holding Node objects,
 * with the failures a real server shows injected on demand ({@link Faults}): watches refused
 * with 403 (a restarted server before its RBAC cache has filled), a PATCH refused with 403,
 * 401 for everything (a bad token), open watches ended with a 410 Gone ERROR event, open
 * watches that stop sending (a dead connection).
 */
public final class MockCluster implements AutoCloseable {
    public final Faults faults = new Faults();
    public final KubernetesMockServer server =
            new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), faults, false);
    public final KubernetesClient client;

    public MockCluster() {
        this(InetAddress.getLoopbackAddress(), 0);
    }

    /** A mock API server listening on {@code address}:{@code port} (0: any free port). */
    public MockCluster(InetAddress address, int port) {
        server.init(address, port);
        client = server.createClient();
    }

    /** The CRUD dispatcher with failure injection; every fault is off until a test turns it on. */
    public static final class Faults extends KubernetesCrudDispatcher {
        private volatile long forbidWatchesUntil;
        private final AtomicInteger patchesToForbid = new AtomicInteger();
        private volatile boolean unauthorized;
        private volatile boolean silent;
        private final Set<WebSocket> openWatches = ConcurrentHashMap.newKeySet();

        /** Watch requests are refused with 403 for {@code d} (as by a server whose RBAC cache is still empty). */
        void forbidWatches(Duration d) {
            forbidWatchesUntil = System.nanoTime() + d.toNanos();
        }

        /** The next {@code n} PATCH requests are refused with 403. */
        void forbidPatches(int n) {
            patchesToForbid.set(n);
        }

        /** Every request is refused with 401 (a token the server does not accept). */
        void unauthorized(boolean on) {
            unauthorized = on;
        }

        /** Open watches (and new ones) deliver nothing while on, as over a dead connection. */
        void silence(boolean on) {
            silent = on;
        }

        /**
         * Ends every open watch the way a server does when its resource version is too old: an ERROR event with a 410
         * Status.
         */
        int endWatchesWithGone() {
            int n = 0;
            for (WebSocket ws : openWatches) {
                ws.send("{\"type\":\"ERROR\",\"object\":" + status(410, "Expired", "too old resource version") + "}");
                ws.close(1000, "");
                n++;
            }
            return n;
        }

        int openWatches() {
            return openWatches.size();
        }

        @Override
        public MockResponse dispatch(RecordedRequest r) {
            boolean watch = r.getPath().contains("watch=true");
            if (unauthorized) {
                return error(401, "Unauthorized", "Unauthorized");
            }
            if (watch && System.nanoTime() < forbidWatchesUntil) {
                return error(
                        403,
                        "Forbidden",
                        "nodes is forbidden: User \"system:serviceaccount:kube-system:cni4j-agent\" cannot watch resource \"nodes\"");
            }
            if (r.getMethod().equals("PATCH") && patchesToForbid.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                return error(
                        403,
                        "Forbidden",
                        "nodes \"x\" is forbidden: User \"system:serviceaccount:kube-system:cni4j-agent\" cannot patch resource \"nodes\"");
            }
            MockResponse response = super.dispatch(r);
            if (watch && response.getWebSocketListener() != null) {
                response.withWebSocketUpgrade(new Tap(response.getWebSocketListener()));
            }
            return response;
        }

        private static MockResponse error(int code, String reason, String message) {
            return new MockResponse()
                    .setResponseCode(code)
                    .setHeader("Content-Type", "application/json")
                    .setBody(status(code, reason, message));
        }

        private static String status(int code, String reason, String message) {
            return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\""
                    + message.replace("\"", "\\\"") + "\",\"reason\":\"" + reason + "\",\"code\":" + code + "}";
        }

        /**
         * The CRUD dispatcher's watch listener, seen through a socket that can be silenced, and remembered while open.
         */
        private final class Tap extends WebSocketListener {
            private final WebSocketListener crud;

            Tap(WebSocketListener crud) {
                this.crud = crud;
            }

            @Override
            public void onOpen(WebSocket ws, Response response) {
                openWatches.add(ws);
                crud.onOpen(
                        new WebSocket() {
                            @Override
                            public RecordedRequest request() {
                                return ws.request();
                            }

                            @Override
                            public boolean send(String text) {
                                return silent || ws.send(text);
                            }

                            @Override
                            public boolean send(byte[] bytes) {
                                return silent || ws.send(bytes);
                            }

                            @Override
                            public boolean close(int code, String reason) {
                                return ws.close(code, reason);
                            }
                        },
                        response);
            }

            @Override
            public void onBeforeAccept(WebSocket ws, Response response) {
                crud.onBeforeAccept(ws, response);
            }

            @Override
            public void onMessage(WebSocket ws, String text) {
                crud.onMessage(ws, text);
            }

            @Override
            public void onMessage(WebSocket ws, ByteString bytes) {
                crud.onMessage(ws, bytes);
            }

            @Override
            public void onClosing(WebSocket ws, int code, String reason) {
                openWatches.remove(ws);
                crud.onClosing(ws, code, reason);
            }

            @Override
            public void onClosed(WebSocket ws, int code, String reason) {
                openWatches.remove(ws);
                crud.onClosed(ws, code, reason);
            }

            @Override
            public void onFailure(WebSocket ws, Throwable t, Response response) {
                openWatches.remove(ws);
                crud.onFailure(ws, t, response);
            }
        }
    }

    /** A Node with one pod CIDR (null for none) and an InternalIP. */
    public static Node node(String name, String podCidr, String internalIp) {
        NodeBuilder b = new NodeBuilder().withNewMetadata().withName(name).endMetadata();
        if (podCidr != null) {
            b.withNewSpec().withPodCIDR(podCidr).withPodCIDRs(podCidr).endSpec();
        }
        if (internalIp != null) {
            b.withNewStatus()
                    .addNewAddress()
                    .withType("InternalIP")
                    .withAddress(internalIp)
                    .endAddress()
                    .addNewAddress()
                    .withType("Hostname")
                    .withAddress(name)
                    .endAddress()
                    .endStatus();
        }
        return b.build();
    }

    /** A dual-stack Node: an IPv4 and an IPv6 pod CIDR and InternalIP of each family (IPv6 ones may be null). */
    public static Node dualStackNode(
            String name, String podCidr, String podCidrV6, String internalIp, String internalIpV6) {
        Node n = node(name, podCidr, internalIp);
        if (podCidrV6 != null) {
            n.getSpec().setPodCIDRs(List.of(podCidr, podCidrV6));
        }
        if (internalIpV6 != null) {
            n.getStatus()
                    .getAddresses()
                    .add(
                            1,
                            new NodeAddressBuilder()
                                    .withType("InternalIP")
                                    .withAddress(internalIpV6)
                                    .build());
        }
        return n;
    }

    /**
     * Creates a Node as a real server needs it: metadata and spec first, then the status through
     * the status subresource (a server ignores status in updates of the Node itself).
     */
    public Node create(Node n) {
        NodeStatus status = n.getStatus();
        n.setStatus(null);
        Node created = client.nodes().resource(n).create();
        if (status == null) {
            return created;
        }
        created.setStatus(status);
        return client.nodes().resource(created).updateStatus();
    }

    /** Replaces a Node's InternalIP(s) through the status subresource, as the kubelet does after an address change. */
    public Node setInternalIps(String name, String... ips) {
        return client.nodes().withName(name).editStatus(n -> {
            List<NodeAddress> keep = new java.util.ArrayList<>(n.getStatus().getAddresses().stream()
                    .filter(a -> !a.getType().equals("InternalIP"))
                    .toList());
            for (int i = ips.length - 1; i >= 0; i--) {
                keep.addFirst(new NodeAddressBuilder()
                        .withType("InternalIP")
                        .withAddress(ips[i])
                        .build());
            }
            n.getStatus().setAddresses(keep);
            return n;
        });
    }

    public void delete(String name) {
        client.nodes().withName(name).delete();
    }

    /** Settings of an agent for node {@code n} of a {@link SimulatedCluster}, files under {@code dir}. */
    public static Map<String, String> agentSettings(String backend, int n, Path nodeNs, Path dir) {
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
