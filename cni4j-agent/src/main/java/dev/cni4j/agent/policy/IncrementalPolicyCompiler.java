package dev.cni4j.agent.policy;

import dev.cni4j.agent.policy.AddressSet.Endpoint;
import dev.cni4j.agent.policy.CompiledPolicy.DirectionRules;
import dev.cni4j.agent.policy.CompiledPolicy.PodRules;
import dev.cni4j.agent.policy.PolicyInfo.IpBlockPeer;
import dev.cni4j.agent.policy.PolicyInfo.Peer;
import dev.cni4j.agent.policy.PolicyInfo.PodPeer;
import dev.cni4j.agent.policy.PolicyInfo.PortSpec;
import dev.cni4j.net.IpAddress;
import dev.cni4j.net.IpPrefix;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The {@link PolicyCompiler} of one node kept up to date change by change: it holds the cluster's
 * pods, namespaces and policies (in our terms) and, on {@link #compiled()}, recomputes only what
 * the changes since the last call touch. Its result equals {@code PolicyCompiler.compile} of the
 * same snapshot (same node, node addresses and IPAM addresses); unchanged address sets and pod
 * rules are the same objects as in the previous result, so renderers can reuse their work
 * ({@link NftPolicyRenderer.Incremental}).
 *
 * <p>What a change touches:
 * <ul>
 *   <li>a pod: the addresses it claims (and, where they were contested, their other claimants),
 *       its membership in every address set in use, and its own rules if it is a local pod;</li>
 *   <li>a namespace: the memberships of its pods (namespace selectors);</li>
 *   <li>a policy: the rules of the local pods of its namespace, and so which sets are in use (a
 *       set coming into use is filled from all pods once; one no rule uses any more goes);</li>
 *   <li>our IPAM's addresses of a pod: as a change of that pod.</li>
 * </ul>
 * Pods are kept by a key of the caller's choice (e.g. the informer's "namespace/name"); two pods
 * under different keys may share a namespace and name, as in a snapshot. Not thread-safe.
 */
final class IncrementalPolicyCompiler {
    private final String node;
    private final TreeSet<IpAddress> nodeAddresses = new TreeSet<>();
    private final Map<String, List<IpAddress>> localAddresses = new HashMap<>();

    private final Map<String, PodInfo> pods = new HashMap<>();
    private final Map<String, NamespaceInfo> namespaces = new HashMap<>();
    private final SortedMap<PolicyRef, PolicyInfo> policies = new TreeMap<>();
    private final Map<String, SortedMap<PolicyRef, PolicyInfo>> policiesByNamespace = new HashMap<>();
    /** Keys of the pods that can be peers (not hostNetwork, not terminated), by namespace and by UID. */
    private final Map<String, Set<String>> podsByNamespace = new HashMap<>();

    private final Map<String, Set<String>> podsByUid = new HashMap<>();

    /** Who claims an address, first claim first: it is the owner. */
    private final Map<IpAddress, TreeSet<Claim>> claims = new HashMap<>();

    private final Map<String, List<Claim>> claimsByPod = new HashMap<>();
    private final Map<IpAddress, String> owners = new HashMap<>();
    private final TreeMap<IpAddress, String> podNames = new TreeMap<>();
    private final Map<IpAddress, List<String>> addressProblems = new HashMap<>();

    private final Map<String, Member> members = new HashMap<>();
    private final TreeMap<PodOrder, LocalPod> local = new TreeMap<>();
    private final Map<String, PodOrder> localOrder = new HashMap<>();
    private final Map<String, ActiveSet> sets = new HashMap<>();
    private final TreeMap<String, AddressSet> setsById = new TreeMap<>();

    private final Set<IpAddress> dirtyAddresses = new HashSet<>();
    private final Set<String> dirtyMembers = new LinkedHashSet<>();
    private final Set<String> dirtyRules = new LinkedHashSet<>();

    /** @param node this node's name */
    public IncrementalPolicyCompiler(String node) {
        this.node = node;
    }

