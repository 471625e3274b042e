package dev.cni4j.plugins;

import dev.cni4j.linux.NetNs;
import dev.cni4j.skel.PluginMain;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The AOT training run (the build runs it with {@code -XX:AOTCacheOutput}): drives the plugins
 * in-process through the real entry point, so the cache holds the classes and profiles of the
 * paths a runtime exercises. With root it works in a throwaway namespace, never the host's.
 */
public final class Training {
    private Training() {}

    public static void main(String[] args) {
        // What a standalone exec loads before and around PluginMain.run: the launchers' main class
        // (else read from the jar at every exec) and the real environment's entry classes.
        Main.main(new String[] {"--list"});
        System.getenv().forEach((k, v) -> {});
        String conf = "{\"cniVersion\":\"1.1.0\",\"name\":\"aot-training\",\"type\":\"loopback\"}";
        for (String type : Plugins.TYPES) {
            run(type, Map.of("CNI_COMMAND", "VERSION"), "{\"cniVersion\":\"1.1.0\"}");
            run(type, env("ADD", "/nonexistent", "eth0"), "{\"cniVersion\":\"0.3.1\",\"name\":\"x\"");
            run(type, env("ADD", "/nonexistent", "eth0"), conf);
        }
        if (!"0".equals(System.getProperty("cni4j.training.netns", isRoot() ? "1" : "0"))) {
            trainInNamespace(conf);
        }
    }

    private static void trainInNamespace(String conf) {
        String prefix = "cni4j-aot-" + ProcessHandle.current().pid();
        String bin = System.getProperty("cni4j.bin", "");
        Path node;
        Path pod;
        try {
            node = NetNs.create(prefix + "-node");
            pod = NetNs.create(prefix + "-pod");
        } catch (RuntimeException e) {
            System.err.println("training without namespaces: " + e.getMessage());
            NetNs.delete(prefix + "-node");
            return;
        }
        String bridge = "{\"cniVersion\":\"1.1.0\",\"name\":\"aot-training\",\"type\":\"bridge\",\"bridge\":\"aot0\","
                + "\"isGateway\":true,\"isDefaultGateway\":true,\"ipMasq\":true,\"ipam\":{\"type\":\"host-local\","
                + "\"dataDir\":\"/run/" + prefix
                + "\",\"ranges\":[[{\"subnet\":\"10.99.0.0/24\"}],[{\"subnet\":\"fd99::/64\"}]]}}";
        try (NetNs nodeNs = NetNs.open(node)) {
            nodeNs.run(() -> {
                for (int i = 0; i < 3; i++) {
                    run("loopback", env("ADD", pod.toString(), "lo"), conf);
                    run("loopback", env("CHECK", pod.toString(), "lo"), conf);
                    run("loopback", env("DEL", pod.toString(), "lo"), conf);
                    if (!bin.isEmpty()) {
                        trainChain(bridge, pod, bin, i);
                    }
                }
                return null;
            });
        } finally {
            NetNs.delete(prefix + "-pod");
            NetNs.delete(prefix + "-node");
            deleteTree(Path.of("/run/" + prefix));
        }
    }

    /** bridge -> portmap -> bandwidth, ADD, CHECK and DEL, the way a runtime threads prevResult. */
    private static void trainChain(String bridge, Path pod, String bin, int round) {
        Map<String, String> env = env("ADD", pod.toString(), "eth0");
        env.put("CNI_PATH", bin);
        String base = "\"cniVersion\":\"1.1.0\",\"name\":\"aot-training\"";
        String portmap =
                "{" + base + ",\"type\":\"portmap\",\"backend\":\"" + (round % 2 == 0 ? "nftables" : "iptables")
                        + "\",\"runtimeConfig\":{\"portMappings\":[{\"hostPort\":18080,\"containerPort\":80,\"protocol\":\"tcp\"},"
                        + "{\"hostPort\":18053,\"containerPort\":53,\"protocol\":\"udp\"}]}";
        String bandwidth =
                "{" + base + ",\"type\":\"bandwidth\",\"runtimeConfig\":{\"bandwidth\":{\"ingressRate\":10000000,"
                        + "\"ingressBurst\":4294967295,\"egressRate\":10000000,\"egressBurst\":4294967295}}";
        String result = run("bridge", env, bridge);
        result = run("portmap", env, portmap + ",\"prevResult\":" + result + "}");
        result = run("bandwidth", env, bandwidth + ",\"prevResult\":" + result + "}");
        String[][] chain = {
            {"bridge", bridge.substring(1, bridge.length() - 1)},
            {"portmap", portmap.substring(1)},
            {"bandwidth", bandwidth.substring(1)}
        };
        for (String command : new String[] {"CHECK", "DEL"}) {
            env.put("CNI_COMMAND", command);
            for (int k = 0; k < chain.length; k++) {
                String[] p = chain[command.equals("DEL") ? chain.length - 1 - k : k];
                run(p[0], env, "{" + p[1] + ",\"prevResult\":" + result + "}");
            }
        }
    }

    private static void deleteTree(Path dir) {
        try (var files = java.nio.file.Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (java.io.IOException e) {
            // nothing to clean
        }
    }

    private static Map<String, String> env(String command, String netns, String ifname) {
        Map<String, String> env = new HashMap<>();
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", "aot-training");
        env.put("CNI_NETNS", netns);
        env.put("CNI_IFNAME", ifname);
        env.put("CNI_PATH", "/nonexistent");
        return env;
    }

    private static String run(String type, Map<String, String> env, String stdin) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = PluginMain.run(
                Plugins.byType(type),
                env,
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                out,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                Plugins.IN_PROCESS);
        String text = out.toString(StandardCharsets.UTF_8);
        System.out.println(type + " " + env.get("CNI_COMMAND") + " -> " + exit + " " + text);
        return text;
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
