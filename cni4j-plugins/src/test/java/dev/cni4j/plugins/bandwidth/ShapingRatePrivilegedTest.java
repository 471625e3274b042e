package dev.cni4j.plugins.bandwidth;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonObject;
import dev.cni4j.plugins.bandwidth.ReferenceBridge.Pod;
import dev.cni4j.testing.TestNetworks;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Achieved vs requested rate with iperf3 (TCP) between two pods on the reference bridge, the
 * server pod shaped by this plugin. The achieved rate is what the tbf let through (its byte
 * counter, L2 bytes as tbf counts them) between 1 s and 4 s of a 4.5 s run; iperf3's goodput over
 * the whole run is printed next to it (it is ~4.5% lower: TCP/IP/Ethernet headers of 1514-byte frames).
 * A representative subset runs by default; {@code -Dcni4j.bandwidth.fullMatrix=true} runs both
 * directions x 1, 10, 100 Mbit/s x bursts 8 bit .. 2^32-1 bit. The table goes to stdout and to
 * {@code target/bandwidth-rates.txt}. A case out of range is measured once more (shared, noisy VM); both
 * attempts are listed.
 */
class ShapingRatePrivilegedTest {
    static final long MBIT = 1_000_000;
    static final long MAX_BURST = 4294967295L; // containerd's default
    static final List<String> TABLE = new ArrayList<>();

    static TestNetworks net;
    static ReferenceBridge bridge;
    static Pod server;
    static Pod client;

    record Case(boolean ingress, long rate, long burst) {}

    @BeforeAll
    static void setUp() {
        TestNetworks.assumePrivileged();
        assumeTrue(
                ReferenceBridge.available() && Files.isExecutable(Path.of("/usr/bin/iperf3")), "needs bridge + iperf3");
        net = TestNetworks.create();
        bridge = new ReferenceBridge(net, "ratenet", "cni4jrt0", "[{\"subnet\":\"10.244.10.0/24\"}]");
        server = bridge.add("server");
        client = bridge.add("client");
        TABLE.add(String.format(
                "%-8s %9s %12s %12s %9s %9s", "dir", "rate", "burst bits", "tbf burst B", "achieved", "goodput"));
    }

    @AfterAll
    static void tearDown() throws IOException {
        if (net != null) {
            net.close();
        }
        if (!TABLE.isEmpty()) {
            String text = String.join("\n", TABLE) + "\n";
            System.out.println(text);
            Files.writeString(Path.of("target", "bandwidth-rates.txt"), text);
        }
    }

    static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        if (Boolean.getBoolean("cni4j.bandwidth.fullMatrix")) {
            for (boolean ingress : new boolean[] {true, false}) {
                for (long rate : new long[] {MBIT, 10 * MBIT, 100 * MBIT}) {
                    for (long burst : new long[] {8, 100_000, MBIT, 10 * MBIT, MAX_BURST}) {
                        cases.add(new Case(ingress, rate, burst));
                    }
                }
            }
            return cases;
        }
        return List.of(
                new Case(true, MBIT, MAX_BURST),
                new Case(true, 10 * MBIT, 8),
                new Case(true, 10 * MBIT, MAX_BURST),
                new Case(true, 100 * MBIT, MAX_BURST),
                new Case(false, MBIT, MAX_BURST),
                new Case(false, 10 * MBIT, 8),
                new Case(false, 100 * MBIT, MAX_BURST));
    }

    @Test
    void achievedRateMatchesTheRequestedRate() throws Exception {
        List<String> failures = new ArrayList<>();
        for (Case c : cases()) {
            TokenBucket b = TokenBucket.of(c.rate, c.burst, 1500);
            // one retry: on a shared 2-core VM a run can be disturbed (every attempt is in the table)
            for (int attempt = 1; attempt <= 2; attempt++) {
                double[] r = measure(c);
                boolean ok = r[0] >= 0.95 && r[0] <= 1.05;
                TABLE.add(String.format(
                        "%-8s %6d Mb %12d %12d %9.3f %9.3f%s",
                        c.ingress ? "ingress" : "egress",
                        c.rate / MBIT,
                        c.burst,
                        b.burst(),
                        r[0],
                        r[1],
                        ok ? "" : "  (out of range, attempt " + attempt + ")"));
                if (ok) {
                    break;
                }
                if (attempt == 2) {
                    failures.add(c + " achieved " + r[0]);
                }
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures) + "\n" + String.join("\n", TABLE));
    }

    /** {achieved / requested from tbf counters, goodput / requested}. */
    private double[] measure(Case c) throws Exception {
        String limits = c.ingress
                ? "\"ingressRate\":" + c.rate + ",\"ingressBurst\":" + c.burst
                : "\"egressRate\":" + c.rate + ",\"egressBurst\":" + c.burst;
        String conf = bridge.chained("1.0.0", "\"type\":\"bandwidth\"," + limits, server);
        net.runInNode(() -> InProcess.run(
                        Bandwidth::new, "ADD", "server", server.netns().toString(), "eth0", conf))
                .assertSuccess();
        String dev = c.ingress
                ? server.result().objects("interfaces").get(1).string("name")
                : IfbDevice.name("ratenet", "server");
        Process srv = new ProcessBuilder("nsenter", "--net=" + server.netns(), "iperf3", "-s", "-1", "-p", "5201")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            Thread.sleep(300);
            List<String> cmd = new ArrayList<>(List.of(
                    "nsenter",
                    "--net=" + client.netns(),
                    "iperf3",
                    "-c",
                    server.ip(),
                    "-p",
                    "5201",
                    "-t",
                    "4.5",
                    "-J",
                    "--connect-timeout",
                    "2000"));
            if (!c.ingress) {
                cmd.add("-R"); // the server (shaped pod) sends
            }
            Process cli = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            long t0 = System.nanoTime();
            Thread.sleep(1000);
            long[] s1 = sample(dev);
            Thread.sleep(3000 - (System.nanoTime() - s1[1]) / 1_000_000);
            long[] s2 = sample(dev);
            long b1 = s1[0], t1 = s1[1], b2 = s2[0], t2 = s2[1];
            String out = new String(cli.getInputStream().readAllBytes());
            cli.waitFor();
            double achieved = (b2 - b1) * 8.0 / ((t2 - t1) / 1e9) / c.rate;
            JsonObject end = Json.parseObject(out).object("end");
            double goodput = ((Number) end.object("sum_received").find("bits_per_second")).doubleValue() / c.rate;
            assertTrue(t1 - t0 > 0);
            return new double[] {achieved, goodput};
        } finally {
            srv.destroy();
            srv.waitFor();
            net.runInNode(() -> InProcess.run(
                            Bandwidth::new, "DEL", "server", server.netns().toString(), "eth0", conf))
                    .assertSuccess();
        }
    }

    /** {tbf bytes, time}: the time is the middle of the tc run that read the counter. */
    private long[] sample(String dev) {
        long before = System.nanoTime();
        long bytes = tbfBytes(dev);
        return new long[] {bytes, (before + System.nanoTime()) / 2};
    }

    private long tbfBytes(String dev) {
        Object parsed = Json.parse(net.execInNode("tc", "-s", "-j", "qdisc", "show", "dev", dev));
        for (Object o : (List<?>) parsed) {
            JsonObject q = (JsonObject) o;
            if ("tbf".equals(q.string("kind"))) {
                return q.integer("bytes");
            }
        }
        throw new AssertionError("no tbf on " + dev);
    }
}
