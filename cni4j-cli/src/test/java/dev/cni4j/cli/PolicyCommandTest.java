package dev.cni4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** {@code cni4j policy explain} against a stand-in for the agent's /policy/explain. */
class PolicyCommandTest {
    static final String ANSWER =
            "{\"allowed\":false,\"text\":\"10.244.2.2 -> 10.244.1.2 81/tcp: denied\\n  egress:  x\\n  ingress: y\"}";

    @Test
    void asksTheAgentAndPrintsItsAnswer() throws IOException {
        AtomicReference<String> query = new AtomicReference<>();
        HttpServer agent = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 4);
        agent.createContext("/policy/explain", ex -> {
            query.set(ex.getRequestURI().getRawQuery());
            byte[] b = ANSWER.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(b);
            }
        });
        agent.start();
        try {
            String url = "http://127.0.0.1:" + agent.getAddress().getPort();
            CliRun r = CliRun.run("policy", "explain", "10.244.2.2", "10.244.1.2", "81/TCP", "--agent", url)
                    .assertOk();
            assertEquals("src=10.244.2.2&dst=10.244.1.2&port=81&proto=tcp", query.get());
            assertTrue(r.out().startsWith("10.244.2.2 -> 10.244.1.2 81/tcp: denied\n  egress:"), r.out());
            CliRun json = CliRun.run(
                            "policy", "explain", "10.244.2.2", "10.244.1.2", "53/udp", "--agent", url + "/", "--json")
                    .assertOk();
            assertEquals(ANSWER + "\n", json.out());
            assertEquals("src=10.244.2.2&dst=10.244.1.2&port=53&proto=udp", query.get());
        } finally {
            agent.stop(0);
        }
    }

    @Test
    void badInputAndAnAbsentAgentAreOneLineErrors() {
        CliRun.run("policy", "explain", "a", "b").assertOneLineError(CliException.USAGE, "SRC DST PORT");
        CliRun.run("policy", "explain", "a", "b", "80/icmp").assertOneLineError(CliException.USAGE, "icmp");
        CliRun.run("policy", "explain", "a", "b", "70000").assertOneLineError(CliException.USAGE, "70000");
        CliRun.run("policy", "explain", "10.0.0.1", "10.0.0.2", "80", "--agent", "http://127.0.0.1:1")
                .assertOneLineError(1, "cannot reach the agent");
    }
}
