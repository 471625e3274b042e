package dev.cni4j.agent;

import static dev.cni4j.agent.SimulatedCluster.await;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.cni4j.agent.NetworkPolicyPrivilegedTest.TestPod;
import dev.cni4j.agent.policy.CompiledPolicy;
import dev.cni4j.agent.policy.Direction;
import dev.cni4j.agent.policy.Explanation;
import dev.cni4j.agent.policy.NetpolCases;
import dev.cni4j.agent.policy.NetpolScenario;
import dev.cni4j.agent.policy.PolicyController;
import dev.cni4j.agent.policy.Protocol;
import dev.cni4j.agent.policy.Reachability;
import dev.cni4j.linux.NetNs;
import dev.cni4j.net.IpAddress;
import dev.cni4j.testing.TestNetworks;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodIPBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Privileged: the upstream conformance model for real. Namespaces x, y, z (label
 * kubernetes.io/metadata.name) with pods a, b, c (label pod=NAME) made by our bridge plugin on two
 * dual-stack nodes (a and c on node1, b on node2, as {@code NetpolModel} places them), each pod
 * serving TCP and UDP on ports 80 and 81 over both families (container ports named
 * serve-PORT-PROTO in its Pod object), the API objects in fabric8's mock server, an agent with its
 * {@link PolicyController} per node. Every case of {@link NetpolCases} runs on each backend
 * (host-gw and VXLAN; per backend the cases are dealt to two clusters, each with its own API
 * server, and the four clusters run at the same time): its API changes go to the mock server; before each matrix the
 * test waits until both agents' applied states (what their tables hold) give the expected verdicts, then
 * probes the whole matrix from inside the pods, 1 s timeout, and compares it with the case's
 * expected matrix. Matrices a case checks one after the other with no API change between them,
 * and each matrix's IPv4 and IPv6 run, are probed together: all their pairs (72 each) at once. A
 * pair expected allowed that timed out is probed again (twice at most, a slow machine); a pair
 * allowed that should be denied fails at once.
 *
 * <p>What a case costs: set-up (reset to no policies and the model's labels, the case's API
 * writes) and the agents' applies take about 0.1-0.3 s; a matrix in which any pair must be denied
 * takes the full 1 s probe timeout (a drop is only proven by waiting), its allowed pairs answer
 * in milliseconds. So the suite's time is about one second per probe round, whatever the number
 * of pairs, matrices and families in it; the clusters run concurrently too.
 *
 * <p>Not run here: SCTP matrices (this kernel has no SCTP module; the SCTP policies of a case are
 * still applied and its TCP/UDP matrices probed). A case's "CIDR of a namespace" is here the host
 * prefixes of its pods (addresses come from per-node subnets). Each is printed.
 * {@code -Dcni4j.netpol.cases=NAME,...} picks cases, {@code -Dcni4j.netpol.backends=vxlan} a backend.
 */
class NetpolKernelConformancePrivilegedTest {
    /** Every case of the upstream file (about 1 s per probe round). */
    static final List<String> CASES =
            NetpolCases.cases().stream().map(NetpolCases.Case::name).toList();

    static final Duration APPLIED = Duration.ofSeconds(10);
    static final int PROBE_TIMEOUT_MILLIS = 1000;

    @BeforeAll
    static void privileged() {
        TestNetworks.assumePrivileged();
    }

