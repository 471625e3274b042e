package dev.cni4j.agent;

import dev.cni4j.agent.route.RouteBackend;
import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.Sysctl;
import dev.cni4j.linux.rtnl.Address;
import dev.cni4j.linux.rtnl.Bridge;
import dev.cni4j.linux.rtnl.Route;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.linux.rtnl.Veth;
import dev.cni4j.net.IpAddress;
import dev.cni4j.net.IpPrefix;
import dev.cni4j.testing.TestNetworks;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Machines made of network namespaces, none of them the host's:
 * <pre>
 *   node1 eth0 192.168.50.1 ─┐
 *   node2 eth0 192.168.50.2 ─┤ fabric: bridge br50 ── router r50 192.168.50.254, fd00:50::fe
 *                                                       router r60 192.168.60.254 ── node3 eth0 192.168.60.3
 *                                                       router r31 172.31.0.1     ── outside eth0 172.31.0.10
 *                                                                  fd00:31::1                 fd00:31::10
 * </pre>
 * Nodes 1-2 share an L2 segment (host-gw works between them); node 3 is one routed hop away
 * (vxlan only). Nodes 1-2 get IPv6 (fd00:50::n, default route via the router) only when a test
 * asks ({@link #addIpv6Underlay}). Neither the router nor "outside" knows a route to pod
 * addresses of either family, so only masqueraded traffic gets a reply. A pod per node: a veth from the pod into the
 * node's bridge cni0 (10.244.N.1/24), as the bridge plugin would make it.
 */
public final class SimulatedCluster implements AutoCloseable {
    public static final String OUTSIDE_IP = "172.31.0.10", OUTSIDE_IPV6 = "fd00:31::10", ROUTER_IPV6 = "fd00:50::fe";
    public final TestNetworks net = TestNetworks.create();
    public final Path fabric = net.newPod(), router = net.newPod(), outside = net.newPod();
    public final Map<Integer, Path> nodes = new LinkedHashMap<>();
    public final Map<Integer, Path> pods = new LinkedHashMap<>();

    public SimulatedCluster(int nodeCount) {
        try {
            for (Path p : new Path[] {fabric, router, outside}) {
                up(p, "lo");
            }
            link(fabric, Bridge.of("br50"));
            up(fabric, "br50");
            try (NetNs r = NetNs.open(router)) {
                Sysctl.set(r, "net/ipv4/ip_forward", "1");
                Sysctl.set(r, "net/ipv6/conf/all/forwarding", "1");
            }
            wire(router, "r50", "192.168.50.254/24", fabric, "p-rtr", null);
            address(router, "r50", ROUTER_IPV6 + "/64");
            wire(router, "r31", "172.31.0.1/24", outside, "eth0", "172.31.0.10/24");
            address(router, "r31", "fd00:31::1/64");
            address(outside, "eth0", OUTSIDE_IPV6 + "/64");
            defaultRoute(outside, "172.31.0.1");
            defaultRoute(outside, "fd00:31::1");
            for (int n = 1; n <= nodeCount; n++) {
                addNode(n);
            }
        } catch (RuntimeException e) {
            net.close();
            throw e;
        }
    }

    /** Node n: on the fabric segment, except node 3 behind the router. */
    public Path addNode(int n) {
        Path node = net.newPod();
        nodes.put(n, node);
        up(node, "lo");
        if (n == 3) {
            wire(router, "r60", "192.168.60.254/24", node, "eth0", null);
            address(node, "eth0", "192.168.60.3/24");
            defaultRoute(node, "192.168.60.254");
        } else {
            wire(node, "eth0", "192.168.50." + n + "/24", fabric, "p-n" + n, null);
            defaultRoute(node, "192.168.50.254");
        }
        return node;
    }

    public static String nodeIp(int n) {
        return n == 3 ? "192.168.60.3" : "192.168.50." + n;
    }

    public static String podIp(int n) {
        return "10.244." + n + ".2";
    }

    /** A pod on node n: bridge cni0 10.244.n.1/24 in the node, pod eth0 10.244.n.2/24. */
    public Path addPod(int n) {
        Path node = nodes.get(n), pod = net.newPod();
        pods.put(n, pod);
        up(pod, "lo");
        try (NetNs ns = NetNs.open(node);
                Rtnl rtnl = Rtnl.open(ns)) {
            if (rtnl.links().get("cni0").isEmpty()) {
                rtnl.links().create(Bridge.of("cni0"));
                rtnl.addresses().add(rtnl.links().require("cni0").index(), ip("10.244." + n + ".1"), 24);
                rtnl.links().setUp("cni0");
            }
        }
        wire(node, "vethp" + n, null, pod, "eth0", podIp(n) + "/24");
        try (NetNs ns = NetNs.open(node);
                Rtnl rtnl = Rtnl.open(ns)) {
            rtnl.links()
                    .setMaster(
                            rtnl.links().require("vethp" + n).index(),
                            rtnl.links().require("cni0").index());
        }
        defaultRoute(pod, "10.244." + n + ".1");
        return pod;
    }

    /**
     * A pod on node n made the way the runtime would: our bridge plugin (and host-local, found
     * through a launcher-marked file in CNI_PATH, so it runs in-process too) on a thread inside
     * the node, with the first plugin of the conflist the agent wrote; reservations go to
     * {@code dataDir}. Returns the pod's IP from the CNI result.
     */
    public String addPodWithPlugins(int n, Path conflist, Path dataDir) throws IOException {
        return addPodWithPlugins(n, conflist, dataDir, "pod-on-node" + n);
    }

    /** A further pod on node {@code n} with its own container ID; it becomes {@code pods.get(n)}. */
    public String addPodWithPlugins(int n, Path conflist, Path dataDir, String containerId) throws IOException {
        return addPodWithPluginsAllIps(n, conflist, dataDir, containerId).get(0);
    }

    /** As {@link #addPodWithPlugins}, returning every IP of the CNI result (IPv4 and IPv6 on dual-stack nodes). */
    public java.util.List<String> addPodWithPluginsAllIps(int n, Path conflist, Path dataDir, String containerId)
            throws IOException {
        Path pod = net.newPod();
        pods.put(n, pod);
        byte[] conf = bridgeConf(conflist, dataDir);
        Map<String, String> env = bridgeEnv("ADD", containerId, pod, n, dataDir);
        var out = new java.io.ByteArrayOutputStream();
        var err = new java.io.ByteArrayOutputStream();
        int rc = net.runIn(
                nodes.get(n),
                () -> dev.cni4j.skel.PluginMain.run(
                        dev.cni4j.plugins.Plugins.byType("bridge"),
                        env,
                        new java.io.ByteArrayInputStream(conf),
                        out,
                        new java.io.PrintStream(err, true),
                        dev.cni4j.plugins.Plugins.IN_PROCESS));
        String result = out.toString(StandardCharsets.UTF_8);
        if (rc != 0) {
            throw new IllegalStateException("bridge ADD failed: " + result + err);
        }
        java.util.List<String> ips = new java.util.ArrayList<>();
        for (var ip : io.fabric8.kubernetes.client.utils.Serialization.jsonMapper()
                .readTree(result)
                .get("ips")) {
            String cidr = ip.get("address").asString();
            ips.add(cidr.substring(0, cidr.indexOf('/')));
        }
        return ips;
    }

    /** The first plugin (bridge) of {@code conflist} as a single network config, reservations in {@code dataDir}. */
    public static byte[] bridgeConf(Path conflist, Path dataDir) throws IOException {
        var mapper = io.fabric8.kubernetes.client.utils.Serialization.jsonMapper();
        var list = (tools.jackson.databind.node.ObjectNode) mapper.readTree(Files.readString(conflist));
        var conf = (tools.jackson.databind.node.ObjectNode) list.get("plugins").get(0);
        conf.put("cniVersion", list.get("cniVersion").asString());
        conf.put("name", list.get("name").asString());
        ((tools.jackson.databind.node.ObjectNode) conf.get("ipam")).put("dataDir", dataDir.toString());
        return mapper.writeValueAsBytes(conf);
    }

    /**
     * A runtime's environment for the bridge plugin; host-local found in CNI_PATH as one of our launchers (in-process).
     */
    public static Map<String, String> bridgeEnv(String command, String containerId, Path pod, int n, Path dataDir)
            throws IOException {
        Path cniPath = Files.createDirectories(dataDir.resolveSibling("cni-path-" + n));
        Files.writeString(
                cniPath.resolve("host-local"), "#!/bin/sh\n" + dev.cni4j.skel.Delegate.LAUNCHER_MARKER + "\n");
        return Map.of(
                "CNI_COMMAND",
                command,
                "CNI_CONTAINERID",
                containerId,
                "CNI_NETNS",
                pod.toString(),
                "CNI_IFNAME",
                "eth0",
                "CNI_PATH",
                cniPath.toString());
    }

    /**
     * Gives node n's eth0 an IPv6 address too (nodes 1-2 on the fabric segment: fd00:50::n/64), default route via the
     * router.
     */
    public void addIpv6Underlay(int n) {
        if (n == 3) {
            throw new IllegalArgumentException("node3's segment stays IPv4 only");
        }
        address(nodes.get(n), "eth0", nodeIpV6(n) + "/64");
        defaultRoute(nodes.get(n), ROUTER_IPV6);
    }

    public static String nodeIpV6(int n) {
        return "fd00:50::" + n;
    }

    /** One ping from namespace {@code from}; true if answered. */
    public boolean ping(Path from, String to) {
        try {
            net.exec(from, "busybox", "ping", to.contains(":") ? "-6" : "-4", "-c", "1", "-W", "2", to);
            return true;
        } catch (IllegalStateException e) {
            System.err.println("ping " + to + " failed: " + e.getMessage() + "\n" + net.exec(from, "ip", "addr")
                    + net.exec(from, "ip", "route") + (to.contains(":") ? net.exec(from, "ip", "-6", "route") : ""));
            return false;
        }
    }

    /** Connects with busybox nc from {@code from} to an {@link Echo} and returns what it answered. */
    public String nc(Path from, String to, int port) {
        return net.exec(from, "busybox", "nc", "-w", "3", to, String.valueOf(port))
                .trim();
    }

    /** A TCP server inside a namespace that answers each connection with "from SOURCE-IP" (IPv6 in short form). */
    public static final class Echo implements AutoCloseable {
        private final ServerSocket server;

        Echo(Path ns, int port) {
            this(ns, port, "0.0.0.0");
        }

        /** {@code bind} "::" listens on IPv6 (and IPv4) too. */
        Echo(Path ns, int port, String bind) {
            try (NetNs n = NetNs.open(ns)) {
                server = n.run(() -> new ServerSocket(port, 16, InetAddress.ofLiteral(bind))); // bound to ns for life
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            Thread.ofPlatform().daemon().start(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept();
                            OutputStream out = s.getOutputStream()) {
                        out.write(("from " + IpAddress.of(s.getInetAddress()).toString() + "\n")
                                .getBytes(StandardCharsets.UTF_8));
                    } catch (IOException e) {
                        // closed
                    }
                }
            });
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    /** A UDP echo inside a namespace: each datagram goes back to its sender. */
    public static final class UdpEcho implements AutoCloseable {
        private final java.net.DatagramSocket socket;

        /** {@code bind} "::" receives IPv6 (and IPv4) too. */
        UdpEcho(Path ns, int port, String bind) {
            try (NetNs n = NetNs.open(ns)) {
                socket = n.run(
                        () -> new java.net.DatagramSocket(port, InetAddress.ofLiteral(bind))); // bound to ns for life
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            Thread.ofPlatform().daemon().start(() -> {
                byte[] buf = new byte[512];
                while (!socket.isClosed()) {
                    try {
                        java.net.DatagramPacket in = new java.net.DatagramPacket(buf, buf.length);
                        socket.receive(in);
                        socket.send(new java.net.DatagramPacket(in.getData(), in.getLength(), in.getSocketAddress()));
                    } catch (IOException e) {
                        // closed
                    }
                }
            });
        }

        @Override
        public void close() {
            socket.close();
        }
    }

    public static boolean await(Duration limit, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < end) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(100);
        }
        return condition.getAsBoolean();
    }

    /** Destinations ("10.244.2.0/24") of the routes in a namespace's main table. */
    public static java.util.List<String> routes(Path ns) {
        try (NetNs n = NetNs.open(ns);
                Rtnl rtnl = Rtnl.open(n)) {
            return rtnl.routes().list(Rtnl.AF_INET).stream()
                    .map(Route::destinationText)
                    .toList();
        }
    }

    /** The agent's IPv6 routes (protocol 75) in a namespace, as "fd00:10:244:2::/64 via GATEWAY". */
    public static java.util.List<String> ownedIpv6Routes(Path ns) {
        try (NetNs n = NetNs.open(ns);
                Rtnl rtnl = Rtnl.open(n)) {
            return rtnl.routes().list(Rtnl.AF_INET6).stream()
                    .filter(r -> r.protocol() == RouteBackend.ROUTE_PROTOCOL)
                    .map(r -> new IpPrefix(IpAddress.of(r.destination()), r.prefixLength()) + " via "
                            + IpAddress.of(r.gateway()).toString())
                    .toList();
        }
    }

    // --- plumbing through the kernel layer ---

    private static void link(Path ns, dev.cni4j.linux.rtnl.LinkSpec spec) {
        try (NetNs n = NetNs.open(ns);
                Rtnl rtnl = Rtnl.open(n)) {
            rtnl.links().create(spec);
        }
    }

    /** A veth from {@code a} into {@code b}, both ends up, addressed if given. */
    private static void wire(Path a, String aName, String aCidr, Path b, String bName, String bCidr) {
        try (NetNs na = NetNs.open(a);
                NetNs nb = NetNs.open(b);
                Rtnl ra = Rtnl.open(na)) {
            ra.links().create(Veth.intoNamespace(aName, bName, nb, 0));
        }
        if (aCidr != null) {
            address(a, aName, aCidr);
        }
        if (bCidr != null) {
            address(b, bName, bCidr);
        }
        up(a, aName);
        up(b, bName);
        if (bName.startsWith("p-")) {
            try (NetNs nb = NetNs.open(b);
                    Rtnl rb = Rtnl.open(nb)) {
                rb.links()
                        .setMaster(
                                rb.links().require(bName).index(),
                                rb.links().require("br50").index());
            }
        }
    }

    /** Adds an address; IPv6 ones skip DAD, so they are usable at once. */
    public static void address(Path ns, String dev, String cidr) {
        String[] p = cidr.split("/");
        InetAddress a = ip(p[0]);
        int flags = a instanceof java.net.Inet6Address ? Address.IFA_F_NODAD : 0;
        try (NetNs n = NetNs.open(ns);
                Rtnl rtnl = Rtnl.open(n)) {
            rtnl.addresses().add(rtnl.links().require(dev).index(), a, Integer.parseInt(p[1]), flags);
        }
    }

    private static void up(Path ns, String dev) {
        try (NetNs n = NetNs.open(ns);
                Rtnl rtnl = Rtnl.open(n)) {
            rtnl.links().setUp(dev);
        }
    }

    private static void defaultRoute(Path ns, String gw) {
        try (NetNs n = NetNs.open(ns);
                Rtnl rtnl = Rtnl.open(n)) {
            rtnl.routes().add(Route.defaultVia(ip(gw)));
        }
    }

    public static InetAddress ip(String s) {
        return InetAddress.ofLiteral(s);
    }

    @Override
    public void close() {
        net.close();
    }
}
