package dev.cni4j.agent;

import dev.cni4j.agent.api.ClusterNode;
import dev.cni4j.agent.api.NodeAnnotator;
import dev.cni4j.agent.api.Topology;
import dev.cni4j.agent.install.CniInstaller;
import dev.cni4j.agent.route.EgressMasquerade;
import dev.cni4j.agent.route.Forwarding;
import dev.cni4j.agent.route.RouteBackend;
import dev.cni4j.agent.serve.AgentStatus;
import dev.cni4j.agent.serve.JsonLog;
import dev.cni4j.agent.serve.Metrics;
import dev.cni4j.net.IpPrefix;
import dev.cni4j.node.DefaultConflist;
import dev.cni4j.node.PodCidrFile;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Brings the node in line with the informer cache, on one thread: pod CIDR file, backend set-up
 * and annotations, routes to every peer, masquerade, and last the conflist (its presence tells
 * the runtime the network is ready). Events are coalesced; a full pass (set-up and masquerade
 * re-applied too) also runs every resync period to repair what someone else changed.
 * Errors are reported, never fatal: existing routes and pods stay as they are.
 */
final class Reconciler implements AutoCloseable {
    /** Everything a pass needs; grouped so the constructor stays readable. */
    record Parts(
            AgentConfig config,
            RouteBackend backend,
            EgressMasquerade masquerade,
            Forwarding forwarding,
            PodCidrFile podCidrFile,
            CniInstaller installer,
            NodeAnnotator annotator,
            AgentStatus status,
            Metrics metrics,
            JsonLog log) {}

    private final Parts p;
    private final Supplier<List<Node>> nodes;
    private final Supplier<Boolean> synced;
    private final ScheduledThreadPoolExecutor loop = new ScheduledThreadPoolExecutor(
            1, r -> Thread.ofPlatform().name("cni4j-reconciler").daemon().unstarted(r));
    private final AtomicBoolean queued = new AtomicBoolean();
    private volatile boolean needFullPass = true;
    private String lastSetUpFor; // "<podCIDRs> <InternalIP> <IPv6 InternalIP>" the backend was set up for
    private String lastReport = ""; // to log only changes
    private long retrySeconds = 1; // after a failed pass: 1, 2, 4 ... up to the resync period
    private String lastFailure; // logged once, not at every retry
    private Map<String, String> annotations = Map.of(); // what this node publishes, from the last set-up
    private String annotationFailure; // the PATCH's error while it fails (logged once)
    private long annotationFailingSince; // nanoTime of its first failure
    private long annotationRetrySeconds = 1;

    public Reconciler(Parts parts, Supplier<List<Node>> nodes, Supplier<Boolean> synced) {
        loop.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
        this.p = parts;
        this.nodes = nodes;
        this.synced = synced;
    }

    /** Starts the periodic full pass. */
    public void start() {
        long period = p.config().resyncSeconds();
        loop.scheduleWithFixedDelay(
                () -> {
                    needFullPass = true;
                    trigger();
                },
                period,
                period,
                TimeUnit.SECONDS);
    }

    /** Requests a pass that also redoes set-up (the node's addresses changed under the agent). */
    public void forceFullPass() {
        needFullPass = true;
        trigger();
    }