    /**
     * All cases on host-gw and on VXLAN, dual-stack; per backend the cases are dealt to
     * {@code -Dcni4j.netpol.clustersPerBackend} clusters (default 2), all clusters at the same time.
     */
    @Test
    void upstreamCasesOverBothBackends(@TempDir Path dir) throws Exception {
        List<String> names = selection("cni4j.netpol.cases", CASES);
        List<String> backends = selection("cni4j.netpol.backends", List.of("host-gw", "vxlan"));
        int clusters = Math.max(1, Integer.getInteger("cni4j.netpol.clustersPerBackend", 2));
        long start = System.nanoTime();
        Map<String, Future<String>> runs = new LinkedHashMap<>();
        try (ExecutorService pool =
                Executors.newThreadPerTaskExecutor(Thread.ofPlatform().daemon().factory())) {
            for (String backend : backends) {
                for (int k = 0; k < clusters; k++) {
                    int shard = k;
                    List<String> dealt = java.util.stream.IntStream.range(0, names.size())
                            .filter(i -> i % clusters == shard)
                            .mapToObj(names::get)
                            .toList();
                    if (dealt.isEmpty()) {
                        continue;
                    }
                    String label = backend + ", dual-stack" + (clusters == 1 ? "" : ", cluster " + (k + 1));
                    Path d = java.nio.file.Files.createDirectories(dir.resolve(backend + "-" + k));
                    runs.put(label, pool.submit(() -> run(backend, label, dealt, d)));
                }
            }
            StringBuilder failures = new StringBuilder();
            for (var e : runs.entrySet()) {
                try {
                    failures.append(e.getValue().get());
                } catch (java.util.concurrent.ExecutionException x) {
                    if (x.getCause() instanceof Exception c) {
                        throw c;
                    }
                    throw (Error) x.getCause();
                }
            }
            System.out.printf(
                    "netpol kernel: %d cases on %s (%d clusters each) in %.1f s%n",
                    names.size(), backends, clusters, (System.nanoTime() - start) / 1e9);
            if (!failures.isEmpty()) {
                fail(failures.toString());
            }
        }
    }

    /** A comma-separated list from a system property, or the default. */
    private static List<String> selection(String property, List<String> defaults) {
        String s = System.getProperty(property, "");
        return s.isBlank() ? defaults : List.of(s.split(","));
    }

    /** A case (or one matrix of it) this setup cannot run; the run goes on with the next. */
    static final class NotRunnable extends RuntimeException {
        NotRunnable(String why) {
            super(why, null, false, false);
        }
    }