    /** A pod that can be a peer, with the addresses it owns. */
    private record Member(PodInfo pod, NamespaceInfo namespace, List<IpAddress> addresses) {}

    /** The compiler's order of pods (namespace, name, UID), then the key for pods alike in all three. */
    private record PodOrder(String namespace, String name, String uid, String key) implements Comparable<PodOrder> {
        static final Comparator<PodOrder> ORDER = Comparator.comparing(PodOrder::namespace)
                .thenComparing(PodOrder::name)
                .thenComparing(PodOrder::uid)
                .thenComparing(PodOrder::key);

        static PodOrder of(String key, PodInfo p) {
            return new PodOrder(p.namespace(), p.name(), String.valueOf(p.uid()), key);
        }

        @Override
        public int compareTo(PodOrder o) {
            return ORDER.compare(this, o);
        }
    }

    /** One claim on an address: our IPAM's (first) or status.podIPs', by pod order, then position in the pod's list. */
    private record Claim(boolean ipam, PodOrder pod, int index, String fullName, IpAddress address)
            implements Comparable<Claim> {
        @Override
        public int compareTo(Claim o) {
            if (ipam != o.ipam) {
                return ipam ? -1 : 1;
            }
            int c = pod.compareTo(o.pod);
            return c != 0 ? c : Integer.compare(index, o.index);
        }
    }

    private record LocalPod(PodRules rules, List<String> setKeys) {}

    // ---- changes ----

    /** This node's addresses (traffic between them and local pods is always allowed). */
    public void nodeAddresses(Collection<IpAddress> addresses) {
        nodeAddresses.clear();
        nodeAddresses.addAll(addresses);
    }

    /** Our IPAM's addresses of the local pod with this UID; empty or null: none. */
    public void localAddresses(String uid, List<IpAddress> addresses) {
        List<IpAddress> next = addresses == null || addresses.isEmpty() ? null : List.copyOf(addresses);
        List<IpAddress> old = next == null ? localAddresses.remove(uid) : localAddresses.put(uid, next);
        if (Objects.equals(old, next)) {
            return;
        }
        for (String key : podsByUid.getOrDefault(uid, Set.of())) {
            unclaim(key);
            claim(key, pods.get(key));
            dirtyMembers.add(key);
        }
    }

    /** The UIDs our IPAM's addresses are known for. */
    public Set<String> localAddressUids() {
        return Set.copyOf(localAddresses.keySet());
    }

    /** Adds or replaces the pod under {@code key}. */
    public void putPod(String key, PodInfo pod) {
        PodInfo old = pods.put(key, pod);
        if (pod.equals(old)) {
            return;
        }
        if (old != null) {
            detach(key, old);
        }
        attach(key, pod);
    }

    public void removePod(String key) {
        PodInfo old = pods.remove(key);
        if (old != null) {
            detach(key, old);
        }
    }

    public void putNamespace(NamespaceInfo ns) {
        if (ns.equals(namespaces.put(ns.name(), ns))) {
            return;
        }
        dirtyMembers.addAll(podsByNamespace.getOrDefault(ns.name(), Set.of()));
    }

    public void removeNamespace(String name) {
        if (namespaces.remove(name) != null) {
            dirtyMembers.addAll(podsByNamespace.getOrDefault(name, Set.of()));
        }
    }

    /** Adds or replaces the policy of its ref. */
    public void putPolicy(PolicyInfo p) {
        PolicyInfo old = policies.put(p.ref(), p);
        if (p.equals(old)) {
            return;
        }
        policiesByNamespace
                .computeIfAbsent(p.ref().namespace(), k -> new TreeMap<>())
                .put(p.ref(), p);
        localPodsChange(p.ref().namespace());
    }

    public void removePolicy(PolicyRef ref) {
        if (policies.remove(ref) == null) {
            return;
        }
        SortedMap<PolicyRef, PolicyInfo> ns = policiesByNamespace.get(ref.namespace());
        ns.remove(ref);
        if (ns.isEmpty()) {
            policiesByNamespace.remove(ref.namespace());
        }
        localPodsChange(ref.namespace());
    }

