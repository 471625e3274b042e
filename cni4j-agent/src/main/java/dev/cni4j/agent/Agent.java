package dev.cni4j.agent;

import dev.cni4j.agent.api.ApiErrors;
import dev.cni4j.agent.api.NodeAnnotator;
import dev.cni4j.agent.api.NodeWatcher;
import dev.cni4j.agent.api.WatchCheck;
import dev.cni4j.agent.install.CniInstaller;
import dev.cni4j.agent.policy.PolicyController;
import dev.cni4j.agent.policy.PolicyEndpoints;
import dev.cni4j.agent.route.EgressMasquerade;
import dev.cni4j.agent.route.Forwarding;
import dev.cni4j.agent.route.HostGwBackend;
import dev.cni4j.agent.route.RouteBackend;
import dev.cni4j.agent.route.VxlanBackend;
import dev.cni4j.agent.serve.AgentStatus;
import dev.cni4j.agent.serve.FastPath;
import dev.cni4j.agent.serve.HealthServer;
import dev.cni4j.agent.serve.JsonLog;
import dev.cni4j.agent.serve.Metrics;
import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.firewall.FirewallBackend;
import dev.cni4j.linux.firewall.IptablesBackend;
import dev.cni4j.linux.firewall.NftablesBackend;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.node.PodCidrFile;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.WatcherException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * One running node agent: health endpoint, Node informer, reconciler, all bound to one node
 * network namespace (the host's in production; a test's namespace in tests, so that several
 * agents run in one JVM). {@link #close} stops watching and serving but leaves routes, the
 * VXLAN device, rules and the conflist in place: pods keep their connectivity while the agent
 * restarts.
 * <p>
 * The agent talks to the API through its own client, made from the given one's configuration
 * with {@link ApiErrors} on every request, and checks its Node watch once a second
 * ({@link WatchCheck}); {@code /readyz} says why while Nodes are not listed (the last API error)
 * or the watch has been down for more than {@link #WATCH_DOWN_GRACE_NANOS}.
 */
public final class Agent implements AutoCloseable {
    private final JsonLog log;
    private final AgentStatus status = new AgentStatus();
    private final Metrics metrics;
    private final HealthServer health;
    private final ApiErrors apiErrors;
    static final long WATCH_DOWN_GRACE_NANOS = 10_000_000_000L;
    private KubernetesClient given;
    private volatile KubernetesClient client;
    private ScheduledExecutorService checks;
    private volatile String relistReason; // why the watcher was restarted, until it has re-listed
    private volatile long watchDownSince; // nanoTime the watch was first seen down, 0 while it runs
    private NetNs ns;
    private Rtnl rtnl;
    private Rtnl checkRtnl;
    private NodeWatcher watcher;
    private Reconciler reconciler;
    private FastPath fastPath;
    private PolicyController policy;
    private NetNs policyNs;

    private Agent(AgentConfig config, JsonLog log) {
        this.log = log;
        this.metrics = new Metrics(status, config.hostLocalDataDir());
        this.health = new HealthServer(config.healthAddress(), status, metrics);
        this.apiErrors = new ApiErrors(metrics, log);
    }

    /**
     * Starts an agent. A bad configuration does not throw: the agent serves {@code /readyz}
     * with the problems and programs nothing, so a DaemonSet rollout with a typo shows up as
     * unready pods, not as a crash loop on every node.
     */
    public static Agent start(AgentConfig config, KubernetesClient client) {
        JsonLog log = new JsonLog(config.nodeName());
        Agent a = new Agent(config, log);
        a.status.configProblems(config.problems());
        if (config.valid() && config.networkPolicy()) {
            // before the fast path, whose bridge ADDs register new pods with it
            a.policyNs = config.netns() != null ? NetNs.open(config.netns()) : null;
            a.policy = new PolicyController(
                    client,
                    config.nodeName(),
                    a.policyNs,
                    config.resyncSeconds() * 1000L,
                    log,
                    a.status,
                    a::onPolicyApiError,
                    config.networkPolicyLogDropsPerSecond(),
                    config.networkPolicyCutEstablished());
            PolicyEndpoints.serve(a.policy, a.health, a.metrics);
        }
        if (config.valid() && config.fastPathSocket() != null) {
            var settings = new FastPath.Settings(
                    config.fastPathSocket(), config.netns(), config.fastPathOtherMountNamespaces());
            a.fastPath = a.policy == null
                    ? FastPath.start(settings, log, a.metrics)
                    : FastPath.start(settings, log, a.metrics, a.policy.fastPathHook(a.metrics.pluginCallObserver()));
        }
        if (!config.valid()) {
            log.error("invalid configuration; serving /readyz only", "problems", config.problems());
            a.status.apiProblem(null);
            return a;
        }
        try {
            a.startWorking(config, client);
        } catch (RuntimeException e) {
            a.status.backendProblem("start failed: " + e.getMessage());
            log.error("cannot start", "error", e);
        }
        return a;
    }

    private void startWorking(AgentConfig config, KubernetesClient given) {
        this.given = given;
        client = newClient();
        ns = config.netns() != null ? NetNs.open(config.netns()) : NetNs.current();
        rtnl = Rtnl.open(ns);
        Forwarding forwarding = new Forwarding(ns);
        forwarding.ensureIpv4();
        RouteBackend backend = config.backend().equals("host-gw")
                ? new HostGwBackend(rtnl, config.vtepDevice())
                : new VxlanBackend(rtnl, config.vxlan());
        EgressMasquerade masq = config.firewall().equals("none")
                ? null
                : new EgressMasquerade(firewall(config.firewall(), ns), config.clusterCidr(), config.clusterCidrV6());
        var parts = new Reconciler.Parts(
                config,
                backend,
                masq,
                forwarding,
                new PodCidrFile(config.podCidrFile()),
                new CniInstaller(config.binDir(), config.confDir(), config.conflistName()),
                new NodeAnnotator(() -> client),
                status,
                metrics,
                log);
        // callbacks only fire after watcher.start(), by which time the reconciler exists
        watcher = new NodeWatcher(() -> client, config.resyncSeconds() * 1000L, this::onNodesChanged, this::onApiError);
        reconciler = new Reconciler(parts, watcher::nodes, watcher::synced);
        reconciler.start();
        if (policy != null) {
            policy.start();
            log.info("network policy enforced", "table", dev.cni4j.agent.policy.NftPolicyRenderer.TABLE);
        }
        watcher.start().whenComplete((ok, err) -> {
            if (err == null) {
                onNodesChanged(); // also when the cluster has no Node yet: report "not found"
            }
        });
        checkRtnl = Rtnl.open(ns); // its own socket: the reconciler's is used on the reconciler's thread
        WatchCheck check = new WatchCheck(
                watcher,
                checkRtnl,
                config.watchSilenceSeconds() * 1_000_000_000L,
                config.vtepDevice(),
                this::restartWatch);
        checks = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().name("cni4j-watch-check").daemon().unstarted(r));
        checks.scheduleWithFixedDelay(
                () -> {
                    try {
                        check.tick(System.nanoTime());
                        refreshApiStatus();
                    } catch (RuntimeException e) {
                        log.warn("watch check failed", "error", e);
                    }
                },
                1,
                1,
                TimeUnit.SECONDS);
        log.info(
                "agent started",
                "backend",
                backend.name(),
                "firewall",
                masq == null ? "none" : masq.backendName(),
                "netns",
                ns.path(),
                "healthPort",
                health.port());
    }

    /**
     * A client of the given one's configuration with {@link ApiErrors} on every request, with its own connection pool.
     */
    private KubernetesClient newClient() {
        return new KubernetesClientBuilder()
                .withConfig(given.getConfiguration())
                .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor("cni4j-api-errors", apiErrors))
                .build();
    }

    /** The backend the {@code firewall} setting names ("auto": whichever works), in {@code ns}. */
    static FirewallBackend firewall(String kind, NetNs ns) {
        return switch (kind) {
            case "nftables" -> new NftablesBackend(ns);
            case "iptables" -> IptablesBackend.ipv4(ns);
            default -> FirewallBackend.detect(ns);
        };
    }

    private void onNodesChanged() {
        boolean wasSynced = status.apiSynced();
        refreshApiStatus();
        if (!wasSynced && status.apiSynced()) {
            log.info("node informer synced");
        }
        reconciler.trigger();
    }

    /**
     * Errors the informer itself sees. Failed requests were counted and logged by
     * {@link ApiErrors} already; a watch that ended with an error mid-stream was not.
     */
    private void onApiError(Throwable t) {
        String where = " nodes (" + client.getConfiguration().getMasterUrl().replaceAll("/$", "") + ")";
        apiErrors.informerError((t instanceof WatcherException ? "watch" : "list") + where, t);
        refreshApiStatus();
    }

    /** Restarts the watch (see {@link WatchCheck}), says so until it has re-listed, and redoes set-up then. */
    private void restartWatch(String why, boolean freshConnections) {
        KubernetesClient old = client;
        if (freshConnections) {
            client = newClient();
        }
        watcher.restart();
        if (freshConnections) {
            old.close();
        }
        relistReason = why;
        metrics.watchRestarts.incrementAndGet();
        log.warn("restarted the Node watch", "reason", why);
        refreshApiStatus();
        reconciler.forceFullPass();
    }

    /** /readyz's "api" line: not listed yet (and why), watch down for too long (and why), or nothing. */
    private synchronized void refreshApiStatus() {
        if (watcher == null) {
            return;
        }
        long now = System.nanoTime();
        String cause = apiErrors.recent(now);
        if (!watcher.synced()) {
            String what = relistReason != null
                    ? "re-listing Nodes after the watch was restarted (" + relistReason + ")"
                    : "Nodes not listed yet";
            status.apiProblem(what + (cause == null ? "" : "; last API error: " + cause));
            return;
        }
        relistReason = null;
        if (watcher.watching()) {
            watchDownSince = 0;
        } else if (watchDownSince == 0) {
            watchDownSince = now;
        } else if (now - watchDownSince > WATCH_DOWN_GRACE_NANOS) {
            status.apiProblem("Node watch down for " + (now - watchDownSince) / 1_000_000_000L + " s, reconnecting"
                    + (cause == null ? "" : "; last API error: " + cause));
            return;
        }
        status.apiProblem(null);
    }

    private void onPolicyApiError(Throwable t) {
        metrics.apiErrors.incrementAndGet();
        log.warn("kubernetes API error (network policy informers), retrying", "error", t);
    }

    /** The NetworkPolicy controller (networkPolicy=on), else null. */
    PolicyController policy() {
        return policy;
    }

    public AgentStatus status() {
        return status;
    }

    public Metrics metrics() {
        return metrics;
    }

    public int healthPort() {
        return health.port();
    }

    @Override
    public void close() {
        log.info("stopping; routes and pod networking left in place");
        if (checks != null) {
            checks.shutdownNow();
        }
        if (watcher != null) {
            watcher.close();
        }
        if (reconciler != null) {
            reconciler.close();
        }
        if (fastPath != null) {
            fastPath.close();
        }
        if (policy != null) {
            policy.close(); // its table stays: pods stay policed while the agent restarts
        }
        if (policyNs != null) {
            policyNs.close();
        }
        health.close();
        if (client != null) {
            client.close();
        }
        if (rtnl != null) {
            rtnl.close();
        }
        if (checkRtnl != null) {
            checkRtnl.close();
        }
        if (ns != null) {
            ns.close();
        }
    }
}
