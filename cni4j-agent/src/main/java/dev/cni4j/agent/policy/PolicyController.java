package dev.cni4j.agent.policy;

import dev.cni4j.agent.serve.AgentStatus;
import dev.cni4j.agent.serve.JsonLog;
import dev.cni4j.daemon.RequestObserver;
import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.firewall.Nft;
import dev.cni4j.linux.rtnl.Address;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.net.IpAddress;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Enforces Kubernetes NetworkPolicy on this node (setting {@code networkPolicy=on}): informers on
 * NetworkPolicies, Namespaces and Pods (all of them: selectors reach across nodes). The controller
 * keeps the cluster in our terms in an {@link IncrementalPolicyCompiler}: an informer event only
 * notes the object's key; a debounced ({@value #DEBOUNCE_MILLIS} ms) rebuild converts the noted
 * objects from the informers' caches (the newest version; gone from the cache = deleted), hands
 * them to the compiler, which recomputes only what they touch, renders only what changed
 * ({@link NftPolicyRenderer.Incremental}) and applies the difference to what was applied last
 * ({@link NftPolicyDiff}) as one nft transaction in table {@value NftPolicyRenderer#TABLE}. The
 * first rebuild loads every object of the caches; so does the next one after a rebuild threw.
 * Informer resyncs (an update with an unchanged resourceVersion) note nothing; instead every
 * resync period a rebuild runs anyway (it also re-reads the node's addresses).
 *
 * <p>The first apply (after all three informers synced, so a partial cache never opens what the
 * table from before a restart closes) replaces the table's whole content in one transaction
 * ({@link NftPolicyRenderer#fullScript}): no flush, no window, no other table touched. A
 * transaction nft refuses leaves the table as it was (nothing opens), is reported on
 * {@code /readyz} and the log, and the next rebuild replaces the whole table again. Policies the
 * compiler cannot take over in part are warnings on {@code /readyz}; their bad rules allow
 * nothing.
 *
 * <p>New local pods: the fast path's bridge ADD hands the pod's addresses from the CNI result
 * ({@link #fastPathHook}); they are programmed before the ADD returns to the runtime. A pod the
 * informer does not know yet is isolated in both directions while its namespace has any policy,
 * until the informer delivers it (it cannot be told apart from a selected one without its labels).
 *
 * <p>Established connections: kept by default (replies pass through {@code ct state established}).
 * With {@code networkPolicyEstablished=cut}, every applied change is followed, on the same thread,
 * by {@link EstablishedConnections#cut}: the conntrack entries the new state denies are deleted.
 * With {@code networkPolicyLogDrops}, each pod chain logs its drops rate-limited under a prefix
 * {@link #dropLogPrefixes} resolves to the pod ({@code /policy/drops}).
 */
public final class PolicyController implements AutoCloseable {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    static final long DEBOUNCE_MILLIS = 50;
    /** How long a bridge ADD waits for the informer to know its pod (the kubelet created it well before). */
    static final long POD_WAIT_MILLIS = 2000;
    /**
     * The label the placeholder of a pod not yet in the informer carries (a key no API object can hold: it has our own
     * prefix).
     */
    static final String PENDING_LABEL = "cni4j.dev/pending-pod";

    private final String node;
    private final long resyncMillis;
    private final NetNs ns;
    private final JsonLog log;
    private final AgentStatus status;
    private final NftPolicyRenderer.Options options;
    private final boolean cutEstablished;
    public final AtomicLong connectionsCut = new AtomicLong();
    private final SharedIndexInformer<NetworkPolicy> policies;
    private final SharedIndexInformer<Namespace> namespaces;
    private final SharedIndexInformer<Pod> pods;
    private final ScheduledExecutorService worker = Executors.newSingleThreadScheduledExecutor(
            r -> Thread.ofPlatform().daemon().name("cni4j-policy").unstarted(r));
    private final AtomicBoolean scheduled = new AtomicBoolean();
    /** The informer keys of the objects changed since the last rebuild. */
    private final Set<String> changedPods = ConcurrentHashMap.newKeySet(),
            changedNamespaces = ConcurrentHashMap.newKeySet(),
            changedPolicies = ConcurrentHashMap.newKeySet();
    /** Addresses our CNI ADDs gave local pods, by pod UID, with the pod's name for placeholders. */
    private final Map<String, LocalPod> localPods = new ConcurrentHashMap<>();

    public final AtomicLong applies = new AtomicLong();
    final AtomicLong applyErrors = new AtomicLong();
    private final Object lock = new Object();
    private NftState applied; // under lock: what the table holds, null before the first apply or after a failure
    private IncrementalPolicyCompiler compiler; // under lock: null until the next rebuild loads the caches
    private NftPolicyRenderer.Incremental renderer; // under lock, with compiler
    private final Set<String> placeholders =
            new HashSet<>(); // under lock: UIDs of the local pods with a placeholder in compiler
    private volatile CompiledPolicy compiled;
    private volatile List<String> reported = List.of();

    private record LocalPod(String namespace, String name, List<IpAddress> addresses) {}

    /**
     * @param ns   the node network namespace the table lives in (null: the agent's own)
     * @param onApiError each API error of the informers (they retry)
     */
    public PolicyController(
            KubernetesClient client,
            String node,
            NetNs ns,
            long resyncMillis,
            JsonLog log,
            AgentStatus status,
            Consumer<Throwable> onApiError) {
        this(client, node, ns, resyncMillis, log, status, onApiError, 0, false);
    }

    /**
     * @param logDropsPerSecond 0: no drop log; else the rate each pod chain logs its drops at
     * @param cutEstablished    delete the conntrack entries of connections a change denies
     */
    public PolicyController(
            KubernetesClient client,
            String node,
            NetNs ns,
            long resyncMillis,
            JsonLog log,
            AgentStatus status,
            Consumer<Throwable> onApiError,
            int logDropsPerSecond,
            boolean cutEstablished) {
        this.options = new NftPolicyRenderer.Options(logDropsPerSecond, cutEstablished);
        this.cutEstablished = cutEstablished;
        this.node = node;
        this.resyncMillis = resyncMillis;
        this.ns = ns;
        this.log = log;
        this.status = status;
        policies = client.network().v1().networkPolicies().inAnyNamespace().runnableInformer(resyncMillis);
        namespaces = client.namespaces().runnableInformer(resyncMillis);
        pods = client.pods().inAnyNamespace().runnableInformer(resyncMillis);
        for (SharedIndexInformer<?> i : List.of(policies, namespaces, pods)) {
            i.exceptionHandler((started, t) -> {
                onApiError.accept(t);
                return true;
            });
        }
        policies.addEventHandler(changes(changedPolicies, o -> {}));
        namespaces.addEventHandler(changes(changedNamespaces, o -> {}));
        pods.addEventHandler(changes(changedPods, p -> {
            if (p.getMetadata().getUid() != null) {
                localPods.remove(p.getMetadata().getUid());
            }
        }));
        status.policyProblem("informers not synced yet");
    }

    /** Notes the key of each changed object (a resync's update of an unchanged one is none) and triggers a rebuild. */
    private <T extends HasMetadata> ResourceEventHandler<T> changes(Set<String> changed, Consumer<T> onDelete) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T o) {
                changed(o);
            }

            @Override
            public void onUpdate(T old, T o) {
                String v = o.getMetadata().getResourceVersion();
                if (v == null || !v.equals(old.getMetadata().getResourceVersion())) {
                    changed(o);
                }
            }

            @Override
            public void onDelete(T o, boolean unknownFinalState) {
                onDelete.accept(o);
                changed(o);
            }

            private void changed(T o) {
                changed.add(Cache.metaNamespaceKeyFunc(o));
                trigger();
            }
        };
    }

    /** Starts the informers in the background; the first apply follows their sync. */
    public void start() {
        // the first apply once all three have listed (their events may all come before the last sync)
        java.util.concurrent.CompletableFuture.allOf(
                        policies.start().toCompletableFuture(),
                        namespaces.start().toCompletableFuture(),
                        pods.start().toCompletableFuture())
                .thenRun(this::trigger);
        worker.scheduleWithFixedDelay(this::checkTable, resyncMillis, resyncMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * Every resync period: if our table is gone (someone ran {@code nft flush ruleset}), the next
     * rebuild writes it whole again; diffs alone would never notice. Then a rebuild in any case
     * (no change noted: it costs a few ms, and picks up a change of the node's addresses).
     */
    private void checkTable() {
        synchronized (lock) {
            if (applied == null) {
                return;
            }
            try {
                if (Nft.tryRun(ns, "list table " + NftPolicyRenderer.TABLE + "\n", "-j")
                        .ok()) {
                    trigger();
                    return;
                }
            } catch (RuntimeException e) {
                return; // nft not runnable now: the next apply reports it
            }
            log.warn("network policy table missing; writing it again", "table", NftPolicyRenderer.TABLE);
            applied = null;
        }
        trigger();
    }

    boolean synced() {
        return policies.hasSynced() && namespaces.hasSynced() && pods.hasSynced();
    }

    /** A rebuild within {@value #DEBOUNCE_MILLIS} ms (several changes in that time make one). */
    void trigger() {
        if (scheduled.compareAndSet(false, true)) {
            try {
                worker.schedule(
                        () -> {
                            scheduled.set(false);
                            rebuild();
                        },
                        DEBOUNCE_MILLIS,
                        TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                scheduled.set(false);
            }
        }
    }

    /**
     * Brings the compiled state up to date with the changes noted since the last time and applies its difference;
     * never throws.
     */
    void rebuild() {
        synchronized (lock) {
            if (!synced()) {
                return;
            }
            try {
                if (compiler == null) {
                    load();
                } else {
                    drain();
                }
                compiler.nodeAddresses(nodeAddresses());
                syncLocalPods();
                CompiledPolicy next = compiler.compiled();
                NftState state = renderer.state(next);
                String script = applied == null
                        ? NftPolicyRenderer.fullScript(state, options)
                        : NftPolicyDiff.script(applied, state);
                if (!script.isEmpty()) {
                    Nft.Result r = Nft.tryRun(ns, script);
                    if (!r.ok()) {
                        failed(
                                "nft refused the policy transaction: "
                                        + r.stderr().trim(),
                                applied == null ? "full" : "incremental");
                        return;
                    }
                    applies.incrementAndGet();
                }
                if (applied == null) {
                    log.info(
                            "network policy table programmed",
                            "table",
                            NftPolicyRenderer.TABLE,
                            "pods",
                            next.pods().size());
                }
                applied = state;
                compiled = next;
                status.policyProblem(null);
                report(next.problems());
                if (cutEstablished && !script.isEmpty()) {
                    cutDenied(next);
                }
            } catch (RuntimeException e) {
                compiler = null; // it may hold half a change: load everything again next time
                failed("policy rebuild failed: " + e.getMessage(), applied == null ? "full" : "incremental");
            }
        }
    }

    private static final String POD = "pod ", PLACEHOLDER = "placeholder ";

    /** Under lock: a new compiler holding every object of the informers' caches. */
    private void load() {
        changedPods.clear();
        changedNamespaces.clear();
        changedPolicies.clear();
        compiler = new IncrementalPolicyCompiler(node);
        renderer = new NftPolicyRenderer.Incremental(options);
        placeholders.clear();
        for (Namespace n : namespaces.getStore().list()) {
            compiler.putNamespace(ApiObjects.namespace(n));
        }
        for (NetworkPolicy np : policies.getStore().list()) {
            compiler.putPolicy(ApiObjects.policy(np));
        }
        for (Pod p : pods.getStore().list()) {
            compiler.putPod(POD + Cache.metaNamespaceKeyFunc(p), ApiObjects.pod(p));
        }
    }

    /** Under lock: the objects noted as changed, as the caches hold them now, into the compiler. */
    private void drain() {
        for (String key : take(changedNamespaces)) {
            Namespace n = namespaces.getStore().getByKey(key);
            if (n == null) {
                compiler.removeNamespace(key);
            } else {
                compiler.putNamespace(ApiObjects.namespace(n));
            }
        }
        for (String key : take(changedPolicies)) {
            NetworkPolicy np = policies.getStore().getByKey(key);
            if (np != null) {
                compiler.putPolicy(ApiObjects.policy(np));
            } else if (key.indexOf('/') > 0) {
                compiler.removePolicy(
                        new PolicyRef(key.substring(0, key.indexOf('/')), key.substring(key.indexOf('/') + 1)));
            }
        }
        for (String key : take(changedPods)) {
            refreshPod(key);
        }
    }

    private void refreshPod(String key) {
        Pod p = pods.getStore().getByKey(key);
        if (p == null) {
            compiler.removePod(POD + key);
        } else {
            compiler.putPod(POD + key, ApiObjects.pod(p));
        }
    }

    private static List<String> take(Set<String> changed) {
        List<String> out = new ArrayList<>();
        for (String k : changed) {
            if (changed.remove(k)) {
                out.add(k);
            }
        }
        return out;
    }

    /**
     * Under lock: our IPAM's addresses of local pods into the compiler, and a placeholder for each
     * local pod the compiler does not know yet while its namespace has policies: a pod isolated
     * both ways (node traffic still passes) by a policy of its own, until the informer delivers it.
     */
    private void syncLocalPods() {
        Map<String, LocalPod> now = Map.copyOf(localPods);
        for (String uid : compiler.localAddressUids()) {
            if (!now.containsKey(uid)) {
                compiler.localAddresses(uid, null);
            }
        }
        Set<String> wanted = new HashSet<>();
        now.forEach((uid, lp) -> {
            compiler.localAddresses(uid, lp.addresses());
            String key = lp.namespace() + "/" + lp.name();
            if (!known(uid, key)) {
                refreshPod(key); // its event may still be on its way from the cache
            }
            if (known(uid, key)) {
                return;
            }
            for (PolicyRef ref : compiler.policies(lp.namespace())) {
                if (!ref.name().startsWith(PLACEHOLDER_POLICY)) {
                    wanted.add(uid);
                    break;
                }
            }
        });
        for (String uid : List.copyOf(placeholders)) {
            if (wanted.contains(uid)) {
                continue;
            }
            PodInfo p = compiler.pod(PLACEHOLDER + uid);
            compiler.removePod(PLACEHOLDER + uid);
            if (p != null) {
                compiler.removePolicy(new PolicyRef(p.namespace(), PLACEHOLDER_POLICY + uid));
            }
            placeholders.remove(uid);
        }
        for (String uid : wanted) {
            if (!placeholders.add(uid)) {
                continue;
            }
            LocalPod lp = now.get(uid);
            compiler.putPod(
                    PLACEHOLDER + uid,
                    new PodInfo(
                            uid,
                            lp.namespace(),
                            lp.name(),
                            node,
                            Map.of(PENDING_LABEL, "true"),
                            false,
                            PodInfo.Phase.PENDING,
                            List.of(),
                            List.of()));
            compiler.putPolicy(new PolicyInfo(
                    new PolicyRef(lp.namespace(), PLACEHOLDER_POLICY + uid),
                    LabelSelector.matchLabels(Map.of(PENDING_LABEL, "true")),
                    true,
                    true,
                    List.of(),
                    List.of(),
                    List.of()));
        }
    }

    /** The name prefix of a placeholder's policy. */
    private static final String PLACEHOLDER_POLICY = "cni4j-pod-not-yet-known-";

    /** Under lock: whether the compiler holds the pod of this UID from the informer. */
    private boolean known(String uid, String key) {
        PodInfo p = compiler.pod(POD + key);
        return p != null && uid.equals(p.uid());
    }

    /**
     * After an apply: connections the new state denies lose their conntrack entries; a failure is logged, not retried.
     */
    private void cutDenied(CompiledPolicy next) {
        try {
            EstablishedConnections.Sweep s = EstablishedConnections.cut(ns, next);
            connectionsCut.addAndGet(s.cut());
            if (s.cut() > 0) {
                log.info("network policy: established connections cut", "cut", s.cut(), "examined", s.examined());
            }
        } catch (RuntimeException e) {
            log.error("network policy: cannot cut established connections", "error", e);
        }
    }

    /**
     * Each drop log prefix of the table (without its trailing space) to the pod and direction
     * whose chain logs under it, from the state last applied; empty when drops are not logged.
     */
    Map<String, String> dropLogPrefixes() {
        Map<String, String> m = new java.util.TreeMap<>();
        CompiledPolicy c = compiled;
        if (c == null || options.logDropsPerSecond() == 0) {
            return m;
        }
        for (CompiledPolicy.PodRules p : c.pods()) {
            for (dev.cni4j.agent.policy.Direction d : dev.cni4j.agent.policy.Direction.values()) {
                if (!p.direction(d).isolated()) {
                    continue;
                }
                m.put(
                        NftPolicyRenderer.dropLogPrefix(NftPolicyRenderer.chainName(p, d))
                                .trim(),
                        p.fullName() + " " + (d == dev.cni4j.agent.policy.Direction.INGRESS ? "ingress" : "egress"));
            }
        }
        return m;
    }

    /** Under lock: the table keeps its old content (nothing opens); next time the whole table is replaced. */
    private void failed(String problem, String kind) {
        applyErrors.incrementAndGet();
        applied = null;
        status.policyProblem(problem);
        log.error(
                "network policy not applied; the table keeps its previous rules",
                "transaction",
                kind,
                "error",
                problem);
        try {
            worker.schedule(this::trigger, 2, TimeUnit.SECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // stopping
        }
    }

    private void report(List<String> problems) {
        if (problems.equals(reported)) {
            return;
        }
        reported = problems;
        status.policyWarnings(problems);
        for (String p : problems) {
            log.warn("network policy problem (such rules allow nothing)", "problem", p);
        }
    }

    /** Every address of the node namespace (the bridge's gateway address is where node-to-pod traffic comes from). */
    private List<IpAddress> nodeAddresses() {
        List<IpAddress> out = new ArrayList<>();
        try (NetNs here = ns == null ? NetNs.current() : null;
                Rtnl rtnl = Rtnl.open(ns == null ? here : ns)) {
            for (Address a : rtnl.addresses().list()) {
                IpAddress ip = IpAddress.of(a.address());
                if (!ip.isLoopback() && !ip.isLinkLocalUnicast()) {
                    out.add(ip);
                }
            }
        }
        return out;
    }

    /**
     * A local pod's addresses from our CNI ADD: registered, and its rules applied before this
     * returns (so before the runtime starts its containers). Waits up to {@value #POD_WAIT_MILLIS}
     * ms for the informers (synced, and knowing the pod); a pod still unknown then is isolated
     * while its namespace has policies (see {@link #syncLocalPods}).
     */
    void podAdded(String uid, String namespace, String name, List<IpAddress> addresses) {
        localPods.put(uid, new LocalPod(namespace, name, List.copyOf(addresses)));
        long end = System.nanoTime() + POD_WAIT_MILLIS * 1_000_000;
        while (System.nanoTime() < end && !(synced() && known(uid, namespace, name))) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        changedPods.add(namespace + "/" + name); // the cache knows it; its event may come later
        rebuild();
    }

    private boolean known(String uid, String namespace, String name) {
        Pod p = pods.getStore().getByKey(namespace + "/" + name);
        return p != null && uid.equals(p.getMetadata().getUid());
    }

    /** A local pod's CNI DEL: its addresses are no longer its own. */
    void podDeleted(String uid) {
        if (localPods.remove(uid) != null) {
            trigger();
        }
    }

    /**
     * The fast path's hook: {@code metrics} first told as before, then for a successful bridge
     * ADD the pod's addresses (from the result) are registered and programmed before the reply
     * goes out; a bridge DEL forgets them. Pods are identified by CNI_ARGS K8S_POD_NAMESPACE,
     * K8S_POD_NAME and K8S_POD_UID (without a UID: the informer's pod of that name).
     */
    public RequestObserver fastPathHook(RequestObserver metrics) {
        return new RequestObserver() {
            @Override
            public void beforeReply(String type, Map<String, String> env, byte[] stdout, int exitCode) {
                metrics.beforeReply(type, env, stdout, exitCode);
                if (!"bridge".equals(type)) {
                    return;
                }
                try {
                    onBridge(env, stdout, exitCode);
                } catch (RuntimeException e) {
                    log.error("network policy: cannot register a pod from its CNI call", "error", e);
                }
            }

            @Override
            public void served(String type, String command, int exitCode, long nanos) {
                metrics.served(type, command, exitCode, nanos);
            }

            @Override
            public void declined(Decline reason) {
                metrics.declined(reason);
            }
        };
    }

    private void onBridge(Map<String, String> env, byte[] stdout, int exitCode) {
        Map<String, String> args = cniArgs(env.getOrDefault("CNI_ARGS", ""));
        String namespace = args.get("K8S_POD_NAMESPACE"), name = args.get("K8S_POD_NAME");
        String uid = args.get("K8S_POD_UID");
        if (namespace == null || name == null) {
            return; // not a Kubernetes pod
        }
        if (uid == null) {
            Pod p = pods.getStore().getByKey(namespace + "/" + name);
            if (p == null) {
                return;
            }
            uid = p.getMetadata().getUid();
        }
        String command = env.getOrDefault("CNI_COMMAND", "");
        if (command.equals("DEL")) {
            podDeleted(uid);
        } else if (command.equals("ADD") && exitCode == 0) {
            List<IpAddress> ips = resultAddresses(stdout);
            if (!ips.isEmpty()) {
                podAdded(uid, namespace, name, ips);
            }
        }
    }

    /** "K=V;K=V" as the runtime passes CNI_ARGS. */
    static Map<String, String> cniArgs(String text) {
        Map<String, String> m = new HashMap<>();
        for (String kv : text.split(";")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                m.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
            }
        }
        return m;
    }

    /** The addresses of a CNI result (0.3.0+ "ips", or 0.1/0.2 "ip4"/"ip6"); none if it is no result. */
    public static List<IpAddress> resultAddresses(byte[] stdout) {
        List<IpAddress> out = new ArrayList<>();
        JsonNode r = JSON.readTree(new String(stdout, StandardCharsets.UTF_8));
        List<String> cidrs = new ArrayList<>();
        if (r.has("ips")) {
            for (JsonNode ip : r.get("ips")) {
                if (ip.has("address")) {
                    cidrs.add(ip.get("address").asString());
                }
            }
        }
        for (String f : List.of("ip4", "ip6")) {
            if (r.has(f) && r.get(f).has("ip")) {
                cidrs.add(r.get(f).get("ip").asString());
            }
        }
        for (String c : cidrs) {
            IpAddress a = IpAddress.tryParse(c.contains("/") ? c.substring(0, c.indexOf('/')) : c);
            if (a != null) {
                out.add(a);
            }
        }
        return out;
    }

    /** The state last compiled and applied, or null before the first apply. */
    public CompiledPolicy compiled() {
        return compiled;
    }

    /**
     * Why a connection is allowed or denied on this node, from the state the table holds; null before the first apply.
     */
    public Explanation explain(IpAddress src, IpAddress dst, int port, Protocol protocol) {
        CompiledPolicy c = compiled;
        return c == null ? null : c.explain(src, dst, port, protocol);
    }

    /** Our table as nft's JSON, or null if there is none (yet). */
    String listTableJson() {
        Nft.Result r = Nft.tryRun(ns, "list table " + NftPolicyRenderer.TABLE, "-j");
        return r.ok() ? r.stdout() : null;
    }

    /** Removes our table (uninstall); nothing else. True if it was there. */
    public static boolean removeTable(NetNs ns) {
        Nft.Result r;
        try {
            r = Nft.tryRun(ns, "list table " + NftPolicyRenderer.TABLE);
        } catch (java.io.UncheckedIOException noNft) {
            return false; // no nft on the node: no table of ours either
        }
        if (!r.ok()) {
            return false;
        }
        Nft.run(ns, "delete table " + NftPolicyRenderer.TABLE + "\n");
        return true;
    }

    @Override
    public void close() {
        policies.stop();
        namespaces.stop();
        pods.stop();
        worker.shutdownNow();
    }
}
