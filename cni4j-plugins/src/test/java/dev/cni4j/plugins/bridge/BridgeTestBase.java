package dev.cni4j.plugins.bridge;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonObject;
import dev.cni4j.plugins.OwnPluginDir;
import dev.cni4j.plugins.PluginInvocation;
import dev.cni4j.plugins.PluginInvocation.Outcome;
import dev.cni4j.testing.TestNetworks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node the bridge's privileged tests share: a throwaway node namespace (skipped without root),
 * our host-local in a plugin dir of its own, its data dir in the test's temp dir, and the bridge
 * run in-process in the node.
 */
abstract class BridgeTestBase {
    static final String V4 = "[[{\"subnet\":\"10.244.1.0/24\"}]]";

    @TempDir
    Path tmp;

    TestNetworks net;
    Path binDir;
    Path dataDir;

    @BeforeEach
    void startNode() throws IOException {
        TestNetworks.assumePrivileged();
        net = TestNetworks.create();
        binDir = OwnPluginDir.create(Files.createDirectories(tmp.resolve("bin")), "host-local");
        dataDir = tmp.resolve("ipam");
    }

    @AfterEach
    void closeNode() {
        if (net != null) {
            net.close();
        }
    }

    /**
     * The network {@code podnet} on {@code cni0} as the pods' gateway, {@code fields} (each after a
     * comma) next, and host-local over {@code ranges} in {@link #dataDir}.
     */
    String bridgeConf(String version, String fields, String ranges) {
        return "{\"cniVersion\":\"" + version + "\",\"name\":\"podnet\",\"type\":\"bridge\",\"bridge\":\"cni0\","
                + "\"isGateway\":true" + fields + ",\"ipam\":{\"type\":\"host-local\","
                + "\"dataDir\":\"" + dataDir + "\",\"ranges\":" + ranges + "}}";
    }

    /** bridge's {@code command} for the pod in namespace {@code pod} (none when null) on eth0. */
    Outcome run(String command, String id, Path pod, String stdin) {
        return run(command, id, pod, "eth0", stdin);
    }

    Outcome run(String command, String id, Path pod, String ifname, String stdin) {
        return net.runInNode(
                () -> new PluginInvocation("bridge", command, id, pod == null ? "" : pod.toString(), ifname)
                        .env("CNI_PATH", binDir.toString())
                        .run(stdin));
    }

    /** {@code conf} with {@code result} as its prevResult (for CHECK and DEL). */
    static String withPrev(String conf, JsonObject result) {
        return conf.substring(0, conf.length() - 1) + ",\"prevResult\":" + Json.write(result) + "}";
    }
}
