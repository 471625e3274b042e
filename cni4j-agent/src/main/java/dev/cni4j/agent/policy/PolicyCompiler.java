package dev.cni4j.agent.policy;

import dev.cni4j.agent.policy.AddressSet.Endpoint;
import dev.cni4j.agent.policy.CompiledPolicy.AllowRule;
import dev.cni4j.agent.policy.CompiledPolicy.DirectionRules;
import dev.cni4j.agent.policy.CompiledPolicy.PodRules;
import dev.cni4j.agent.policy.CompiledPolicy.PortRange;
import dev.cni4j.agent.policy.PolicyInfo.IpBlockPeer;
import dev.cni4j.agent.policy.PolicyInfo.Peer;
import dev.cni4j.agent.policy.PolicyInfo.PodPeer;
import dev.cni4j.agent.policy.PolicyInfo.PortSpec;
import dev.cni4j.agent.policy.PolicyInfo.Rule;
import dev.cni4j.net.IpAddress;
import dev.cni4j.net.IpPrefix;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiPredicate;

/**
 * Compiles a {@link ClusterSnapshot} into the {@link CompiledPolicy} of one node.
 *
 * <p>Semantics (networking.k8s.io/v1): a policy isolates the pods its podSelector selects in its
 * namespace, for each direction of its policyTypes; what passes is the union of the rules of all
 * policies isolating the pod in that direction. A rule matches one of its peers (none = every
 * peer) and one of its ports (none = every port). A pod peer selects by namespace (the policy's
 * own, or a namespace selector) AND pod selector; an ipBlock matches what it says, pod IPs
 * included. A named port is resolved on the destination pod: the local pod itself for ingress,
 * each peer pod for egress (into {@code addr . proto . port} sets). Pods that are hostNetwork or
 * terminated are never peers; a pod's addresses are its status.podIPs while Running plus, on this
 * node, what our IPAM gave it (so it is policed before the kubelet reports its IP).
 */
public final class PolicyCompiler {
    private final String node;
    private final List<IpAddress> nodeAddresses;
    private final Map<String, List<IpAddress>> localAddresses;

    /**
     * @param node           this node's name
     * @param nodeAddresses  this node's addresses (traffic between them and local pods is always allowed)
     * @param localAddresses our IPAM's addresses of local pods, by pod UID
     */
    public PolicyCompiler(
            String node, Collection<IpAddress> nodeAddresses, Map<String, List<IpAddress>> localAddresses) {
        this.node = node;
        this.nodeAddresses = List.copyOf(nodeAddresses);
        this.localAddresses = Map.copyOf(localAddresses);
    }

    public CompiledPolicy compile(ClusterSnapshot snapshot) {
        return new Run(snapshot).compile();
    }

    /** A pod that can be a peer: not hostNetwork, not terminated, with its addresses. */
    private record Member(PodInfo pod, NamespaceInfo namespace, List<IpAddress> addresses) {}

    /** One compilation: the memoized sets live as long as it. */
    private final class Run implements PeerSets {
        private final ClusterSnapshot snapshot;
        private final List<String> problems = new ArrayList<>();
        private final List<Member> members = new ArrayList<>();
        private final Map<String, NamespaceInfo> namespaces = new HashMap<>();
        private final SortedMap<String, AddressSet> setsById = new TreeMap<>();
        private final Map<String, AddressSet> setsByKey = new HashMap<>();

        Run(ClusterSnapshot snapshot) {
            this.snapshot = snapshot;
        }

