package dev.cni4j.agent.policy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.cni4j.net.IpAddress;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code GET /policy/explain?src=IP&dst=IP&port=N&proto=tcp|udp|sctp} on the health server
 * (networkPolicy=on): whether this node lets a new connection through and which policy and rule
 * decided, as JSON, computed from the state the nft table was last programmed with
 * ({@link dev.cni4j.agent.policy.CompiledPolicy#explain}). A side whose pod is on another node is
 * {@code NOT_EVALUATED}: that node's agent answers for it. 400 for a bad query, 503 before the
 * first apply.
 */
final class PolicyExplainEndpoint implements HttpHandler {
    static final String PATH = "/policy/explain";
    private final PolicyController controller;

    PolicyExplainEndpoint(PolicyController controller) {
        this.controller = controller;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        Map<String, String> q = query(ex.getRequestURI().getRawQuery());
        IpAddress src = IpAddress.tryParse(q.get("src")), dst = IpAddress.tryParse(q.get("dst"));
        Protocol proto = Protocol.fromApi(q.getOrDefault("proto", "tcp").toUpperCase(java.util.Locale.ROOT));
        int port = -1;
        try {
            port = Integer.parseInt(q.getOrDefault("port", ""));
        } catch (NumberFormatException ignored) {
            // reported below
        }
        if (src == null || dst == null || proto == null || port < 1 || port > 65535) {
            send(ex, 400, error("expected ?src=IP&dst=IP&port=1..65535&proto=tcp|udp|sctp"));
            return;
        }
        Explanation e = controller.explain(src, dst, port, proto);
        if (e == null) {
            send(ex, 503, error("network policy not programmed yet"));
            return;
        }
        send(ex, 200, json(e));
    }

    static String json(Explanation e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", e.source().toString());
        m.put("destination", e.destination().toString());
        m.put("port", e.port());
        m.put("protocol", e.protocol().nftName());
        m.put("allowed", e.allowed());
        m.put("egress", side(e.egress()));
        m.put("ingress", side(e.ingress()));
        m.put("text", e.toString());
        return io.fabric8.kubernetes.client.utils.Serialization.asJson(m);
    }

    private static Map<String, Object> side(Explanation.Side s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("verdict", s.verdict().name());
        m.put("reason", s.reason().name());
        m.put("pod", s.pod());
        m.put("policy", s.policy() == null ? null : s.policy().toString());
        m.put("rule", s.rule());
        m.put("isolating", s.isolating().stream().map(Object::toString).toList());
        m.put("text", s.text());
        return m;
    }

    private static String error(String message) {
        return io.fabric8.kubernetes.client.utils.Serialization.asJson(Map.of("error", message));
    }

    static Map<String, String> query(String raw) {
        Map<String, String> m = new HashMap<>();
        if (raw == null) {
            return m;
        }
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                m.put(
                        URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return m;
    }

    private static void send(HttpExchange ex, int code, String body) throws IOException {
        byte[] b = (body + "\n").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(code, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }
}
