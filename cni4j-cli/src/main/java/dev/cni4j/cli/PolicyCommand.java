package dev.cni4j.cli;

import dev.cni4j.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

/**
 * {@code cni4j policy explain SRC DST PORT[/PROTO] [--agent URL] [--json]}: asks a node agent
 * (networkPolicy=on) whether a new connection from SRC to DST on that port passes its
 * NetworkPolicy, and which policy and rule decided; the agent answers from the state its nft
 * table was programmed with. The agent of the node that hosts a pod answers for that pod's side:
 * ask the source's node for egress and the destination's for ingress.
 */
final class PolicyCommand {
    static final String USAGE = """
            usage: cni4j policy explain SRC DST PORT[/tcp|udp|sctp] [--agent URL] [--json]
              asks the node agent at URL (default http://127.0.0.1:9876, its health address)
              whether a new connection SRC -> DST:PORT passes NetworkPolicy on that node, and why
            """;
    private final PrintStream out;

    PolicyCommand(PrintStream out) {
        this.out = out;
    }

    int run(List<String> argv) {
        Args args = Args.parse(argv, "--agent=", "--json");
        if (args.help()) {
            out.print(USAGE);
            return 0;
        }
        List<String> p = args.positionals();
        if (p.isEmpty() || !p.get(0).equals("explain")) {
            throw CliException.usage("expected: cni4j policy explain SRC DST PORT[/PROTO]");
        }
        if (p.size() != 4) {
            throw CliException.usage("expected SRC DST PORT[/PROTO] after explain");
        }
        String[] portProto = p.get(3).split("/", 2);
        String proto = portProto.length > 1 ? portProto[1].toLowerCase(Locale.ROOT) : "tcp";
        if (!List.of("tcp", "udp", "sctp").contains(proto)) {
            throw CliException.usage("protocol \"" + portProto[1] + "\" is not tcp, udp or sctp");
        }
        if (!portProto[0].matches("[0-9]{1,5}")
                || Integer.parseInt(portProto[0]) < 1
                || Integer.parseInt(portProto[0]) > 65535) {
            throw CliException.usage("port \"" + portProto[0] + "\" is not 1..65535");
        }
        String agent = args.value("--agent", "http://127.0.0.1:9876");
        String url = agent.replaceAll("/+$", "") + "/policy/explain?src=" + enc(p.get(1)) + "&dst=" + enc(p.get(2))
                + "&port=" + portProto[0] + "&proto=" + proto;
        String body = get(url);
        if (args.flag("--json")) {
            out.println(body.trim());
        } else {
            out.println(Json.parseObject(body).string("text"));
        }
        return 0;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** The agent's JSON answer; its error message as a failure. */
    private static String get(String url) {
        HttpURLConnection c;
        try {
            c = (HttpURLConnection) URI.create(url).toURL().openConnection();
        } catch (IOException | IllegalArgumentException e) {
            throw CliException.usage("bad agent URL: " + e.getMessage());
        }
        c.setConnectTimeout(3000);
        c.setReadTimeout(10000);
        try {
            int code = c.getResponseCode();
            try (InputStream in = code < 400 ? c.getInputStream() : c.getErrorStream()) {
                String body = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
                if (code == 200) {
                    return body;
                }
                String msg = body;
                try {
                    msg = Json.parseObject(body).string("error", body);
                } catch (RuntimeException notJson) {
                    // as it came (an agent without networkPolicy=on answers 404)
                }
                throw CliException.failed("agent " + url.substring(0, url.indexOf("/policy/")) + " answered " + code
                        + (code == 404 ? " (is networkPolicy on?)" : "") + ": " + msg.trim());
            }
        } catch (IOException e) {
            throw CliException.failed(
                    "cannot reach the agent at " + url.substring(0, url.indexOf("/policy/")) + ": " + e.getMessage());
        } finally {
            c.disconnect();
        }
    }
}
