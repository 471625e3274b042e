package dev.cni4j.agent.policy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * {@code GET /policy/drops} on the health server (networkPolicy=on): the drop log's prefixes
 * ({@code networkPolicyLogDrops}) to the pod and direction whose chain logs under each, as JSON
 * ({@code {"cni4j-drop q0123456789abcdef_in": "x/a ingress"}}), so a kernel log line
 * ({@code cni4j-drop q..._in IN=... SRC=... DST=...}) can be resolved to the pod. Empty when drops
 * are not logged or before the first apply. The prefixes carry no API string (nft gets only our
 * hash-derived chain names); the names are here, from the state last applied.
 */
final class PolicyDropsEndpoint implements HttpHandler {
    static final String PATH = "/policy/drops";
    private final PolicyController controller;

    PolicyDropsEndpoint(PolicyController controller) {
        this.controller = controller;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        Map<String, String> prefixes = controller.dropLogPrefixes();
        byte[] b = (io.fabric8.kubernetes.client.utils.Serialization.asJson(prefixes) + "\n")
                .getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        ex.sendResponseHeaders(200, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }
}
