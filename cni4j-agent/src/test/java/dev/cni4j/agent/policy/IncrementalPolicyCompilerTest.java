package dev.cni4j.agent.policy;

import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.agent.policy.PolicyInfo.IpBlockPeer;
import dev.cni4j.agent.policy.PolicyInfo.Peer;
import dev.cni4j.agent.policy.PolicyInfo.PodPeer;
import dev.cni4j.agent.policy.PolicyInfo.PortSpec;
import dev.cni4j.agent.policy.PolicyInfo.Rule;
import dev.cni4j.net.IpAddress;
import dev.cni4j.net.IpPrefix;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The incremental compiler against the full one, its reference: random sequences of changes over
 * a generated cluster (pods added, relabelled, moved, re-addressed, terminated and deleted;
 * namespaces relabelled, added and deleted; policies added, changed and deleted; our IPAM's
 * addresses and the node's own), and after each step the incremental result must equal
 * {@link PolicyCompiler#compile} of the same snapshot: the same {@link CompiledPolicy}, the same
 * rendered nft state (with and without the rendering options), and the diff from the previous
 * state, applied to it, must give it.
 */
class IncrementalPolicyCompilerTest {
    private static final String NODE = "node-1";
    private static final List<String> NAMESPACES = List.of("ns0", "ns1", "ns2", "ns3");
    private static final NftPolicyRenderer.Options LOGGED_STRICT = new NftPolicyRenderer.Options(5, true);

    /** The cluster as the caller of both compilers sees it. */
    private final Map<String, PodInfo> pods = new LinkedHashMap<>();

    private final Map<String, NamespaceInfo> namespaces = new LinkedHashMap<>();
    private final Map<PolicyRef, PolicyInfo> policies = new LinkedHashMap<>();
    private final Map<String, List<IpAddress>> ipam = new HashMap<>();
    private List<IpAddress> nodeAddresses = List.of(IpAddress.parse("192.168.0.1"));
    private int serial;

    @Test
    void randomChangesGiveWhatAFullCompileGives() {
        for (long seed = 1; seed <= 10; seed++) {
            run(new Random(seed), 200);
        }
    }

    @Test
    void unchangedSetsAndPodsAreTheSameObjectsAndADiffIsSmall() {
        Random r = new Random(99);
        IncrementalPolicyCompiler inc = new IncrementalPolicyCompiler(NODE);
        inc.nodeAddresses(nodeAddresses);
        for (String ns : NAMESPACES) {
            inc.putNamespace(namespace(r, ns));
        }
        for (int i = 0; i < 60; i++) {
            PodInfo p = pod(r, "p" + i);
            inc.putPod("k" + i, p);
        }
        for (int i = 0; i < 15; i++) {
            inc.putPolicy(policy(r, new PolicyRef(NAMESPACES.get(i % 4), "pol" + i)));
        }
        CompiledPolicy before = inc.compiled();
        // a remote pod comes: only sets it joins are new objects, no pod's rules change
        inc.putPod(
                "remote",
                new PodInfo(
                        "uid-remote",
                        "ns1",
                        "remote",
                        "node-2",
                        Map.of("app", "a1"),
                        false,
                        PodInfo.Phase.RUNNING,
                        List.of(IpAddress.parse("10.9.9.9")),
                        List.of()));
        CompiledPolicy after = inc.compiled();
        for (int i = 0; i < before.pods().size(); i++) {
            assertSame(before.pods().get(i), after.pods().get(i));
        }
        after.sets().forEach((id, s) -> {
            boolean joined = s.contains(IpAddress.parse("10.9.9.9"), Protocol.TCP, 0);
            if (!joined && before.sets().containsKey(id) && s instanceof AddressSet.PodAddresses) {
                assertSame(before.sets().get(id), s, id);
            }
        });
        NftPolicyRenderer.Incremental renderer = new NftPolicyRenderer.Incremental(NftPolicyRenderer.Options.DEFAULT);
        NftState a = renderer.state(before), b = renderer.state(after);
        String diff = NftPolicyDiff.script(a, b);
        assertTrue(diff.lines().allMatch(l -> l.startsWith("add element ")), diff);
    }

    private void run(Random r, int steps) {
        pods.clear();
        namespaces.clear();
        policies.clear();
        ipam.clear();
        IncrementalPolicyCompiler inc = new IncrementalPolicyCompiler(NODE);
        inc.nodeAddresses(nodeAddresses);
        // a generated cluster: most namespaces, some pods, a few policies
        for (String ns : NAMESPACES) {
            if (r.nextInt(4) > 0) {
                putNamespace(inc, namespace(r, ns));
            }
        }
        for (int i = 0; i < 25; i++) {
            putPod(inc, "k" + serial++, pod(r, "p" + i));
        }
        for (int i = 0; i < 6; i++) {
            putPolicy(inc, policy(r, new PolicyRef(NAMESPACES.get(r.nextInt(4)), "pol" + i)));
        }
        NftPolicyRenderer.Incremental plain = new NftPolicyRenderer.Incremental(NftPolicyRenderer.Options.DEFAULT);
        NftPolicyRenderer.Incremental options = new NftPolicyRenderer.Incremental(LOGGED_STRICT);
        NftState last = null;
        for (int step = 0; step < steps; step++) {
            String what = step == 0 ? "the generated cluster" : change(r, inc);
            CompiledPolicy full = new PolicyCompiler(NODE, nodeAddresses, ipam).compile(snapshot(r));
            CompiledPolicy got = inc.compiled();
            String where = "step " + step + " (" + what + ")";
            assertEquals(full, got, where);
            NftState state = plain.state(got);
            assertEquals(NftPolicyRenderer.state(full), state, where);
            assertEquals(NftPolicyRenderer.state(full, LOGGED_STRICT), options.state(got), where);
            if (last != null) {
                String diff = NftPolicyDiff.script(last, state);
                assertEquals(state, new NftApplier(last).apply(diff).state(), where + ": " + diff);
            }
            last = state;
        }
    }

    /** The same cluster as a snapshot, in a shuffled order (the full compiler's result does not depend on it). */
    private ClusterSnapshot snapshot(Random r) {
        List<PodInfo> ps = new ArrayList<>(pods.values());
        List<PolicyInfo> pols = new ArrayList<>(policies.values());
        List<NamespaceInfo> nss = new ArrayList<>(namespaces.values());
        Collections.shuffle(ps, r);
        Collections.shuffle(pols, r);
        return new ClusterSnapshot(pols, nss, ps);
    }

    /** One random change, made to both the model and the incremental compiler; what it was. */
    private String change(Random r, IncrementalPolicyCompiler inc) {
        List<String> keys = new ArrayList<>(pods.keySet());
        String key = keys.isEmpty() ? null : keys.get(r.nextInt(keys.size()));
        PodInfo p = key == null ? null : pods.get(key);
        switch (r.nextInt(14)) {
            case 0, 1 -> {
                String k = "k" + serial++;
                putPod(inc, k, pod(r, "p" + r.nextInt(40)));
                return "pod add " + k;
            }
            case 2 -> {
                if (key == null) {
                    return "nothing";
                }
                pods.remove(key);
                inc.removePod(key);
                return "pod delete " + key;
            }
            case 3, 4 -> {
                if (key == null) {
                    return "nothing";
                }
                putPod(inc, key, with(p, labels(r), p.nodeName(), p.phase(), p.podIps(), p.ports()));
                return "pod relabel " + key;
            }
            case 5 -> {
                if (key == null) {
                    return "nothing";
                }
                putPod(inc, key, with(p, p.labels(), p.nodeName(), phase(r), addresses(r), ports(r)));
                return "pod status/ports " + key;
            }
            case 6 -> {
                if (key == null) {
                    return "nothing";
                }
                putPod(inc, key, with(p, p.labels(), nodeName(r), p.phase(), p.podIps(), p.ports()));
                return "pod node " + key;
            }
            case 7 -> {
                String ns = NAMESPACES.get(r.nextInt(NAMESPACES.size()));
                if (r.nextInt(5) == 0) {
                    namespaces.remove(ns);
                    inc.removeNamespace(ns);
                    return "namespace delete " + ns;
                }
                putNamespace(inc, namespace(r, ns));
                return "namespace relabel " + ns;
            }
            case 8, 9 -> {
                PolicyRef ref = new PolicyRef(NAMESPACES.get(r.nextInt(NAMESPACES.size())), "pol" + r.nextInt(10));
                putPolicy(inc, policy(r, ref));
                return "policy add/change " + ref;
            }
            case 10 -> {
                if (policies.isEmpty()) {
                    return "nothing";
                }
                List<PolicyRef> refs = new ArrayList<>(policies.keySet());
                PolicyRef ref = refs.get(r.nextInt(refs.size()));
                policies.remove(ref);
                inc.removePolicy(ref);
                return "policy delete " + ref;
            }
            case 11, 12 -> {
                String uid = "uid" + r.nextInt(40);
                List<IpAddress> a = r.nextInt(3) == 0 ? List.of() : addresses(r);
                if (a.isEmpty()) {
                    ipam.remove(uid);
                } else {
                    ipam.put(uid, a);
                }
                inc.localAddresses(uid, a);
                return "ipam " + uid + " " + a;
            }
            default -> {
                nodeAddresses = r.nextBoolean()
                        ? List.of(IpAddress.parse("192.168.0.1"))
                        : List.of(IpAddress.parse("192.168.0.1"), address(r));
                inc.nodeAddresses(nodeAddresses);
                return "node addresses " + nodeAddresses;
            }
        }
    }

    private void putPod(IncrementalPolicyCompiler inc, String key, PodInfo p) {
        pods.put(key, p);
        inc.putPod(key, p);
    }

    private void putNamespace(IncrementalPolicyCompiler inc, NamespaceInfo ns) {
        namespaces.put(ns.name(), ns);
        inc.putNamespace(ns);
    }

    private void putPolicy(IncrementalPolicyCompiler inc, PolicyInfo p) {
        policies.put(p.ref(), p);
        inc.putPolicy(p);
    }

    // ---- the generator: small label and address spaces, so selectors overlap and addresses clash ----

    private static NamespaceInfo namespace(Random r, String name) {
        Map<String, String> labels = new HashMap<>(Map.of(NamespaceInfo.NAME_LABEL, name));
        if (r.nextInt(3) > 0) {
            labels.put("team", "t" + r.nextInt(3));
        }
        return new NamespaceInfo(name, labels);
    }

    private PodInfo pod(Random r, String name) {
        // a few pods share a namespace and name under two keys (a pod and the placeholder of its successor)
        String uid = r.nextInt(8) == 0 ? null : "uid" + r.nextInt(40) + "-" + serial++;
        String known = "uid" + r.nextInt(40); // the UIDs our IPAM knows, each on one pod at most (UIDs are unique)
        if (uid != null && r.nextInt(3) > 0 && pods.values().stream().noneMatch(q -> known.equals(q.uid()))) {
            uid = known;
        }
        return new PodInfo(
                uid,
                NAMESPACES.get(r.nextInt(NAMESPACES.size())),
                name,
                nodeName(r),
                labels(r),
                r.nextInt(12) == 0,
                phase(r),
                addresses(r),
                ports(r));
    }

    private static PodInfo with(
            PodInfo p,
            Map<String, String> labels,
            String node,
            PodInfo.Phase phase,
            List<IpAddress> ips,
            List<PodInfo.NamedPort> ports) {
        return new PodInfo(p.uid(), p.namespace(), p.name(), node, labels, p.hostNetwork(), phase, ips, ports);
    }

    private static String nodeName(Random r) {
        return switch (r.nextInt(5)) {
            case 0, 1 -> NODE;
            case 2, 3 -> "node-2";
            default -> null;
        };
    }

    private static Map<String, String> labels(Random r) {
        Map<String, String> m = new TreeMap<>();
        if (r.nextInt(4) > 0) {
            m.put("app", "a" + r.nextInt(3));
        }
        if (r.nextBoolean()) {
            m.put("tier", "t" + r.nextInt(2));
        }
        return m;
    }

    private static PodInfo.Phase phase(Random r) {
        return switch (r.nextInt(8)) {
            case 0 -> PodInfo.Phase.PENDING;
            case 1 -> PodInfo.Phase.SUCCEEDED;
            default -> PodInfo.Phase.RUNNING;
        };
    }

    private static IpAddress address(Random r) {
        return r.nextInt(4) == 0
                ? IpAddress.parse("fd00::" + (1 + r.nextInt(12)))
                : IpAddress.parse("10.0.0." + (1 + r.nextInt(40)));
    }

    private static List<IpAddress> addresses(Random r) {
        List<IpAddress> l = new ArrayList<>();
        for (int i = r.nextInt(3); i > 0; i--) {
            l.add(address(r));
        }
        return l;
    }

    private static List<PodInfo.NamedPort> ports(Random r) {
        List<PodInfo.NamedPort> l = new ArrayList<>();
        for (int i = r.nextInt(3); i > 0; i--) {
            l.add(new PodInfo.NamedPort(
                    r.nextInt(4) == 0 ? null : r.nextBoolean() ? "http" : "dns",
                    r.nextBoolean() ? Protocol.TCP : Protocol.UDP,
                    80 + r.nextInt(3)));
        }
        return l;
    }

    private static LabelSelector selector(Random r) {
        return switch (r.nextInt(5)) {
            case 0 -> LabelSelector.ALL;
            case 1 -> LabelSelector.matchLabels(Map.of("app", "a" + r.nextInt(3)));
            case 2 ->
                LabelSelector.of(
                        Map.of(),
                        List.of(new LabelSelector.Requirement("tier", LabelSelector.Operator.EXISTS, new TreeSet<>())));
            case 3 ->
                LabelSelector.of(
                        Map.of(),
                        List.of(new LabelSelector.Requirement(
                                "app", LabelSelector.Operator.NOT_IN, new TreeSet<>(List.of("a" + r.nextInt(3))))));
            default -> LabelSelector.matchLabels(Map.of("app", "a" + r.nextInt(3), "tier", "t" + r.nextInt(2)));
        };
    }

    private static Peer peer(Random r, String namespace) {
        return switch (r.nextInt(5)) {
            case 0 -> new PodPeer(null, namespace, selector(r));
            case 1 ->
                new PodPeer(
                        r.nextBoolean()
                                ? LabelSelector.ALL
                                : LabelSelector.matchLabels(Map.of("team", "t" + r.nextInt(3))),
                        null,
                        selector(r));
            case 2 ->
                new PodPeer(
                        LabelSelector.matchLabels(Map.of(NamespaceInfo.NAME_LABEL, NAMESPACES.get(r.nextInt(4)))),
                        null,
                        selector(r));
            case 3 ->
                new IpBlockPeer(
                        IpPrefix.parse("10.0.0.0/27"),
                        r.nextBoolean() ? List.of() : List.of(IpPrefix.parse("10.0.0.8/29")));
            default -> new IpBlockPeer(IpPrefix.parse("fd00::/120"), List.of());
        };
    }

    private static List<PortSpec> portSpecs(Random r) {
        List<PortSpec> l = new ArrayList<>();
        for (int i = r.nextInt(3); i > 0; i--) {
            Protocol proto = r.nextBoolean() ? Protocol.TCP : Protocol.UDP;
            l.add(
                    switch (r.nextInt(4)) {
                        case 0 -> PortSpec.all(proto);
                        case 1 -> PortSpec.range(proto, 80, 80 + r.nextInt(3));
                        default -> PortSpec.named(proto, r.nextBoolean() ? "http" : "dns");
                    });
        }
        return l;
    }

    private static List<Rule> rules(Random r, String namespace) {
        List<Rule> l = new ArrayList<>();
        for (int i = 0, n = r.nextInt(3); i < n; i++) {
            List<Peer> peers = new ArrayList<>();
            for (int j = r.nextInt(3); j > 0; j--) {
                peers.add(peer(r, namespace));
            }
            l.add(new Rule(i, peers, portSpecs(r)));
        }
        return l;
    }

    private static PolicyInfo policy(Random r, PolicyRef ref) {
        boolean ingress = r.nextInt(4) > 0, egress = !ingress || r.nextBoolean();
        List<String> problems = r.nextInt(6) == 0 ? List.of("ingress rule 0: SCTP is not available") : List.of();
        return new PolicyInfo(
                ref,
                selector(r),
                ingress,
                egress,
                ingress ? rules(r, ref.namespace()) : List.of(),
                egress ? rules(r, ref.namespace()) : List.of(),
                problems);
    }
}