    /** The cases on one backend's dual-stack cluster; returns the failures' text (empty: all passed). */
    private static String run(String backend, String label, List<String> names, Path dir) throws Exception {
        long start = System.nanoTime();
        try (SimulatedCluster cluster = new SimulatedCluster(2);
                MockCluster api = new MockCluster()) {
            for (int n = 1; n <= 2; n++) {
                cluster.addIpv6Underlay(n);
                api.create(MockCluster.dualStackNode(
                        "node" + n,
                        "10.244." + n + ".0/24",
                        DualStackPrivilegedTest.podCidrV6(n),
                        SimulatedCluster.nodeIp(n),
                        SimulatedCluster.nodeIpV6(n)));
            }
            for (String ns : List.of("x", "y", "z")) {
                api.client
                        .namespaces()
                        .resource(new NamespaceBuilder()
                                .withNewMetadata()
                                .withName(ns)
                                .withLabels(Map.of(dev.cni4j.agent.policy.NamespaceInfo.NAME_LABEL, ns))
                                .endMetadata()
                                .build())
                        .create();
            }
            Map<Integer, Agent> agents = new HashMap<>();
            List<AutoCloseable> servers = new ArrayList<>();
            try {
                for (int n = 1; n <= 2; n++) {
                    Map<String, String> s =
                            MockCluster.agentSettings(backend, n, cluster.nodes.get(n), dir.resolve("node" + n));
                    s.put("networkPolicy", "on");
                    s.put("clusterCidrV6", DualStackPrivilegedTest.CLUSTER_CIDR_V6);
                    agents.put(n, Agent.start(AgentConfig.of(s), api.client));
                }
                for (var e : agents.entrySet()) {
                    assertTrue(
                            await(
                                    Duration.ofSeconds(30),
                                    () -> e.getValue().status().ready()
                                            && e.getValue().policy().compiled() != null
                                            && e.getValue()
                                                            .metrics()
                                                            .routesProgrammed
                                                            .get()
                                                    == 2),
                            "node" + e.getKey() + ": " + e.getValue().status().blocking());
                }
                Map<String, TestPod> pods = new LinkedHashMap<>();
                Map<String, TestPod> podsV6 = new LinkedHashMap<>();
                for (String pod : Reachability.pods()) {
                    String ns = pod.substring(0, 1), name = pod.substring(2);
                    TestPod p = pod(cluster, api, agents, dir, ns, name, name.equals("b") ? 2 : 1, true);
                    pods.put(pod, p);
                    podsV6.put(pod, new TestPod(ns, name, p.uid(), p.node(), p.netns(), ipv6(p.netns())));
                    servers.addAll(serve(p));
                }
                // forwarded IPv6 waits for DAD of cni0's link-local address on each node
                for (Path node : cluster.nodes.values()) {
                    assertTrue(
                            await(Duration.ofSeconds(10), () -> DualStackPrivilegedTest.noTentativeAddress(node)),
                            "DAD done on " + node);
                }
                KernelScenario k8s = new KernelScenario(api, agents, pods, podsV6);
                servers.add(k8s);
                System.out.printf(
                        "netpol kernel [%s]: cluster ready in %.1f s%n", label, (System.nanoTime() - start) / 1e9);
                k8s.validate(80, Protocol.TCP, new Reachability(true));
                k8s.validate(81, Protocol.UDP, new Reachability(true));
                k8s.flush();

                List<String> ran = new ArrayList<>(), skipped = new ArrayList<>(), failed = new ArrayList<>();
                StringBuilder failures = new StringBuilder();
                for (String name : names) {
                    long t0 = System.nanoTime();
                    k8s.reset();
                    try {
                        NetpolCases.byName(name).run(k8s);
                        k8s.flush();
                        if (k8s.probed == 0) {
                            throw new NotRunnable("no matrix it checks can run here: " + k8s.notRun);
                        }
                        ran.add(name);
                        System.out.printf(
                                "netpol kernel [%s] %s: %d matrices probed in %d rounds%s%s in %.1f s (set-up %.1f s, applies %.1f s, probes %.1f s)%n",
                                label,
                                name,
                                k8s.probed,
                                k8s.rounds,
                                k8s.reprobed == 0 ? "" : " (" + k8s.reprobed + " pairs probed again after a timeout)",
                                k8s.notRun.isEmpty() ? "" : " (not run: " + String.join(", ", k8s.notRun) + ")",
                                (System.nanoTime() - t0) / 1e9,
                                (System.nanoTime() - t0 - k8s.applyNanos - k8s.probeNanos) / 1e9,
                                k8s.applyNanos / 1e9,
                                k8s.probeNanos / 1e9);
                    } catch (NotRunnable e) {
                        skipped.add(name + " (" + e.getMessage() + ")");
                        System.out.printf("netpol kernel [%s] %s: SKIPPED, %s%n", label, name, e.getMessage());
                    } catch (AssertionError e) {
                        failed.add(name);
                        failures.append(name)
                                .append(": ")
                                .append(e.getMessage())
                                .append('\n');
                        System.out.printf("netpol kernel [%s] %s: FAILED%n%s%n", label, name, e.getMessage());
                    }
                }
                System.out.printf(
                        "netpol kernel [%s]: %d cases ran, %d skipped, %d failed, %.1f s in all; ran: %s%n",
                        label, ran.size(), skipped.size(), failed.size(), (System.nanoTime() - start) / 1e9, ran);
                if (!skipped.isEmpty()) {
                    System.out.printf("netpol kernel [%s]: skipped %s%n", label, skipped);
                }
                assertTrue(
                        !ran.isEmpty() && ran.size() + skipped.size() + failed.size() == names.size(),
                        "cases ran: " + ran);
                return failures.isEmpty() ? "" : "[" + label + "]\n" + failures;
            } finally {
                for (AutoCloseable s : servers) {
                    s.close();
                }
                agents.values().forEach(Agent::close);
            }
        }
    }

