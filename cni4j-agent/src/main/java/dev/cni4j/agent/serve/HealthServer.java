package dev.cni4j.agent.serve;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;

/**
 * {@code /healthz} (the process serves and no reconcile pass hangs), {@code /readyz} (routes and conflist in place;
 * 503 with the reasons otherwise) and {@code /metrics} (Prometheus text) on the JDK's HTTP server.
 */
public final class HealthServer implements AutoCloseable {
    private final HttpServer server;

    /** @param address "host:port"; port 0 picks a free one (tests) */
    public HealthServer(String address, AgentStatus status, Metrics metrics) {
        int colon = address.lastIndexOf(':');
        try {
            server = HttpServer.create(
                    new InetSocketAddress(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1))),
                    16);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + address, e);
        }
        server.createContext("/healthz", ex -> {
            String stuck = status.livenessProblem(System.nanoTime());
            send(ex, stuck == null ? 200 : 503, stuck == null ? "ok\n" : stuck + "\n", "text/plain");
        });
        server.createContext("/readyz", ex -> {
            List<String> blocking = status.blocking();
            StringBuilder body = new StringBuilder(blocking.isEmpty() ? "ok\n" : "not ready\n");
            for (String b : blocking) {
                body.append("- ").append(b).append('\n');
            }
            for (String w : status.warnings()) {
                body.append("warning: ").append(w).append('\n');
            }
            send(ex, blocking.isEmpty() ? 200 : 503, body.toString(), "text/plain");
        });
        server.createContext("/metrics", ex -> send(ex, 200, metrics.render(), "text/plain; version=0.0.4"));
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.start();
    }

    /** Serves one more path (the policy controller's {@code /policy/explain}). */
    public void handle(String path, com.sun.net.httpserver.HttpHandler handler) {
        server.createContext(path, handler);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void send(HttpExchange ex, int code, String body, String type) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type + "; charset=utf-8");
        ex.sendResponseHeaders(code, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