    /** The pod under {@code key}, or null. */
    public PodInfo pod(String key) {
        return pods.get(key);
    }

    /** The refs of the policies of a namespace. */
    public Set<PolicyRef> policies(String namespace) {
        return Set.copyOf(
                policiesByNamespace.getOrDefault(namespace, new TreeMap<>()).keySet());
    }

    private void localPodsChange(String namespace) {
        for (String key : podsByNamespace.getOrDefault(namespace, Set.of())) {
            if (node.equals(pods.get(key).nodeName())) {
                dirtyRules.add(key);
            }
        }
    }

    private static boolean eligible(PodInfo p) {
        return !p.hostNetwork() && !p.phase().terminal();
    }

    private void attach(String key, PodInfo p) {
        if (!eligible(p)) {
            return;
        }
        podsByNamespace.computeIfAbsent(p.namespace(), k -> new HashSet<>()).add(key);
        if (p.uid() != null) {
            podsByUid.computeIfAbsent(p.uid(), k -> new HashSet<>()).add(key);
        }
        claim(key, p);
        dirtyMembers.add(key);
        dirtyRules.add(key);
    }

    private void detach(String key, PodInfo p) {
        dirtyMembers.add(key);
        dirtyRules.add(key);
        if (!eligible(p)) {
            return;
        }
        removeIndex(podsByNamespace, p.namespace(), key);
        if (p.uid() != null) {
            removeIndex(podsByUid, p.uid(), key);
        }
        unclaim(key);
    }

    private static void removeIndex(Map<String, Set<String>> index, String k, String key) {
        Set<String> s = index.get(k);
        if (s == null) {
            return;
        }
        s.remove(key);
        if (s.isEmpty()) {
            index.remove(k);
        }
    }

    /** The pod's claims: our IPAM's addresses if it is local, then status.podIPs while Running. */
    private void claim(String key, PodInfo p) {
        PodOrder order = PodOrder.of(key, p);
        List<Claim> mine = new ArrayList<>();
        List<IpAddress> ipam = node.equals(p.nodeName()) && p.uid() != null
                ? localAddresses.getOrDefault(p.uid(), List.of())
                : List.of();
        List<IpAddress> status = p.phase() == PodInfo.Phase.RUNNING ? p.podIps() : List.of();
        for (boolean isIpam : new boolean[] {true, false}) {
            List<IpAddress> addrs = isIpam ? ipam : status;
            for (int i = 0; i < addrs.size(); i++) {
                IpAddress a = addrs.get(i);
                Claim c = new Claim(isIpam, order, i, p.fullName(), a);
                claims.computeIfAbsent(a, k -> new TreeSet<>()).add(c);
                dirtyAddresses.add(a);
                mine.add(c);
            }
        }
        claimsByPod.put(key, mine);
    }

    private void unclaim(String key) {
        List<Claim> mine = claimsByPod.remove(key);
        if (mine == null) {
            return;
        }
        for (Claim c : mine) {
            TreeSet<Claim> s = claims.get(c.address());
            s.remove(c);
            if (s.isEmpty()) {
                claims.remove(c.address());
            }
            dirtyAddresses.add(c.address());
        }
    }

    // ---- the result ----

    /** The compiled state of everything put so far; unchanged parts are the previous result's objects. */
    public CompiledPolicy compiled() {
        flush();
        List<PodRules> rules = new ArrayList<>(local.size());
        for (LocalPod lp : local.values()) {
            rules.add(lp.rules());
        }
        List<String> problems = new ArrayList<>();
        for (List<String> l : addressProblems.values()) {
            problems.addAll(l);
        }
        for (PolicyInfo pol : policies.values()) {
            for (String s : pol.problems()) {
                problems.add("policy " + pol.ref() + ": " + s);
            }
        }
        problems.sort(null);
        return new CompiledPolicy(node, nodeAddresses, setsById, rules, podNames, problems);
    }