    /**
     * The upstream pod: its object first (label pod=NAME, one container per port and protocol with
     * a port named serve-PORT-PROTO), then our bridge ADD with the agent's fast-path hook, then
     * status Running with its IP.
     */
    static TestPod pod(
            SimulatedCluster cluster,
            MockCluster api,
            Map<Integer, Agent> agents,
            Path dir,
            String ns,
            String name,
            int node,
            boolean dualStack)
            throws IOException {
        List<io.fabric8.kubernetes.api.model.Container> containers = new ArrayList<>();
        for (int port : new int[] {80, 81}) {
            for (String proto : new String[] {"TCP", "UDP", "SCTP"}) {
                String p = proto.toLowerCase();
                containers.add(new io.fabric8.kubernetes.api.model.ContainerBuilder()
                        .withName("cont-" + port + "-" + p)
                        .withImage("busybox")
                        .addNewPort()
                        .withName("serve-" + port + "-" + p)
                        .withContainerPort(port)
                        .withProtocol(proto)
                        .endPort()
                        .build());
            }
        }
        Pod p = new PodBuilder()
                .withNewMetadata()
                .withNamespace(ns)
                .withName(name)
                .withLabels(Map.of("pod", name))
                .endMetadata()
                .withNewSpec()
                .withNodeName("node" + node)
                .withContainers(containers)
                .endSpec()
                .withNewStatus()
                .withPhase("Pending")
                .endStatus()
                .build();
        String uid = api.client.pods().resource(p).create().getMetadata().getUid();
        TestPod t = NetworkPolicyPrivilegedTest.add(cluster, agents, dir, ns, name, uid, node);
        Pod created = api.client.pods().inNamespace(ns).withName(name).get();
        created.getStatus().setPhase("Running");
        created.getStatus().setPodIP(t.ip());
        created.getStatus()
                .setPodIPs(
                        dualStack
                                ? List.of(
                                        new PodIPBuilder().withIp(t.ip()).build(),
                                        new PodIPBuilder()
                                                .withIp(ipv6(t.netns()))
                                                .build())
                                : List.of(new PodIPBuilder().withIp(t.ip()).build()));
        api.client.pods().resource(created).updateStatus();
        return t;
    }

    /** The pod's global IPv6 address (eth0's, from the bridge plugin). */
    static String ipv6(Path netns) {
        try (NetNs n = NetNs.open(netns);
                dev.cni4j.linux.rtnl.Rtnl rtnl = dev.cni4j.linux.rtnl.Rtnl.open(n)) {
            return rtnl.addresses().list(0, dev.cni4j.linux.rtnl.Rtnl.AF_INET6).stream()
                    .map(a -> IpAddress.of(a.address()))
                    .filter(ip -> !ip.isLoopback() && !ip.isLinkLocalUnicast())
                    .map(IpAddress::toString)
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no IPv6 address in " + netns));
        }
    }

    /** TCP (answering "from SOURCE") and UDP echo servers on ports 80 and 81 inside the pod, both families. */
    static List<AutoCloseable> serve(TestPod p) throws IOException {
        List<AutoCloseable> out = new ArrayList<>();
        for (int port : new int[] {80, 81}) {
            out.add(new SimulatedCluster.Echo(p.netns(), port, "::"));
            out.add(new SimulatedCluster.UdpEcho(p.netns(), port, "::"));
        }
        return out;
    }

    /** The cases' operations on the mock API server; matrices probed in the pods. */
    static final class KernelScenario implements NetpolScenario, AutoCloseable {
        private final MockCluster api;
        private final Map<Integer, Agent> agents;
        private final Map<String, TestPod> pods;
        /** The same pods with their IPv6 addresses. */
        private final Map<String, TestPod> podsV6;

        private final ExecutorService probes =
                Executors.newThreadPerTaskExecutor(Thread.ofPlatform().daemon().factory());
        int probed;
        /** Probe rounds (each about 1 s when a pair must be denied) in this case. */
        int rounds;

        private final List<Matrix> pending = new ArrayList<>();
        /** Time spent waiting for the agents' applied states, and probing, in this case. */
        long applyNanos, probeNanos;
        /** Pairs expected allowed that timed out once and were probed again (a busy machine). */
        int reprobed;

        final List<String> notRun = new ArrayList<>();

