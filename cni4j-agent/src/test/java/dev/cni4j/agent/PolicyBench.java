package dev.cni4j.agent;

import dev.cni4j.agent.policy.ClusterSnapshot;
import dev.cni4j.agent.policy.CompiledPolicy;
import dev.cni4j.agent.policy.LabelSelector;
import dev.cni4j.agent.policy.NamespaceInfo;
import dev.cni4j.agent.policy.NftPolicyDiff;
import dev.cni4j.agent.policy.NftPolicyRenderer;
import dev.cni4j.agent.policy.PodInfo;
import dev.cni4j.agent.policy.PolicyCompiler;
import dev.cni4j.agent.policy.PolicyInfo;
import dev.cni4j.agent.policy.PolicyRef;
import dev.cni4j.agent.policy.Protocol;
import dev.cni4j.agent.policy.SyntheticPolicies;
import dev.cni4j.net.IpAddress;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyBuilder;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The NetworkPolicy benchmark's Java side ({@code bench/policy.sh}); not a test.
 * <pre>
 *   PolicyBench scale OUT-DIR PODS POLICIES   compile/diff times and CPU on a synthetic cluster
 *                                             (110 pods on the node); writes OUT-DIR/full.nft
 *   PolicyBench latency RUNS BG-PODS BG-POLICIES   an agent (networkPolicy=on) in a throwaway node
 *                                             namespace against fabric8's mock API server: API write
 *                                             to the rule in the kernel, per kind of change
 * </pre>
 * In the synthetic cluster, local pod 0 ("server", 10.244.1.2) and local pod 1 ("client",
 * 10.244.1.3) of namespace ns0 are isolated both ways by the generated policies and allowed to
 * talk on TCP 5201 by two more ({@code zz-iperf-in}, {@code zz-iperf-out}), for the packet-cost run.
 */
public final class PolicyBench {
    static final int LOCAL_PODS = 110;

    private PolicyBench() {}

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "scale" -> scale(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            case "latency" -> latency(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
            default -> throw new IllegalArgumentException("scale or latency");
        }
        System.exit(0);
    }

    // ---- scale: the compiler fed directly ----

    /**
     * PODS pods in 100 namespaces (fewer below 10k pods; labels app a0..a19, tier t0..t2; namespaces
     * team t0..t9), POLICIES policies spread over the namespaces; the node's 110 pods the same at any scale.
     */
    static ClusterSnapshot synthetic(int podCount, int policyCount, String relabelled) {
        int nsCount = namespaces(podCount), every = Math.max(1, podCount / LOCAL_PODS);
        List<NamespaceInfo> namespaces = new ArrayList<>();
        List<PodInfo> pods = new ArrayList<>();
        List<PolicyInfo> policies = new ArrayList<>();
        for (int n = 0; n < nsCount; n++) {
            namespaces.add(
                    new NamespaceInfo("ns" + n, Map.of(NamespaceInfo.NAME_LABEL, "ns" + n, "team", "t" + n % 10)));
        }
        int local = 0;
        for (int k = 0; k < podCount; k++) {
            String ns = "ns" + k % nsCount, name = "p" + k;
            boolean isLocal = k % every == 0 && local < LOCAL_PODS;
            IpAddress ip = isLocal
                    ? IpAddress.ipv4(0x0af40102L + local)
                    : IpAddress.ipv4(0x0a640000L + k); // 10.244.1.2+, 10.100.x.y
            Map<String, String> labels = new HashMap<>(Map.of("app", "a" + k % 20, "tier", "t" + k % 3));
            if (isLocal) { // the same node pods whatever the scale
                ns = "ns" + local % nsCount;
                labels = new HashMap<>(Map.of("app", "a" + local % 20, "tier", "t" + local % 3));
            }
            if (isLocal && local < 2) {
                ns = "ns0";
                name = local == 0 ? "server" : "client";
                labels.put("pod", name);
            }
            // relabelled: into a peer set the node's pods use (app a1 in a namespace of team t0)
            if (name.equals(relabelled)) {
                labels.put("app", "a1");
            }
            pods.add(new PodInfo(
                    "uid" + k,
                    ns,
                    name,
                    isLocal ? "local" : "node" + k % 97,
                    labels,
                    false,
                    PodInfo.Phase.RUNNING,
                    List.of(ip),
                    List.of()));
            if (isLocal) {
                local++;
            }
        }
        for (int k = 0; k < policyCount; k++) {
            String ns = "ns" + k % nsCount;
            policies.add(SyntheticPolicies.policy(ns, "pol" + k, k));
        }
        var client = new PolicyInfo.PodPeer(null, "ns0", LabelSelector.matchLabels(Map.of("pod", "client")));
        var server = new PolicyInfo.PodPeer(null, "ns0", LabelSelector.matchLabels(Map.of("pod", "server")));
        var iperf = List.of(PolicyInfo.PortSpec.range(Protocol.TCP, 5201, 5201));
        policies.add(new PolicyInfo(
                new PolicyRef("ns0", "zz-iperf-in"),
                LabelSelector.matchLabels(Map.of("pod", "server")),
                true,
                true,
                List.of(new PolicyInfo.Rule(0, List.of(client), iperf)),
                List.of(),
                List.of()));
        policies.add(new PolicyInfo(
                new PolicyRef("ns0", "zz-iperf-out"),
                LabelSelector.matchLabels(Map.of("pod", "client")),
                true,
                true,
                List.of(),
                List.of(new PolicyInfo.Rule(0, List.of(server), iperf)),
                List.of()));
        return new ClusterSnapshot(policies, namespaces, pods);
    }