    private void flush() {
        // 1. who owns each address whose claims changed
        for (IpAddress a : dirtyAddresses) {
            TreeSet<Claim> cs = claims.get(a);
            String before = owners.get(a);
            String after = cs == null ? null : cs.first().pod().key();
            if (after == null) {
                owners.remove(a);
                podNames.remove(a);
                addressProblems.remove(a);
            } else {
                Claim first = cs.first();
                owners.put(a, after);
                podNames.put(a, first.fullName());
                List<String> problems = new ArrayList<>();
                for (Claim c : cs) {
                    if (c != first && !c.fullName().equals(first.fullName())) {
                        problems.add("address " + a + " of pod " + c.fullName() + " is already pod " + first.fullName()
                                + "'s: ignored");
                    }
                }
                if (problems.isEmpty()) {
                    addressProblems.remove(a);
                } else {
                    addressProblems.put(a, problems);
                }
            }
            if (!Objects.equals(before, after)) {
                if (before != null) {
                    dirtyMembers.add(before);
                }
                if (after != null) {
                    dirtyMembers.add(after);
                }
            }
        }
        dirtyAddresses.clear();
        // 2. members: take the old ones out of every set in use, then put the new ones in
        List<Member[]> changed = new ArrayList<>();
        for (String key : dirtyMembers) {
            Member before = members.get(key), after = member(key);
            if (Objects.equals(before, after)) {
                continue;
            }
            changed.add(new Member[] {before, after});
            if (after == null) {
                members.remove(key);
            } else {
                members.put(key, after);
            }
            if (isLocal(before) || isLocal(after)) {
                dirtyRules.add(key);
            }
        }
        dirtyMembers.clear();
        for (Member[] c : changed) {
            if (c[0] != null) {
                for (ActiveSet s : sets.values()) {
                    s.remove(c[0]);
                }
            }
        }
        for (Member[] c : changed) {
            if (c[1] != null) {
                for (ActiveSet s : sets.values()) {
                    s.add(c[1]);
                }
            }
        }
        // 3. the rules of local pods, and with them which sets are in use
        for (String key : dirtyRules) {
            rules(key);
        }
        dirtyRules.clear();
        for (ActiveSet s : sets.values()) {
            if (s.changed) {
                setsById.put(s.id, s.build());
                s.changed = false;
            }
        }
    }

    private boolean isLocal(Member m) {
        return m != null && node.equals(m.pod().nodeName());
    }

    private Member member(String key) {
        PodInfo p = pods.get(key);
        if (p == null || !eligible(p)) {
            return null;
        }
        TreeSet<IpAddress> mine = new TreeSet<>();
        for (Claim c : claimsByPod.getOrDefault(key, List.of())) {
            if (key.equals(owners.get(c.address()))) {
                mine.add(c.address());
            }
        }
        NamespaceInfo ns = namespaces.get(p.namespace());
        return new Member(p, ns != null ? ns : NamespaceInfo.unknown(p.namespace()), List.copyOf(mine));
    }

    private void rules(String key) {
        Member m = members.get(key);
        PodOrder oldOrder = localOrder.get(key);
        LocalPod old = oldOrder == null ? null : local.get(oldOrder);
        if (!isLocal(m)) {
            if (old != null) {
                local.remove(oldOrder);
                localOrder.remove(key);
                release(old.setKeys());
            }
            return;
        }
        PodInfo p = m.pod();
        List<String> used = new ArrayList<>();
        PolicyCompiler.PeerSets registry = new PolicyCompiler.PeerSets() {
            @Override
            public String peerSet(Peer peer) {
                return use(PolicyCompiler.peerKey(peer), peer, null, used);
            }

            @Override
            public String namedPortSet(Peer peer, PortSpec s) {
                return use(PolicyCompiler.namedPortKey(peer, s), peer, s, used);
            }
        };
        Collection<PolicyInfo> mine =
                policiesByNamespace.getOrDefault(p.namespace(), new TreeMap<>()).values();
        DirectionRules in = PolicyCompiler.direction(p, Direction.INGRESS, mine, registry);
        DirectionRules out = PolicyCompiler.direction(p, Direction.EGRESS, mine, registry);
        if (old != null) { // keep the previous objects where nothing changed
            if (in.equals(old.rules().ingress())) {
                in = old.rules().ingress();
            }
            if (out.equals(old.rules().egress())) {
                out = old.rules().egress();
            }
        }
        PodRules r = new PodRules(PolicyCompiler.podId(p), p.namespace(), p.name(), p.uid(), m.addresses(), in, out);
        if (old != null && r.equals(old.rules())) {
            r = old.rules();
        }
        PodOrder order = PodOrder.of(key, p);
        if (oldOrder != null) {
            local.remove(oldOrder);
        }
        local.put(order, new LocalPod(r, used));
        localOrder.put(key, order);
        if (old != null) {
            release(old.setKeys());
        }
    }