        KernelScenario(
                MockCluster api, Map<Integer, Agent> agents, Map<String, TestPod> pods, Map<String, TestPod> podsV6) {
            this.api = api;
            this.agents = agents;
            this.pods = pods;
            this.podsV6 = podsV6;
        }

        @Override
        public void close() {
            probes.shutdownNow();
        }

        /** Before each case: no policies, the model's labels, and both agents' tables isolating nobody. */
        void reset() throws InterruptedException {
            probed = 0;
            rounds = 0;
            reprobed = 0;
            pending.clear();
            applyNanos = 0;
            probeNanos = 0;
            notRun.clear();
            for (String ns : List.of("x", "y", "z")) {
                api.client.network().v1().networkPolicies().inNamespace(ns).delete();
                api.client.namespaces().withName(ns).edit(n -> {
                    n.getMetadata()
                            .setLabels(new TreeMap<>(Map.of(dev.cni4j.agent.policy.NamespaceInfo.NAME_LABEL, ns)));
                    return n;
                });
            }
            for (String pod : pods.keySet()) {
                api.client
                        .pods()
                        .inNamespace(pod.substring(0, 1))
                        .withName(pod.substring(2))
                        .edit(p -> {
                            p.getMetadata().setLabels(new TreeMap<>(Map.of("pod", pod.substring(2))));
                            return p;
                        });
            }
            assertTrue(
                    await(
                            APPLIED,
                            () -> agents.values().stream().allMatch(a -> {
                                CompiledPolicy c = a.policy().compiled();
                                return c != null
                                        && c.pods().stream()
                                                .noneMatch(p -> p.direction(Direction.INGRESS)
                                                                .isolated()
                                                        || p.direction(Direction.EGRESS)
                                                                .isolated());
                            })),
                    "the agents' tables isolate no pod after the reset");
        }

        @Override
        public void create(NetworkPolicy p) {
            flush();
            NetworkPolicy copy = Serialization.clone(p);
            var resource = api.client
                    .network()
                    .v1()
                    .networkPolicies()
                    .inNamespace(copy.getMetadata().getNamespace())
                    .withName(copy.getMetadata().getName());
            if (resource.get() == null) {
                api.client.resource(copy).create();
            } else {
                resource.edit(old -> {
                    old.setSpec(copy.getSpec());
                    return old;
                });
            }
        }

        @Override
        public void delete(String ns, String name) {
            flush();
            api.client
                    .network()
                    .v1()
                    .networkPolicies()
                    .inNamespace(ns)
                    .withName(name)
                    .delete();
        }

        @Override
        public void labelNamespace(String ns, String key, String value) {
            flush();
            api.client.namespaces().withName(ns).edit(n -> {
                n.getMetadata().getLabels().put(key, value);
                return n;
            });
        }

        @Override
        public void labelPod(String pod, String key, String value) {
            flush();
            api.client
                    .pods()
                    .inNamespace(pod.substring(0, 1))
                    .withName(pod.substring(2))
                    .edit(p -> {
                        p.getMetadata().getLabels().put(key, value);
                        return p;
                    });
        }

        @Override
        public String ip(String pod, boolean v6) {
            return (v6 ? podsV6 : pods).get(pod).ip();
        }

        @Override
        public List<String> namespaceCidrs(String ns, boolean v6) {
            return Reachability.pods().stream()
                    .filter(p -> p.startsWith(ns + "/"))
                    .map(p -> ip(p, v6) + (v6 ? "/128" : "/32"))
                    .toList();
        }

        /** One matrix to probe: a port and protocol over one family's pods. */
        record Matrix(String name, int port, Protocol proto, Reachability expected, Map<String, TestPod> pods) {}

        /**
         * Queues the matrix (a copy of {@code expected}): consecutive validations with no API
         * change between them are probed together, at the next change or the case's end
         * ({@link #flush}).
         */
        @Override
        public void validate(int port, Protocol proto, Reachability expected, boolean[] families) {
            String matrix = port + "/" + proto;
            if (proto == Protocol.SCTP) {
                notRun.add(matrix + " (no SCTP in this kernel)");
                return;
            }
            Reachability copy = new Reachability(false);
            for (String from : Reachability.pods()) {
                for (String to : Reachability.pods()) {
                    copy.expect(from, to, expected.get(from, to));
                }
            }
            for (boolean v6 : families) {
                pending.add(new Matrix(matrix + (v6 ? " IPv6" : " IPv4"), port, proto, copy, v6 ? podsV6 : pods));
            }
        }

