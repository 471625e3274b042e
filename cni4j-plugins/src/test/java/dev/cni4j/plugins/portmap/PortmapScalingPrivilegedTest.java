package dev.cni4j.plugins.portmap;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.plugins.bandwidth.InProcess;
import dev.cni4j.testing.TestNetworks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Cost of an in-process ADD/DEL (warm JVM) as the node fills up with mappings of other pods, and
 * as one pod's own mappings grow, for both backends. Pods are only prevResults here: portmap never
 * enters the pod. The table goes to stdout and {@code target/portmap-scaling.txt}.
 */
class PortmapScalingPrivilegedTest {
    static final int[] EXISTING = {0, 1000, 3000};
    static final int FILLER_SIZE = 500;

    @Test
    void addCostStaysFlat() throws IOException {
        TestNetworks.assumePrivileged();
        List<String> table = new ArrayList<>();
        table.add(String.format(
                "%-9s %9s %12s %12s %14s %15s",
                "backend", "existing", "ADD 1 ms", "DEL 1 ms", "ADD 100 ms", "ADD 1000 ms"));
        for (String backend : List.of("nftables", "iptables")) {
            try (TestNetworks net = TestNetworks.create()) {
                int filled = 0;
                double base = 0;
                for (int level : EXISTING) {
                    while (filled < level) {
                        add(
                                net,
                                backend,
                                "filler-" + filled,
                                20000 + filled,
                                FILLER_SIZE,
                                "10.250.1." + (1 + filled / FILLER_SIZE));
                        filled += FILLER_SIZE;
                    }
                    double[] adds = new double[7];
                    double[] dels = new double[7];
                    for (int i = 0; i < adds.length; i++) {
                        adds[i] = add(net, backend, "probe", 8080, 1, "10.250.2.1");
                        dels[i] = del(net, backend, "probe");
                    }
                    double add100 = add(net, backend, "probe100", 1000, 100, "10.250.3.1");
                    del(net, backend, "probe100");
                    double add1000 = add(net, backend, "probe1000", 1000, 1000, "10.250.4.1");
                    del(net, backend, "probe1000");
                    double med = median(adds);
                    if (level == 0) {
                        base = med;
                    }
                    table.add(String.format(
                            "%-9s %9d %12.1f %12.1f %14.1f %15.1f",
                            backend, level, med, median(dels), add100, add1000));
                    assertTrue(
                            med < Math.max(10 * base, 500), backend + " ADD at " + level + " existing: " + med + " ms");
                }
            }
        }
        String text = String.join("\n", table) + "\n";
        System.out.println(text);
        Files.writeString(Path.of("target", "portmap-scaling.txt"), text);
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static String conf(String backend, int firstPort, int count, String ip) {
        StringBuilder m = new StringBuilder();
        for (int i = 0; i < count; i++) {
            m.append(i == 0 ? "" : ",")
                    .append("{\"hostPort\":")
                    .append(firstPort + i)
                    .append(",\"containerPort\":80,\"protocol\":\"")
                    .append(i % 2 == 0 ? "tcp" : "udp")
                    .append("\"}");
        }
        return "{\"cniVersion\":\"1.0.0\",\"name\":\"scalenet\",\"type\":\"portmap\",\"backend\":\"" + backend + "\","
                + "\"runtimeConfig\":{\"portMappings\":[" + m + "]},\"prevResult\":{\"cniVersion\":\"1.0.0\","
                + "\"interfaces\":[{\"name\":\"eth0\",\"sandbox\":\"/run/netns/none\"}],"
                + "\"ips\":[{\"address\":\"" + ip + "/16\",\"interface\":0}]}}";
    }

    private static double add(TestNetworks net, String backend, String id, int firstPort, int count, String ip) {
        String c = conf(backend, firstPort, count, ip);
        long t = System.nanoTime();
        net.runInNode(() -> InProcess.run(Portmap::new, "ADD", id, "/run/netns/none", "eth0", c))
                .assertSuccess();
        return (System.nanoTime() - t) / 1e6;
    }

    private static double del(TestNetworks net, String backend, String id) {
        String c =
                "{\"cniVersion\":\"1.0.0\",\"name\":\"scalenet\",\"type\":\"portmap\",\"backend\":\"" + backend + "\"}";
        long t = System.nanoTime();
        net.runInNode(() -> InProcess.run(Portmap::new, "DEL", id, "/run/netns/none", "eth0", c))
                .assertSuccess();
        return (System.nanoTime() - t) / 1e6;
    }
}
