package dev.cni4j.agent.policy;

import dev.cni4j.net.IpAddress;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ContainerPortBuilder;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.networking.v1.IPBlock;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyEgressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicySpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The upstream conformance model (kubernetes test/e2e/network/netpol) as API objects: namespaces
 * x, y, z (label kubernetes.io/metadata.name), pods a, b, c in each (label pod=name), one
 * container per port (80, 81) and protocol (TCP, UDP, SCTP) with a container port named
 * serve-PORT-PROTO; dual-stack pod IPs. Pods a and c run on node-1, pods b on node-2, so each
 * namespace spans both nodes and every pair is decided by two compiled states (the source's node
 * for egress, the destination's for ingress), unless {@link #oneNode} puts them all on node-1.
 * As a {@link NetpolScenario} it validates every matrix with the pods on two nodes and on one,
 * each twice: through explain and through the rendered nft tables ({@link NftSimulator}).
 */
final class NetpolModel implements NetpolScenario {
    static final List<String> NAMESPACES = List.of("x", "y", "z");
    static final List<String> PODS = List.of("a", "b", "c");
    static final String NODE1 = "node-1";
    static final String NODE2 = "node-2";
    static final Map<String, List<IpAddress>> NODE_IPS = Map.of(
            NODE1, List.of(IpAddress.parse("192.168.0.1"), IpAddress.parse("fd00:ffff::1")),
            NODE2, List.of(IpAddress.parse("192.168.0.2"), IpAddress.parse("fd00:ffff::2")));

    final Map<String, Namespace> namespaces = new LinkedHashMap<>();
    final Map<String, Pod> pods = new LinkedHashMap<>();
    final Map<String, NetworkPolicy> policies = new TreeMap<>();
    boolean oneNode;

    NetpolModel() {
        for (String ns : NAMESPACES) {
            namespaces.put(
                    ns,
                    new NamespaceBuilder()
                            .withNewMetadata()
                            .withName(ns)
                            .withLabels(Map.of(NamespaceInfo.NAME_LABEL, ns))
                            .endMetadata()
                            .build());
            for (String p : PODS) {
                pods.put(ns + "/" + p, pod(ns, p));
            }
        }
    }

    static List<String> allPods() {
        List<String> all = new ArrayList<>();
        for (String ns : NAMESPACES) {
            for (String p : PODS) {
                all.add(ns + "/" + p);
            }
        }
        return all;
    }

    static IpAddress ipOf(String pod, boolean v6) {
        int ns = NAMESPACES.indexOf(pod.substring(0, 1)) + 1;
        int p = PODS.indexOf(pod.substring(2)) + 1;
        return v6 ? IpAddress.parse("fd00:10:" + ns + "::" + p) : IpAddress.parse("10.244." + ns + "." + p);
    }

    String nodeOf(String pod) {
        return oneNode || !pod.endsWith("/b") ? NODE1 : NODE2;
    }

    private static Pod pod(String ns, String name) {
        List<io.fabric8.kubernetes.api.model.Container> containers = new ArrayList<>();
        for (int port : new int[] {80, 81}) {
            for (String proto : new String[] {"TCP", "UDP", "SCTP"}) {
                containers.add(new ContainerBuilder()
                        .withName("cont-" + port + "-" + proto.toLowerCase())
                        .withPorts(new ContainerPortBuilder()
                                .withName("serve-" + port + "-" + proto.toLowerCase())
                                .withContainerPort(port)
                                .withProtocol(proto)
                                .build())
                        .build());
            }
        }
        String full = ns + "/" + name;
        return new PodBuilder()
                .withNewMetadata()
                .withNamespace(ns)
                .withName(name)
                .withUid("uid-" + ns + "-" + name)
                .withLabels(new TreeMap<>(Map.of("pod", name)))
                .endMetadata()
                .withNewSpec()
                .withNodeName(name.equals("b") ? NODE2 : NODE1)
                .withContainers(containers)
                .endSpec()
                .withNewStatus()
                .withPhase("Running")
                .withPodIP(ipOf(full, false).toString())
                .withPodIPs(
                        new PodIP(ipOf(full, false).toString()),
                        new PodIP(ipOf(full, true).toString()))
                .endStatus()
                .build();
    }

    @Override
    public void create(NetworkPolicy p) {
        policies.put(p.getMetadata().getNamespace() + "/" + p.getMetadata().getName(), p);
    }

    @Override
    public void delete(String ns, String name) {
        policies.remove(ns + "/" + name);
    }

    @Override
    public void labelNamespace(String ns, String key, String value) {
        namespaces.get(ns).getMetadata().getLabels().put(key, value);
    }

    @Override
    public void labelPod(String pod, String key, String value) {
        pods.get(pod).getMetadata().getLabels().put(key, value);
    }

    @Override
    public String ip(String pod, boolean v6) {
        return ipOf(pod, v6).toString();
    }

    @Override
    public List<String> namespaceCidrs(String ns, boolean v6) {
        int n = NAMESPACES.indexOf(ns) + 1;
        return List.of(v6 ? "fd00:10:" + n + "::/48" : "10.244." + n + ".0/24");
    }

    /**
     * Upstream's ValidateOrFail, on each family given, with the pods on two nodes and on one, through explain and the
     * rendered nft.
     */
    @Override
    public void validate(int port, Protocol proto, Reachability expected, boolean[] families) {
        StringBuilder failures = new StringBuilder();
        for (boolean one : new boolean[] {false, true}) {
            for (boolean v6 : families) {
                oneNode = one;
                for (boolean dataplane : new boolean[] {false, true}) {
                    Reachability actual = dataplane ? probeDataplane(port, proto, v6) : probe(port, proto, v6);
                    String diff = expected.differences(actual);
                    if (!diff.isEmpty()) {
                        failures.append(port)
                                .append('/')
                                .append(proto)
                                .append(v6 ? " IPv6" : " IPv4")
                                .append(one ? " one node" : " two nodes")
                                .append(dataplane ? " rendered nft" : " explain")
                                .append(":\n")
                                .append(diff)
                                .append("expected:\n")
                                .append(expected)
                                .append("actual:\n")
                                .append(actual);
                    }
                }
            }
        }
        oneNode = false;
        if (!failures.isEmpty()) {
            throw new AssertionError(failures.toString());
        }
    }

    ClusterSnapshot snapshot() {
        List<Pod> ps = new ArrayList<>(pods.values());
        if (oneNode) {
            ps.forEach(p -> p.getSpec().setNodeName(NODE1));
        } else {
            ps.forEach(p -> p.getSpec().setNodeName(p.getMetadata().getName().equals("b") ? NODE2 : NODE1));
        }
        return ApiObjects.snapshot(policies.values(), namespaces.values(), ps);
    }

    Map<String, CompiledPolicy> compile() {
        ClusterSnapshot s = snapshot();
        Map<String, CompiledPolicy> out = new TreeMap<>();
        for (String node : List.of(NODE1, NODE2)) {
            out.put(node, new PolicyCompiler(node, NODE_IPS.get(node), Map.of()).compile(s));
        }
        return out;
    }

    /** What the compiled states say for every ordered pair (loopback included; the caller ignores it). */
    Reachability probe(int port, Protocol proto, boolean v6) {
        Map<String, CompiledPolicy> compiled = compile();
        Reachability r = new Reachability(false);
        for (String from : allPods()) {
            for (String to : allPods()) {
                IpAddress src = ipOf(from, v6);
                IpAddress dst = ipOf(to, v6);
                Explanation e = compiled.get(nodeOf(from)).explain(src, dst, port, proto);
                Explanation i = compiled.get(nodeOf(to)).explain(src, dst, port, proto);
                if (e.egress().verdict() == Explanation.Verdict.NOT_EVALUATED
                        || i.ingress().verdict() == Explanation.Verdict.NOT_EVALUATED) {
                    throw new AssertionError("a local pod was not evaluated: " + e + "\n" + i);
                }
                r.expect(
                        from,
                        to,
                        e.egress().verdict() == Explanation.Verdict.ALLOWED
                                && i.ingress().verdict() == Explanation.Verdict.ALLOWED);
            }
        }
        return r;
    }

    /**
     * The same matrix from the rendered nft tables, run through {@link NftSimulator} on each node the packet crosses.
     */
    Reachability probeDataplane(int port, Protocol proto, boolean v6) {
        Map<String, NftSimulator> nodes = new TreeMap<>();
        compile().forEach((node, c) -> nodes.put(node, new NftSimulator(NftPolicyRenderer.state(c))));
        Reachability r = new Reachability(false);
        for (String from : allPods()) {
            for (String to : allPods()) {
                IpAddress src = ipOf(from, v6);
                IpAddress dst = ipOf(to, v6);
                boolean ok = nodes.get(nodeOf(from)).forward(src, dst, proto, port);
                if (!nodeOf(to).equals(nodeOf(from))) {
                    ok &= nodes.get(nodeOf(to)).forward(src, dst, proto, port);
                }
                r.expect(from, to, ok);
            }
        }
        return r;
    }

    // ---- API object helpers, after upstream's policies.go ----

    static io.fabric8.kubernetes.api.model.LabelSelector labels(String... kv) {
        Map<String, String> m = new TreeMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return new LabelSelectorBuilder().withMatchLabels(m).build();
    }

    static io.fabric8.kubernetes.api.model.LabelSelector expression(String key, String op, String... values) {
        return new LabelSelectorBuilder()
                .withMatchExpressions(new LabelSelectorRequirementBuilder()
                        .withKey(key)
                        .withOperator(op)
                        .withValues(values.length == 0 ? null : List.of(values))
                        .build())
                .build();
    }

    static io.fabric8.kubernetes.api.model.LabelSelector nsIs(String ns) {
        return labels(NamespaceInfo.NAME_LABEL, ns);
    }

    /** A policy in {@code ns} selecting {@code target}; add rules with {@link #ingress}/{@link #egress}. */
    static NetworkPolicy policy(String ns, String name, io.fabric8.kubernetes.api.model.LabelSelector target) {
        NetworkPolicy p = new NetworkPolicy();
        p.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder()
                .withNamespace(ns)
                .withName(name)
                .build());
        NetworkPolicySpec spec = new NetworkPolicySpec();
        spec.setPodSelector(target);
        spec.setPolicyTypes(new ArrayList<>());
        p.setSpec(spec);
        return p;
    }

    /** Upstream's SetSpecIngressRules: these rules (none = deny) and Ingress in policyTypes. */
    static NetworkPolicy ingress(NetworkPolicy p, NetworkPolicyIngressRule... rules) {
        p.getSpec().setIngress(new ArrayList<>(List.of(rules)));
        p.getSpec().getPolicyTypes().add("Ingress");
        return p;
    }

    static NetworkPolicy egress(NetworkPolicy p, NetworkPolicyEgressRule... rules) {
        p.getSpec().setEgress(new ArrayList<>(List.of(rules)));
        p.getSpec().getPolicyTypes().add("Egress");
        return p;
    }

    static NetworkPolicyIngressRule from(List<NetworkPolicyPeer> peers, NetworkPolicyPort... ports) {
        NetworkPolicyIngressRule r = new NetworkPolicyIngressRule();
        r.setFrom(peers);
        r.setPorts(List.of(ports));
        return r;
    }

    static NetworkPolicyEgressRule to(List<NetworkPolicyPeer> peers, NetworkPolicyPort... ports) {
        NetworkPolicyEgressRule r = new NetworkPolicyEgressRule();
        r.setTo(peers);
        r.setPorts(List.of(ports));
        return r;
    }

    static NetworkPolicyPeer peer(
            io.fabric8.kubernetes.api.model.LabelSelector namespaces,
            io.fabric8.kubernetes.api.model.LabelSelector pods) {
        NetworkPolicyPeer p = new NetworkPolicyPeer();
        p.setNamespaceSelector(namespaces);
        p.setPodSelector(pods);
        return p;
    }

    static NetworkPolicyPeer block(String cidr, String... except) {
        NetworkPolicyPeer p = new NetworkPolicyPeer();
        p.setIpBlock(new IPBlock(cidr, except.length == 0 ? null : List.of(except)));
        return p;
    }

    static NetworkPolicyPort port(String proto, int port) {
        NetworkPolicyPort p = new NetworkPolicyPort();
        p.setProtocol(proto);
        p.setPort(new IntOrString(port));
        return p;
    }

    static NetworkPolicyPort range(String proto, int port, int end) {
        NetworkPolicyPort p = port(proto, port);
        p.setEndPort(end);
        return p;
    }

    static NetworkPolicyPort named(String proto, String name) {
        NetworkPolicyPort p = new NetworkPolicyPort();
        p.setProtocol(proto);
        p.setPort(new IntOrString(name));
        return p;
    }

    static NetworkPolicyPort protocolOnly(String proto) {
        NetworkPolicyPort p = new NetworkPolicyPort();
        p.setProtocol(proto);
        return p;
    }
}
