package dev.cni4j.agent.api;

import dev.cni4j.agent.serve.JsonLog;
import dev.cni4j.agent.serve.Metrics;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.util.concurrent.CompletableFuture;

/**
 * Sees every request of the agent's Kubernetes client (an {@link Interceptor}): each failed one
 * (an HTTP status of 400 or more, or no response at all) is counted in
 * {@code cni4j_agent_api_errors_total} and remembered as the API's last problem, which
 * {@code /readyz} gives as the cause while the informer has not synced. That covers what fabric8
 * retries on its own and never hands to the informer's exception handler: a watch refused with
 * 403, a connection refused while reconnecting, the 401 of a bad token. The same problem is
 * logged once (again after a minute), not at every retry.
 */
public final class ApiErrors implements Interceptor {
    static final long RELOG_NANOS = 60_000_000_000L;
    static final long RECENT_NANOS = 300_000_000_000L;
    private final Metrics metrics;
    private final JsonLog log;
    private volatile String last;
    private volatile long lastNanos;
    private String lastLogged;
    private long lastLoggedNanos;

    public ApiErrors(Metrics metrics, JsonLog log) {
        this.metrics = metrics;
        this.log = log;
    }

    @Override
    public CompletableFuture<Boolean> afterFailure(BasicBuilder builder, HttpResponse<?> response, RequestTags tags) {
        failed(describe(response.request()) + ": HTTP " + response.code() + hint(response.code()));
        return CompletableFuture.completedFuture(false); // no retry of ours: fabric8 and the informer retry
    }

    @Override
    public void afterConnectionFailure(HttpRequest request, Throwable failure) {
        failed(describe(request) + ": " + cause(failure));
    }

    /**
     * An error the informer saw. Failed requests fabric8 retries went through the interceptor
     * already; one it gave up on at once (no retries configured) did not: counted here, once.
     */
    public void informerError(String what, Throwable t) {
        if (t instanceof io.fabric8.kubernetes.client.KubernetesClientException k && k.getCode() > 0) {
            return; // an HTTP status: seen above
        }
        if (System.nanoTime() - lastNanos < 2_000_000_000L && last != null) {
            return; // the interceptor just counted it
        }
        failed(what + ": " + cause(t));
    }

    /** The informative exception of a chain: wrappers (CompletionException...) skipped. */
    static String cause(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null
                && c.getCause() != c
                && (c instanceof java.util.concurrent.CompletionException
                        || c instanceof java.util.concurrent.ExecutionException
                        || c instanceof io.fabric8.kubernetes.client.KubernetesClientException
                                && !(c instanceof io.fabric8.kubernetes.client.WatcherException))) {
            c = c.getCause();
        }
        if (c instanceof java.net.ConnectException && c.getMessage() == null) {
            return "ConnectException (refused or unreachable)";
        }
        return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
    }

    /**
     * The last failed request and why, e.g. "list nodes (https://...): HTTP 401 Unauthorized (...)", if it failed in
     * the last five minutes; else null.
     */
    public String recent(long nowNanos) {
        String l = last;
        return l != null && nowNanos - lastNanos < RECENT_NANOS ? l : null;
    }

    void failed(String problem) {
        metrics.apiErrors.incrementAndGet();
        long now = System.nanoTime();
        lastNanos = now;
        last = problem;
        synchronized (this) {
            if (problem.equals(lastLogged) && now - lastLoggedNanos < RELOG_NANOS) {
                return;
            }
            lastLogged = problem;
            lastLoggedNanos = now;
        }
        log.warn("kubernetes API request failed, retrying", "error", problem);
    }

    /** "watch nodes", "list nodes", "patch nodes/n1"... from the method and path. */
    static String describe(HttpRequest r) {
        String path = r.uri().getPath();
        String query = r.uri().getQuery() == null ? "" : r.uri().getQuery();
        String resource = path.startsWith("/api/v1/") ? path.substring("/api/v1/".length()) : path;
        String verb = switch (r.method()) {
            case "GET" -> query.contains("watch=true") ? "watch" : resource.contains("/") ? "get" : "list";
            case "PATCH" -> "patch";
            case "PUT" -> "update";
            case "POST" -> "create";
            case "DELETE" -> "delete";
            default -> r.method();
        };
        return verb + " " + resource + " (" + r.uri().getScheme() + "://"
                + r.uri().getAuthority() + ")";
    }

    private static String hint(int code) {
        return switch (code) {
            case 401 -> " Unauthorized (the ServiceAccount token is missing, expired or not accepted)";
            case 403 -> " Forbidden (RBAC: see deploy/clusterrole.yaml; a restarted API server may deny for a moment)";
            case 410 -> " Gone (resource version too old; re-listing)";
            case 429 -> " Too Many Requests";
            default -> code >= 500 ? " server error" : "";
        };
    }
}
