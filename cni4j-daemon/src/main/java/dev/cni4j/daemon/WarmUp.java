package dev.cni4j.daemon;

import dev.cni4j.plugins.Plugins;
import dev.cni4j.plugins.Training;
import dev.cni4j.skel.PluginMain;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Loads and compiles the common plugin paths before the daemon accepts requests: VERSION, config
 * parsing and the error paths, and the FFM set-up (the first downcall costs tens of ms). Only
 * requests that change nothing: the same ones the AOT training run makes outside a namespace.
 */
final class WarmUp {
    private static final String CONF = "{\"cniVersion\":\"1.1.0\",\"name\":\"warm-up\",\"type\":\"loopback\"}";

    private WarmUp() {}

    static void run() {
        PrintStream discard = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
        for (int i = 0; i < 200; i++) {
            for (String type : Plugins.TYPES) {
                call(type, Map.of("CNI_COMMAND", "VERSION"), "{\"cniVersion\":\"1.1.0\"}", discard);
                call(type, addEnv(), "{\"cniVersion\":\"0.3.1\",\"name\":\"x\"", discard);
                call(type, addEnv(), CONF, discard);
            }
        }
    }

    /**
     * The AOT training run's real ADD/CHECK/DEL of loopback and bridge + host-local, in namespaces
     * it creates and deletes ({@code cni4j-aot-<pid>-*}): the netlink, FFM and firewall paths are
     * compiled before the first pod. Opt-in, since it briefly adds namespaces to the node.
     */
    static void inNamespaces() {
        PrintStream out = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8)); // its report
        try {
            for (int i = 0; i < 3; i++) {
                Training.main(new String[0]);
            }
        } finally {
            System.setOut(out);
        }
    }

    private static Map<String, String> addEnv() {
        // A netns that does not exist: the plugins open it (FFM) and fail before touching anything.
        return Map.of(
                "CNI_COMMAND",
                "ADD",
                "CNI_CONTAINERID",
                "warm-up",
                "CNI_NETNS",
                "/nonexistent",
                "CNI_IFNAME",
                "eth0",
                "CNI_PATH",
                "/nonexistent");
    }

    private static void call(String type, Map<String, String> env, String stdin, PrintStream err) {
        PluginMain.run(
                Plugins.byType(type),
                env,
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new ByteArrayOutputStream(),
                err,
                Plugins.IN_PROCESS);
    }
}