        CompiledPolicy compile() {
            for (NamespaceInfo ns : snapshot.namespaces()) {
                namespaces.put(ns.name(), ns);
            }
            List<PodInfo> pods = new ArrayList<>();
            for (PodInfo p : snapshot.pods()) {
                if (!p.hostNetwork() && !p.phase().terminal()) {
                    pods.add(p);
                }
            }
            pods.sort(Comparator.comparing(PodInfo::namespace)
                    .thenComparing(PodInfo::name)
                    .thenComparing(p -> String.valueOf(p.uid())));
            // who has an address: first what our IPAM gave local pods (it is current), then status.podIPs
            // of Running pods (a stale pod object may still name an address already reused here)
            SortedMap<IpAddress, String> podNames = new TreeMap<>();
            Map<PodInfo, List<IpAddress>> kept = new java.util.IdentityHashMap<>();
            for (boolean ipam : new boolean[] {true, false}) {
                for (PodInfo p : pods) {
                    boolean isLocal = node.equals(p.nodeName());
                    List<IpAddress> claims = ipam
                            ? (isLocal && p.uid() != null ? localAddresses.getOrDefault(p.uid(), List.of()) : List.of())
                            : (p.phase() == PodInfo.Phase.RUNNING ? p.podIps() : List.of());
                    List<IpAddress> mine = kept.computeIfAbsent(p, k -> new ArrayList<>());
                    for (IpAddress a : claims) {
                        String other = podNames.putIfAbsent(a, p.fullName());
                        if (other == null) {
                            mine.add(a);
                        } else if (!other.equals(p.fullName())) {
                            problems.add("address " + a + " of pod " + p.fullName() + " is already pod " + other
                                    + "'s: ignored");
                        }
                    }
                }
            }
            List<Member> local = new ArrayList<>();
            for (PodInfo p : pods) {
                List<IpAddress> addrs = new ArrayList<>(new TreeSet<>(kept.get(p)));
                Member m = new Member(p, namespace(p.namespace()), addrs);
                members.add(m);
                if (node.equals(p.nodeName())) {
                    local.add(m);
                }
            }
            List<PolicyInfo> policies = new ArrayList<>(snapshot.policies());
            policies.sort(Comparator.comparing(PolicyInfo::ref));
            for (PolicyInfo pol : policies) {
                for (String s : pol.problems()) {
                    problems.add("policy " + pol.ref() + ": " + s);
                }
            }
            List<PodRules> rules = new ArrayList<>();
            for (Member m : local) {
                PodInfo p = m.pod();
                rules.add(new PodRules(
                        podId(p),
                        p.namespace(),
                        p.name(),
                        p.uid(),
                        m.addresses(),
                        direction(p, Direction.INGRESS, policies, this),
                        direction(p, Direction.EGRESS, policies, this)));
            }
            problems.sort(null);
            return new CompiledPolicy(node, new TreeSet<>(nodeAddresses), setsById, rules, podNames, problems);
        }

        private NamespaceInfo namespace(String name) {
            NamespaceInfo ns = namespaces.get(name);
            return ns != null ? ns : NamespaceInfo.unknown(name);
        }

        @Override
        public String peerSet(Peer peer) {
            String key = peerKey(peer);
            AddressSet known = setsByKey.get(key);
            if (known != null) {
                return known.id();
            }
            AddressSet set = switch (peer) {
                case PodPeer pp -> {
                    TreeSet<IpAddress> ips = new TreeSet<>();
                    for (Member m : members) {
                        if (selects(pp, m)) {
                            ips.addAll(m.addresses());
                        }
                    }
                    yield new AddressSet.PodAddresses(id('p', key), key, ips);
                }
                case IpBlockPeer ib -> new AddressSet.Cidrs(id('c', key), key, Cidrs.subtract(ib.cidr(), ib.except()));
            };
            return register(set);
        }

        @Override
        public String namedPortSet(Peer peer, PortSpec s) {
            String key = namedPortKey(peer, s);
            AddressSet known = setsByKey.get(key);
            if (known != null) {
                return known.id();
            }
            BiPredicate<Member, IpAddress> inPeer = switch (peer) {
                case null -> (m, a) -> true;
                case PodPeer pp -> (m, a) -> selects(pp, m);
                case IpBlockPeer ib -> {
                    List<IpPrefix> block = Cidrs.subtract(ib.cidr(), ib.except());
                    yield (m, a) -> block.stream().anyMatch(p -> p.contains(a));
                }
            };
            TreeSet<Endpoint> endpoints = new TreeSet<>();
            for (Member m : members) {
                for (PodInfo.NamedPort np : m.pod().ports()) {
                    if (!s.name().equals(np.name()) || np.protocol() != s.protocol()) {
                        continue;
                    }
                    for (IpAddress a : m.addresses()) {
                        if (inPeer.test(m, a)) {
                            endpoints.add(new Endpoint(a, np.protocol(), np.port()));
                        }
                    }
                }
            }
            return register(new AddressSet.NamedPorts(id('n', key), key, endpoints));
        }

        private String register(AddressSet set) {
            AddressSet clash = setsById.putIfAbsent(set.id(), set);
            if (clash != null) {
                throw new IllegalStateException("set id collision: " + clash.key() + " / " + set.key());
            }
            setsByKey.put(set.key(), set);
            return set.id();
        }

        private boolean selects(PodPeer pp, Member m) {
            boolean nsMatch = pp.namespaceSelector() == null
                    ? pp.namespace().equals(m.pod().namespace())
                    : pp.namespaceSelector().matches(m.namespace().labels());
            return nsMatch && pp.podSelector().matches(m.pod().labels());
        }
    }

    /**
     * Where rules get their peer sets from: the id of the set of a peer, or of a named port
     * resolved on the pods a peer selects; each call registers the set with its user.
     */
    interface PeerSets {
        /** The set id of {@code peer} (not null). */
        String peerSet(Peer peer);

