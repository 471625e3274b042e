package dev.cni4j.plugins.bandwidth;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonObject;
import dev.cni4j.testing.TestNetworks;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The Debian reference {@code bridge} + {@code host-local} plugins as the main plugin of a chain,
 * run as processes inside a test's node namespace, so chained plugins get a real pod (veth on a
 * bridge, an address) and a real prevResult.
 */
public final class ReferenceBridge {
    public static final Path PLUGINS = Path.of("/usr/lib/cni");

    /** A pod the bridge attached: its namespace, container ID and the bridge's result. */
    public record Pod(Path netns, String containerId, String ifname, JsonObject result) {
        /** The pod's first address without prefix. */
        public String ip() {
            String a = result.objects("ips").get(0).string("address");
            return a.substring(0, a.indexOf('/'));
        }

        public String ipv6() {
            for (JsonObject ip : result.objects("ips")) {
                String a = ip.string("address");
                if (a.contains(":")) {
                    return a.substring(0, a.indexOf('/'));
                }
            }
            return null;
        }
    }

    private final TestNetworks net;
    private final String network;
    private final String bridge;
    private final String ipam;
    private final Path dataDir;

    /** {@code ranges} as host-local's JSON "ranges" array body, e.g. {@code [{"subnet":"10.244.7.0/24"}]}. */
    public ReferenceBridge(TestNetworks net, String network, String bridge, String ranges) {
        this.net = net;
        this.network = network;
        this.bridge = bridge;
        try {
            this.dataDir = Files.createTempDirectory(ipamRoot(), network);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        // default routes through the bridge, so pods answer hosts outside their subnet
        String routes = (ranges.contains(".") ? "{\"dst\":\"0.0.0.0/0\"}" : "")
                + (ranges.contains(".") && ranges.contains(":") ? "," : "")
                + (ranges.contains(":") ? "{\"dst\":\"::/0\"}" : "");
        this.ipam = "{\"type\":\"host-local\",\"dataDir\":\"" + dataDir + "\",\"ranges\":[" + ranges + "],\"routes\":["
                + routes + "]}";
    }

    private static Path ipamRoot;

    /** One temporary directory per test JVM for host-local's reservations, removed when the JVM exits. */
    private static synchronized Path ipamRoot() throws IOException {
        if (ipamRoot == null) {
            Path root = Files.createTempDirectory("cni4j-ipam");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try (var files = Files.walk(root)) {
                    files.sorted(java.util.Comparator.reverseOrder())
                            .forEach(f -> f.toFile().delete());
                } catch (IOException e) {
                    // best effort
                }
            }));
            ipamRoot = root;
        }
        return ipamRoot;
    }

    public static boolean available() {
        return Files.isExecutable(PLUGINS.resolve("bridge")) && Files.isExecutable(PLUGINS.resolve("host-local"));
    }

    public String network() {
        return network;
    }

    public String bridge() {
        return bridge;
    }

    /** The bridge plugin's config, hairpin mode on (portmap's hairpin needs it). */
    public String conf(String version) {
        return "{\"cniVersion\":\"" + version + "\",\"name\":\"" + network + "\",\"type\":\"bridge\",\"bridge\":\""
                + bridge + "\",\"isGateway\":true,\"hairpinMode\":true,\"ipam\":" + ipam + "}";
    }

    /** ADD of a new pod namespace. */
    public Pod add(String containerId) {
        Path ns = net.newPod();
        String out = run("ADD", ns, containerId, conf("1.0.0"));
        return new Pod(ns, containerId, "eth0", Json.parseObject(out));
    }

    public void del(Pod pod) {
        run("DEL", pod.netns(), pod.containerId(), conf("1.0.0"));
    }

    private String run(String command, Path ns, String containerId, String stdin) {
        Map<String, String> env = Map.of(
                "CNI_COMMAND",
                command,
                "CNI_CONTAINERID",
                containerId,
                "CNI_NETNS",
                ns.toString(),
                "CNI_IFNAME",
                "eth0",
                "CNI_PATH",
                PLUGINS.toString());
        return net.runInNode(() -> {
            try {
                return exec(env, stdin, command);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException("reference bridge " + command + ": " + e, e);
            }
        });
    }

    private static String exec(Map<String, String> env, String stdin, String command)
            throws IOException, InterruptedException {
        {
            ProcessBuilder pb = new ProcessBuilder(PLUGINS.resolve("bridge").toString());
            pb.environment().clear();
            pb.environment().putAll(env);
            Process p = pb.start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            String out;
            try (InputStream o = p.getInputStream()) {
                out = new String(o.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (p.waitFor() != 0) {
                throw new IllegalStateException("reference bridge " + command + " failed: " + out);
            }
            return out;
        }
    }

    /**
     * A chained plugin's config: {@code pluginFields} ("\"type\":\"bandwidth\",..."), prevResult = the pod's result.
     */
    public String chained(String version, String pluginFields, Pod pod) {
        String prev = pod == null ? "" : ",\"prevResult\":" + Json.write(pod.result());
        return "{\"cniVersion\":\"" + version + "\",\"name\":\"" + network + "\"," + pluginFields + prev + "}";
    }
}