    /** Requests a pass soon; many requests within the debounce window make one pass. */
    public void trigger() {
        if (queued.compareAndSet(false, true)) {
            try {
                loop.schedule(this::runOnce, 100, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closed) {
                queued.set(false);
            }
        }
    }

    private void runOnce() {
        queued.set(false);
        if (!synced.get()) {
            return; // no view of the cluster (yet, or while re-listing): the API problem is reported
        }
        long t0 = System.nanoTime();
        p.status().passStarted(t0);
        p.metrics().reconcileRuns.incrementAndGet();
        try {
            pass();
            retrySeconds = 1;
            if (lastFailure != null) {
                p.log().info("reconcile recovered", "after", lastFailure);
            }
            lastFailure = null;
        } catch (RuntimeException e) {
            p.metrics().reconcileErrors.incrementAndGet();
            p.status().backendProblem(e.getMessage());
            // the same failure again (an underlay address gone until the Node's InternalIP follows) is logged once
            if (!String.valueOf(e.getMessage()).equals(lastFailure)) {
                p.log().error("reconcile failed, retrying", "error", e, "retryInSeconds", retrySeconds);
            }
            lastFailure = String.valueOf(e.getMessage());
            needFullPass = true; // redo set-up next time
            retryIn(retrySeconds);
            retrySeconds = Math.min(retrySeconds * 2, p.config().resyncSeconds());
        } finally {
            p.status().passEnded();
            p.metrics().reconcileEnded((System.nanoTime() - t0) / 1e9, System.currentTimeMillis() / 1e3);
        }
    }

    private void retryIn(long seconds) {
        try {
            loop.schedule(this::trigger, seconds, TimeUnit.SECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // closed meanwhile: no retry wanted
        }
    }

    private void pass() {
        List<Node> all = nodes.get();
        List<ClusterNode> cluster = all.stream().map(ClusterNode::from).toList();
        Topology topo = Topology.of(
                p.config().nodeName(),
                cluster,
                p.config().clusterCidr(),
                p.config().clusterCidrV6());
        p.metrics().nodesKnown.set(cluster.size());
        p.metrics().nodesSkipped.set(topo.skipped().size());
        p.status().skippedNodes(topo.skipped());
        p.status().ipv6SkippedNodes(topo.ipv6Skipped());
        p.status().selfProblem(topo.selfProblem());
        p.status().selfWarning(topo.selfWarning());
        if (topo.selfProblem() != null) {
            report("this node cannot serve pods", Map.of("reason", topo.selfProblem()));
            return; // keep whatever routes exist: pods already running keep working
        }
        ClusterNode self = topo.self();
        p.podCidrFile()
                .write(self.podCidrs().stream()
                        .map(c -> IpPrefix.parse(c.toString()))
                        .toList());
        String setUpKey = self.podCidrs() + " " + self.internalIp() + " " + self.internalIpV6();
        if (needFullPass || !setUpKey.equals(lastSetUpFor)) {
            needFullPass = false;
            if (self.podCidrV6() != null) {
                p.forwarding().ensureIpv6();
            }
            annotations = p.backend().setUp(self);
            if (p.masquerade() != null) {
                p.masquerade().apply();
            }
            lastSetUpFor = setUpKey;
        }
        publishAnnotations(all.stream()
                .filter(n -> n.getMetadata().getName().equals(self.name()))
                .findFirst()
                .orElseThrow());
        RouteBackend.SyncResult r = p.backend().sync(topo.peers());
        p.metrics().routesProgrammed.set(r.routes());
        p.metrics().entriesRemoved.addAndGet(r.removed());
        if (!r.errors().isEmpty()) {
            p.metrics().reconcileErrors.incrementAndGet();
        }
        p.status().syncErrors(r.errors());
        p.status().pendingNodes(r.pending());
        p.status().backendProblem(null);
        p.status().routesProgrammed(true);
        if (p.installer().writeConflist(conflist())) {
            p.log().info("conflist written", "path", p.installer().conflistPath());
        }
        p.status().conflistWritten(true);
        if (r.removed() > 0) {
            p.log().info("removed entries of nodes that left", "count", r.removed());
        }
        report(
                "reconciled",
                Map.of(
                        "backend",
                        p.backend().name(),
                        "routes",
                        r.routes(),
                        "peers",
                        topo.peers().stream().map(ClusterNode::name).toList(),
                        "skipped",
                        topo.skipped(),
                        "pending",
                        r.pending(),
                        "errors",
                        r.errors()));
    }

    /**
     * Patches this node's annotations when the cached Node lacks them. A failure (a restarted API
     * server answers 403 for a second or so, until its RBAC cache has filled) does not fail the
     * pass: routes and the conflist do not depend on it. It is logged once, retried in a second,
     * and blocks readiness only when it lasts ({@link AgentStatus#ANNOTATION_GRACE_NANOS}).
     */
    private void publishAnnotations(Node own) {
        try {
            if (p.annotator().ensure(own, annotations)) {
                p.log().info("published node annotations", "annotations", annotations);
            }
            if (annotationFailure != null) {
                p.log().info("node annotations published again");
            }
            annotationFailure = null;
            p.status().annotationProblem(null, 0);
        } catch (KubernetesClientException e) {
            String why = e.getCode() > 0 && e.getStatus() != null
                    ? "HTTP " + e.getCode() + ": " + e.getStatus().getMessage()
                    : String.valueOf(e.getMessage());
            if (annotationFailure == null) {
                annotationFailingSince = System.nanoTime();
                annotationRetrySeconds = 1;
                p.log().warn("cannot publish node annotations, retrying", "error", why);
            }
            annotationFailure = why;
            p.status().annotationProblem("cannot publish this node's annotations: " + why, annotationFailingSince);
            retryIn(annotationRetrySeconds);
            annotationRetrySeconds =
                    Math.min(annotationRetrySeconds * 2, p.config().resyncSeconds());
        }
    }

    private String conflist() {
        if (p.config().conflistFile() == null) {
            return CniInstaller.defaultConflist(
                    p.config().networkName(),
                    p.config().conflistCniVersion(),
                    p.backend().podMtu(),
                    p.config().podCidrFile().toString(),
                    p.config().hostLocalDataDir().toString(),
                    p.config().networkPolicy());
        }
        try {
            String file = Files.readString(p.config().conflistFile());
            String version = p.config().conflistCniVersion();
            return version == null ? file : DefaultConflist.withCniVersion(file, version);
        } catch (IOException e) {
            throw new IllegalStateException(
                    "cannot read conflist " + p.config().conflistFile() + ": " + e.getMessage(), e);
        }
    }

    /** Logs a state only when it differs from the last one logged (no log line per resync). */
    private void report(String msg, Map<String, ?> fields) {
        String key = msg + fields;
        if (Objects.equals(key, lastReport)) {
            return;
        }
        lastReport = key;
        Object[] kv = fields.entrySet().stream()
                .flatMap(e -> java.util.stream.Stream.of(e.getKey(), e.getValue()))
                .toArray();
        boolean bad = msg.startsWith("this node") || fields.get("errors") instanceof List<?> l && !l.isEmpty();
        if (bad) {
            p.log().warn(msg, kv);
        } else {
            p.log().info(msg, kv);
        }
    }

    @Override
    public void close() {
        loop.shutdown(); // a pass in progress finishes: half-applied changes would only be redone at the next start
        try {
            if (!loop.awaitTermination(10, TimeUnit.SECONDS)) {
                loop.shutdownNow();
            }
        } catch (InterruptedException e) {
            loop.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