        /**
         * Probes the queued matrices: once both agents' applied states agree with all of them,
         * every pair of every matrix at once (the denied pairs' timeouts run concurrently).
         */
        void flush() {
            List<Matrix> matrices = List.copyOf(pending);
            pending.clear();
            if (matrices.isEmpty()) {
                return;
            }
            try {
                long t0 = System.nanoTime();
                boolean applied = await(
                        APPLIED,
                        () -> matrices.stream()
                                .allMatch(m -> appliedAgrees(m.port(), m.proto(), m.expected(), m.pods())));
                long t1 = System.nanoTime();
                applyNanos += t1 - t0;
                List<Reachability> actual = probe(matrices, java.util.Collections.nCopies(matrices.size(), null));
                // a pair expected allowed that timed out on a busy machine: probed again, twice at most
                for (int i = 0; i < 2 && differ(matrices, actual) && onlyTimeouts(matrices, actual); i++) {
                    actual = probe(matrices, actual);
                }
                probeNanos += System.nanoTime() - t1;
                probed += matrices.size();
                rounds++;
                StringBuilder failures = new StringBuilder();
                for (int i = 0; i < matrices.size(); i++) {
                    Matrix m = matrices.get(i);
                    String diff = m.expected().differences(actual.get(i));
                    if (!diff.isEmpty()) {
                        failures.append(m.name())
                                .append(applied ? "" : " (the agents' applied state never agreed either)")
                                .append(":\n")
                                .append(diff)
                                .append("expected:\n")
                                .append(m.expected())
                                .append("actual:\n")
                                .append(actual.get(i));
                    }
                }
                if (!failures.isEmpty()) {
                    throw new AssertionError(failures.toString());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }

        private static boolean differ(List<Matrix> matrices, List<Reachability> actual) {
            for (int i = 0; i < matrices.size(); i++) {
                if (!matrices.get(i).expected().differences(actual.get(i)).isEmpty()) {
                    return true;
                }
            }
            return false;
        }

        private static boolean onlyTimeouts(List<Matrix> matrices, List<Reachability> actual) {
            for (int i = 0; i < matrices.size(); i++) {
                if (!onlyTimeouts(matrices.get(i).expected(), actual.get(i))) {
                    return false;
                }
            }
            return true;
        }

        private static boolean onlyTimeouts(Reachability expected, Reachability actual) {
            for (String from : Reachability.pods()) {
                for (String to : Reachability.pods()) {
                    if (!from.equals(to) && !expected.get(from, to) && actual.get(from, to)) {
                        return false;
                    }
                }
            }
            return true;
        }

        /**
         * Both agents' applied states (egress on the source's node, ingress on the destination's) give the expected
         * verdicts.
         */
        private boolean appliedAgrees(int port, Protocol proto, Reachability expected, Map<String, TestPod> pods) {
            for (String from : Reachability.pods()) {
                for (String to : Reachability.pods()) {
                    if (from.equals(to)) {
                        continue;
                    }
                    TestPod f = pods.get(from), t = pods.get(to);
                    IpAddress src = IpAddress.parse(f.ip()), dst = IpAddress.parse(t.ip());
                    Explanation e = agents.get(f.node()).policy().explain(src, dst, port, proto);
                    Explanation i = agents.get(t.node()).policy().explain(src, dst, port, proto);
                    if (e == null || i == null) {
                        return false;
                    }
                    boolean allowed = e.egress().verdict() == Explanation.Verdict.ALLOWED
                            && i.ingress().verdict() == Explanation.Verdict.ALLOWED;
                    if (allowed != expected.get(from, to)) {
                        return false;
                    }
                }
            }
            return true;
        }

        /**
         * Every pair of every matrix at once (loopback ignored, as upstream), 1 s timeout; with a
         * previous result for a matrix, only its denied pairs again (the rest copied).
         */
        private List<Reachability> probe(List<Matrix> matrices, List<Reachability> previous)
                throws InterruptedException {
            List<Map<String, Future<Boolean>>> running = new ArrayList<>();
            List<Reachability> out = new ArrayList<>();
            for (int i = 0; i < matrices.size(); i++) {
                Matrix m = matrices.get(i);
                Reachability before = previous.get(i), r = new Reachability(false);
                Map<String, Future<Boolean>> futures = new LinkedHashMap<>();
                for (String from : Reachability.pods()) {
                    for (String to : Reachability.pods()) {
                        if (from.equals(to)) {
                            continue;
                        }
                        if (before != null && before.get(from, to)) {
                            r.expect(from, to, true);
                            continue;
                        }
                        if (before != null) {
                            reprobed++;
                        }
                        TestPod f = m.pods().get(from), t = m.pods().get(to);
                        futures.put(
                                from + ">" + to,
                                probes.submit(() -> m.proto() == Protocol.TCP
                                        ? NetworkPolicyPrivilegedTest.tcpOnce(f, t, m.port(), PROBE_TIMEOUT_MILLIS)
                                        : udpOnce(f, t, m.port())));
                    }
                }
                running.add(futures);
                out.add(r);
            }
            for (int i = 0; i < matrices.size(); i++) {
                for (var e : running.get(i).entrySet()) {
                    String[] pair = e.getKey().split(">");
                    try {
                        out.get(i).expect(pair[0], pair[1], e.getValue().get());
                    } catch (java.util.concurrent.ExecutionException x) {
                        throw new IllegalStateException(
                                "probe " + matrices.get(i).name() + " " + e.getKey(), x.getCause());
                    }
                }
            }
            return out;
        }

        /**
         * One datagram from {@code from}, echoed by {@code to} within the timeout, from a source port
         * no earlier probe of {@code from} used. An ephemeral port could repeat the 5-tuple of an
         * earlier, then allowed, probe whose conntrack entry still lives (30 s for UDP): the agent
         * keeps established flows by default, so that datagram would pass as a reply-tracked flow,
         * not be judged as the new one the matrix asks about.
         */
        private static boolean udpOnce(TestPod from, TestPod to, int port) {
            try (NetNs n = NetNs.open(from.netns())) {
                DatagramSocket s = n.run(() -> boundToAFreshPort(from));
                try (s) {
                    s.setSoTimeout(PROBE_TIMEOUT_MILLIS);
                    byte[] msg = "probe".getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    s.send(new DatagramPacket(
                            msg, msg.length, new java.net.InetSocketAddress(InetAddress.ofLiteral(to.ip()), port)));
                    DatagramPacket in = new DatagramPacket(new byte[64], 64);
                    s.receive(in);
                    return new String(in.getData(), 0, in.getLength(), java.nio.charset.StandardCharsets.UTF_8)
                            .equals("probe");
                }
            } catch (IOException e) {
                return false;
            }
        }

        /** The next source port of each probing pod, cycling through 40000-59999 (a run sends far fewer per pod). */
        private static final Map<Path, java.util.concurrent.atomic.AtomicInteger> NEXT_PORT =
                new java.util.concurrent.ConcurrentHashMap<>();

        private static DatagramSocket boundToAFreshPort(TestPod from) throws IOException {
            java.util.concurrent.atomic.AtomicInteger next =
                    NEXT_PORT.computeIfAbsent(from.netns(), k -> new java.util.concurrent.atomic.AtomicInteger());
            IOException last = null;
            for (int attempt = 0; attempt < 10; attempt++) {
                DatagramSocket s = new DatagramSocket(null);
                try {
                    s.bind(new java.net.InetSocketAddress(40000 + Math.floorMod(next.getAndIncrement(), 20000)));
                    return s;
                } catch (IOException e) { // in use by a probe still waiting: the next one
                    s.close();
                    last = e;
                }
            }
            throw last;
        }
    }
}