    static int namespaces(int podCount) {
        return Math.max(1, Math.min(100, podCount / 100));
    }

    static void scale(Path out, int podCount, int policyCount) throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        List<IpAddress> nodeIps = List.of(IpAddress.parse("10.244.1.1"));
        ClusterSnapshot base = synthetic(podCount, policyCount, null);
        String remote = "p" + (podCount / 2 + 10); // on another node, in a namespace of team t0 (ns index 10 mod 100)
        ClusterSnapshot relabelled = synthetic(podCount, policyCount, remote);
        PolicyCompiler compiler = new PolicyCompiler("local", nodeIps, Map.of());
        for (int i = 0; i < 3; i++) {
            NftPolicyDiff.script(compiler.compile(base), compiler.compile(relabelled)); // warm-up
        }
        int runs = 7;
        long[] compileWall = new long[runs],
                compileCpu = new long[runs],
                diffWall = new long[runs],
                diffCpu = new long[runs];
        CompiledPolicy a = null, b = null;
        String diff = "";
        for (int i = 0; i < runs; i++) {
            long w0 = System.nanoTime(), c0 = mx.getCurrentThreadCpuTime();
            a = compiler.compile(base);
            compileWall[i] = System.nanoTime() - w0;
            compileCpu[i] = mx.getCurrentThreadCpuTime() - c0;
            w0 = System.nanoTime();
            c0 = mx.getCurrentThreadCpuTime();
            b = compiler.compile(relabelled);
            diff = NftPolicyDiff.script(a, b);
            diffWall[i] = System.nanoTime() - w0;
            diffCpu[i] = mx.getCurrentThreadCpuTime() - c0;
        }
        long w0 = System.nanoTime();
        String full = NftPolicyRenderer.fullScript(a);
        long renderWall = System.nanoTime() - w0;
        Files.createDirectories(out);
        Files.writeString(out.resolve("full.nft"), full);
        Files.writeString(out.resolve("relabel.nft"), diff);
        long isolated = a.pods().stream()
                .filter(p -> p.ingress().isolated() || p.egress().isolated())
                .count();
        int allowRules = a.pods().stream()
                .mapToInt(p -> p.ingress().rules().size() + p.egress().rules().size())
                .sum();
        System.out.printf(
                "scale: %d pods (%d on the node, %d isolated), %d policies, %d namespaces%n",
                podCount, a.pods().size(), isolated, policyCount + 2, namespaces(podCount));
        System.out.printf(
                "compile (whole snapshot): median %.1f ms wall, %.1f ms thread CPU%n",
                ms(median(compileWall)), ms(median(compileCpu)));
        System.out.printf(
                "compile + diff for one remote pod relabelled: median %.1f ms wall, %.1f ms thread CPU; diff %d commands%n",
                ms(median(diffWall)), ms(median(diffCpu)), diff.lines().count());
        System.out.printf(
                "full script: %d lines, %d kB, rendered in %.1f ms; %d address sets, %d allow rules on the node's pods%n",
                full.lines().count(),
                full.length() / 1024,
                ms(renderWall),
                a.sets().size(),
                allowRules);
    }

    // ---- latency: a real agent, a mock API server, the kernel's table ----

    static void latency(int runs, int bgPods, int bgPolicies) throws Exception {
        try (SimulatedCluster cluster = new SimulatedCluster(1);
                MockCluster api = new MockCluster()) {
            Path dir = Files.createTempDirectory("cni4j-policy-bench");
            Path node = cluster.nodes.get(1);
            api.create(MockCluster.node("node1", "10.244.1.0/24", "192.168.50.1"));
            api.client
                    .namespaces()
                    .resource(new NamespaceBuilder()
                            .withNewMetadata()
                            .withName("x")
                            .withLabels(Map.of("kubernetes.io/metadata.name", "x"))
                            .endMetadata()
                            .build())
                    .create();
            long t = System.nanoTime();
            background(api, bgPods, bgPolicies);
            System.out.printf(
                    "latency: background %d pods, %d policies in the API (created in %d s)%n",
                    bgPods, bgPolicies, (System.nanoTime() - t) / 1_000_000_000);
            pod(api, "x", "server", "node1", "10.244.1.2", Map.of("pod", "server"));
            api.client
                    .resource(policy("peers", Map.of("pod", "server"), Map.of("role", "peer"), 7000))
                    .create();
            for (int i = 0; i < runs; i++) {
                pod(api, "x", "other" + i, "node2", ip(0x0a2d0000L + i), Map.of("role", "none"));
            }
            Map<String, String> settings = NetworkPolicyPrivilegedTest.settings(cluster, dir, 1);
            try (Agent agent = Agent.start(AgentConfig.of(settings), api.client)) {
                t = System.nanoTime();
                while (!active(cluster, node, "10.244.1.2 : jump")) {
                    Thread.sleep(20);
                }
                System.out.printf("first apply %d ms after the agent's start%n", (System.nanoTime() - t) / 1_000_000);
                // every "other" pod is known; none is a peer yet
                ThreadMXBean mx = ManagementFactory.getThreadMXBean();
                LongSupplier policyCpu = () -> Arrays.stream(mx.getThreadInfo(mx.getAllThreadIds()))
                        .filter(i -> i != null && i.getThreadName().equals("cni4j-policy"))
                        .mapToLong(i -> mx.getThreadCpuTime(i.getThreadId()))
                        .sum();
                long cpu0 = policyCpu.getAsLong(),
                        applies0 = agent.policy().applies.get();
                long[] policyCreate = new long[runs], podCreate = new long[runs], labelChange = new long[runs];
                for (int i = 0; i < runs; i++) {
                    int port = 20000 + i;
                    long w = System.nanoTime();
                    api.client
                            .resource(policy("p" + i, Map.of("pod", "server"), Map.of("pod", "c" + i), port))
                            .create();
                    policyCreate[i] = until(cluster, node, "dport " + port + " ", w); // nft lists "tcp dport N"

                    String peerIp = ip(0x0a2e0000L + i);
                    w = System.nanoTime();
                    pod(api, "x", "peer" + i, "node2", peerIp, Map.of("role", "peer"));
                    podCreate[i] = until(cluster, node, peerIp, w);

                    String otherIp = ip(0x0a2d0000L + i);
                    w = System.nanoTime();
                    Pod o = api.client
                            .pods()
                            .inNamespace("x")
                            .withName("other" + i)
                            .get();
                    o.getMetadata().setLabels(Map.of("role", "peer"));
                    api.client.pods().resource(o).update();
                    labelChange[i] = until(cluster, node, otherIp + ",", w, otherIp + " ", otherIp + "\n");
                }
                long cpu = policyCpu.getAsLong() - cpu0,
                        applies = agent.policy().applies.get() - applies0;
                report("policy create", policyCreate);
                report("pod create (a peer)", podCreate);
                report("label change (a peer)", labelChange);
                System.out.printf(
                        "agent CPU (thread cni4j-policy): %.1f ms per applied transaction (%d transactions, %d changes)%n",
                        ms(cpu) / Math.max(1, applies), applies, 3 * runs);
            }
        }
    }

    /** Pods spread over other nodes and policies over namespaces, as in {@link #synthetic}. */
    static void background(MockCluster api, int podCount, int policyCount) {
        int nsCount = Math.max(1, podCount / 100);
        for (int n = 0; n < nsCount; n++) {
            api.client
                    .namespaces()
                    .resource(new NamespaceBuilder()
                            .withNewMetadata()
                            .withName("bg" + n)
                            .withLabels(Map.of("kubernetes.io/metadata.name", "bg" + n, "team", "t" + n % 10))
                            .endMetadata()
                            .build())
                    .create();
        }
        for (int k = 0; k < podCount; k++) {
            pod(
                    api,
                    "bg" + k % nsCount,
                    "p" + k,
                    "node" + (2 + k % 97),
                    ip(0x0a640000L + k),
                    Map.of("app", "a" + k % 20, "tier", "t" + k % 3));
        }
        for (int k = 0; k < policyCount; k++) {
            api.client
                    .resource(new NetworkPolicyBuilder()
                            .withNewMetadata()
                            .withNamespace("bg" + k % nsCount)
                            .withName("pol" + k)
                            .endMetadata()
                            .withNewSpec()
                            .withPodSelector(NetworkPolicyPrivilegedTest.selector(Map.of("app", "a" + k % 20)))
                            .addNewIngress()
                            .addNewFrom()
                            .withPodSelector(NetworkPolicyPrivilegedTest.selector(Map.of("app", "a" + (k + 1) % 20)))
                            .withNamespaceSelector(NetworkPolicyPrivilegedTest.selector(Map.of("team", "t" + k % 10)))
                            .endFrom()
                            .addNewPort()
                            .withProtocol("TCP")
                            .withNewPort(80 + k % 5)
                            .endPort()
                            .endIngress()
                            .endSpec()
                            .build())
                    .create();
        }
    }

    static NetworkPolicy policy(String name, Map<String, String> selected, Map<String, String> from, int port) {
        return new NetworkPolicyBuilder()
                .withNewMetadata()
                .withNamespace("x")
                .withName(name)
                .endMetadata()
                .withNewSpec()
                .withPodSelector(NetworkPolicyPrivilegedTest.selector(selected))
                .withPolicyTypes("Ingress")
                .addNewIngress()
                .addNewFrom()
                .withPodSelector(NetworkPolicyPrivilegedTest.selector(from))
                .endFrom()
                .addNewPort()
                .withProtocol("TCP")
                .withNewPort(port)
                .endPort()
                .endIngress()
                .endSpec()
                .build();
    }

    static void pod(MockCluster api, String ns, String name, String node, String ip, Map<String, String> labels) {
        Pod p = new PodBuilder()
                .withNewMetadata()
                .withNamespace(ns)
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .withNewSpec()
                .withNodeName(node)
                .addNewContainer()
                .withName("c")
                .withImage("busybox")
                .endContainer()
                .endSpec()
                .withNewStatus()
                .withPhase("Running")
                .withPodIP(ip)
                .addNewPodIP()
                .withIp(ip)
                .endPodIP()
                .endStatus()
                .build();
        api.client.pods().resource(p).create();
    }

    static String ip(long v) {
        return IpAddress.ipv4(v).toString();
    }

    /** True when the kernel's table holds all of the texts. */
    static boolean active(SimulatedCluster cluster, Path node, String... texts) {
        String table;
        try {
            table = cluster.net.exec(node, "nft", "list", "table", "inet", "cni4j_policy");
        } catch (RuntimeException notYet) {
            return false;
        }
        for (String s : texts) {
            if (!table.contains(s)) {
                return false;
            }
        }
        return true;
    }

    /** Nanoseconds from {@code start} until the table shows any of the texts (polled through nft, up to 30 s). */
    static long until(SimulatedCluster cluster, Path node, String text, long start, String... alternatives)
            throws InterruptedException {
        while (System.nanoTime() - start < 30_000_000_000L) {
            String table;
            try {
                table = cluster.net.exec(node, "nft", "list", "table", "inet", "cni4j_policy");
            } catch (RuntimeException e) {
                table = "";
            }
            if (table.contains(text)) {
                return System.nanoTime() - start;
            }
            for (String a : alternatives) {
                if (table.contains(a)) {
                    return System.nanoTime() - start;
                }
            }
            Thread.sleep(2);
        }
        throw new IllegalStateException("not in the table after 30 s: " + text);
    }

    static void report(String what, long[] nanos) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        System.out.printf(
                "%-24s p50 %6.0f ms  p99 %6.0f ms  max %6.0f ms  (%d runs)%n",
                what,
                ms(s[(s.length - 1) / 2]),
                ms(s[Math.min(s.length - 1, (int) Math.ceil(s.length * 0.99) - 1)]),
                ms(s[s.length - 1]),
                s.length);
    }

    static long median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    static double ms(long nanos) {
        return nanos / 1e6;
    }
}