        /** The set id of named port {@code s} on the pods {@code peer} selects (null: any pod). */
        String namedPortSet(Peer peer, PortSpec s);
    }

    /**
     * One direction of one local pod: isolated by the policies of its namespace that select it
     * for {@code d}, allowing the union of their rules.
     *
     * @param policies sorted by ref (those of other namespaces are skipped)
     */
    static DirectionRules direction(PodInfo pod, Direction d, Iterable<PolicyInfo> policies, PeerSets sets) {
        List<PolicyRef> isolating = new ArrayList<>();
        List<AllowRule> allow = new ArrayList<>();
        for (PolicyInfo pol : policies) {
            if (!pol.ref().namespace().equals(pod.namespace())
                    || !pol.podSelector().matches(pod.labels())) {
                continue;
            }
            if (!(d == Direction.INGRESS ? pol.ingress() : pol.egress())) {
                continue;
            }
            isolating.add(pol.ref());
            for (Rule r : d == Direction.INGRESS ? pol.ingressRules() : pol.egressRules()) {
                compileRule(pol.ref(), r, d, pod, allow, sets);
            }
        }
        return isolating.isEmpty() ? DirectionRules.OPEN : new DirectionRules(true, isolating, allow);
    }

    private static void compileRule(
            PolicyRef ref, Rule r, Direction d, PodInfo pod, List<AllowRule> out, PeerSets sets) {
        List<Peer> peers = r.peers().isEmpty() ? java.util.Collections.singletonList(null) : r.peers();
        if (r.ports().isEmpty()) {
            for (Peer peer : peers) {
                out.add(new AllowRule(ref, r.index(), peer == null ? null : sets.peerSet(peer), List.of()));
            }
            return;
        }
        LinkedHashSet<PortRange> numeric = new LinkedHashSet<>();
        List<PortSpec> named = new ArrayList<>();
        for (PortSpec s : r.ports()) {
            if (!s.isNamed()) {
                numeric.add(new PortRange(s.protocol(), s.port(), s.endPort()));
            } else if (d == Direction.INGRESS) {
                // ingress: the destination is this pod; an unknown name matches nothing
                for (PodInfo.NamedPort np : pod.ports()) {
                    if (s.name().equals(np.name()) && s.protocol() == np.protocol()) {
                        numeric.add(new PortRange(np.protocol(), np.port(), np.port()));
                    }
                }
            } else {
                named.add(s);
            }
        }
        if (!numeric.isEmpty()) {
            for (Peer peer : peers) {
                out.add(new AllowRule(ref, r.index(), peer == null ? null : sets.peerSet(peer), List.copyOf(numeric)));
            }
        }
        for (PortSpec s : named) {
            for (Peer peer : peers) {
                out.add(new AllowRule(ref, r.index(), sets.namedPortSet(peer, s), List.of()));
            }
        }
    }

    /** The canonical text of a named port on a peer's pods (null peer: any pod). */
    static String namedPortKey(Peer peer, PortSpec s) {
        StringBuilder k = new StringBuilder("named ");
        LabelSelector.quote(k, s.name());
        k.append('/').append(s.protocol().nftName()).append(" of ").append(peer == null ? "any pod" : peerKey(peer));
        return k.toString();
    }

    /** The canonical text of a peer: equal for peers that select the same way. */
    static String peerKey(Peer peer) {
        StringBuilder sb = new StringBuilder();
        switch (peer) {
            case PodPeer pp -> {
                sb.append("pods ");
                if (pp.namespaceSelector() == null) {
                    sb.append("namespace ");
                    LabelSelector.quote(sb, pp.namespace());
                } else {
                    sb.append("namespaces ").append(pp.namespaceSelector().canonical());
                }
                sb.append(" pods ").append(pp.podSelector().canonical());
            }
            case IpBlockPeer ib -> {
                sb.append("cidr ").append(ib.cidr());
                List<IpPrefix> except = new ArrayList<>(ib.except());
                except.sort(Comparator.comparing(IpPrefix::address).thenComparingInt(IpPrefix::length));
                String last = null;
                for (IpPrefix e : except) {
                    String t = e.toString();
                    if (t.equals(last)) {
                        continue;
                    }
                    sb.append(" except ").append(t);
                    last = t;
                }
            }
        }
        return sb.toString();
    }

    /** {@code prefix} and 16 hex digits of the SHA-256 of {@code key}: a name safe in nft scripts. */
    static String id(char prefix, String key) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return prefix + HexFormat.of().formatHex(h, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String podId(PodInfo p) {
        return id('q', p.uid() != null ? "uid " + p.uid() : "pod " + p.fullName());
    }
}