    /** A set a rule uses: counted, and filled from every member when it comes into use. */
    private String use(String key, Peer peer, PortSpec named, List<String> used) {
        ActiveSet s = sets.get(key);
        if (s == null) {
            s = new ActiveSet(key, peer, named);
            AddressSet clash = setsById.get(s.id);
            if (clash != null) {
                throw new IllegalStateException("set id collision: " + clash.key() + " / " + key);
            }
            for (Member m : members.values()) {
                s.add(m);
            }
            sets.put(key, s);
            setsById.put(s.id, s.build());
            s.changed = false;
        }
        s.users++;
        used.add(key);
        return s.id;
    }

    private void release(List<String> keys) {
        for (String key : keys) {
            ActiveSet s = sets.get(key);
            if (--s.users == 0) {
                sets.remove(key);
                setsById.remove(s.id);
            }
        }
    }

    /** An address set some local pod's rule uses, with its members kept current. */
    private static final class ActiveSet {
        final String key, id;
        final PodPeer pods; // a pod peer's set, or the pods of a named-port set (null: any pod)
        final List<IpPrefix> block; // an ipBlock's set, or the block of a named-port set
        final PortSpec named;
        final TreeSet<IpAddress> addresses = new TreeSet<>();
        final TreeSet<Endpoint> endpoints = new TreeSet<>();
        int users;
        boolean changed;

        ActiveSet(String key, Peer peer, PortSpec named) {
            this.key = key;
            this.named = named;
            this.pods = peer instanceof PodPeer pp ? pp : null;
            this.block = peer instanceof IpBlockPeer ib ? Cidrs.subtract(ib.cidr(), ib.except()) : null;
            char kind = named != null ? 'n' : pods != null ? 'p' : 'c';
            this.id = PolicyCompiler.id(kind, key);
        }

        void add(Member m) {
            change(m, true);
        }

        void remove(Member m) {
            change(m, false);
        }

        private void change(Member m, boolean add) {
            if (named == null) {
                if (pods == null || !selects(pods, m)) {
                    return; // an ipBlock's set does not follow pods
                }
                for (IpAddress a : m.addresses()) {
                    changed |= add ? addresses.add(a) : addresses.remove(a);
                }
                return;
            }
            if (pods != null && !selects(pods, m)) {
                return;
            }
            for (PodInfo.NamedPort np : m.pod().ports()) {
                if (!named.name().equals(np.name()) || np.protocol() != named.protocol()) {
                    continue;
                }
                for (IpAddress a : m.addresses()) {
                    if (block != null && block.stream().noneMatch(p -> p.contains(a))) {
                        continue;
                    }
                    Endpoint e = new Endpoint(a, np.protocol(), np.port());
                    changed |= add ? endpoints.add(e) : endpoints.remove(e);
                }
            }
        }

        AddressSet build() {
            if (named != null) {
                return new AddressSet.NamedPorts(id, key, endpoints);
            }
            if (pods != null) {
                return new AddressSet.PodAddresses(id, key, addresses);
            }
            return new AddressSet.Cidrs(id, key, block);
        }

        private static boolean selects(PodPeer pp, Member m) {
            boolean nsMatch = pp.namespaceSelector() == null
                    ? pp.namespace().equals(m.pod().namespace())
                    : pp.namespaceSelector().matches(m.namespace().labels());
            return nsMatch && pp.podSelector().matches(m.pod().labels());
        }
    }
}
