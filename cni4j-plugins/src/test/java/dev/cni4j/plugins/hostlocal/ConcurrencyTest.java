package dev.cni4j.plugins.hostlocal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Concurrent ADDs never hand out an IP twice: threads of one JVM, and separate JVM processes. */
class ConcurrencyTest {
    @TempDir
    Path dataDir;

    private String conf() {
        return Cni.config(
                "1.1.0", dataDir, "\"ranges\": [[{\"subnet\": \"10.1.0.0/24\"}], [{\"subnet\": \"2001:db8::/120\"}]]");
    }

    @Test
    void twoHundredAddsOnEightThreads() throws Exception {
        String conf = conf();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Cni.Outcome>> adds = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String id = "pod" + i;
                adds.add(pool.submit(() -> Cni.run("ADD", conf, id, "eth0")));
            }
            Set<String> ips = new HashSet<>();
            for (Future<Cni.Outcome> f : adds) {
                Cni.Outcome o = f.get(60, TimeUnit.SECONDS);
                assertTrue(o.ok(), o.stdout() + o.stderr());
                o.json().objects("ips").forEach(ip -> ips.add(ip.string("address")));
            }
            assertEquals(400, ips.size(), "200 distinct IPv4 and 200 distinct IPv6 addresses");
            assertEquals(400 + 3, StoreFiles.names(dataDir.resolve("mynet")).size() - 1);

            List<Future<Cni.Outcome>> dels = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                String id = "pod" + i;
                dels.add(pool.submit(() -> Cni.run("DEL", conf, id, "eth0")));
            }
            for (Future<Cni.Outcome> f : dels) {
                assertTrue(f.get(60, TimeUnit.SECONDS).ok());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(
                List.of(".", "last_reserved_ip.0", "last_reserved_ip.1", "lock"),
                StoreFiles.names(dataDir.resolve("mynet")));
    }

    @Test
    void separateProcessesShareTheStoreSafely() throws Exception {
        Path confFile = Files.writeString(dataDir.resolve("conf.json"), conf());
        String java = ProcessHandle.current().info().command().orElse("java");
        String cp = System.getProperty("java.class.path");
        List<Process> procs = new ArrayList<>();
        for (int p = 0; p < 4; p++) {
            procs.add(new ProcessBuilder(
                            java,
                            "-XX:TieredStopAtLevel=1",
                            "-XX:+UseSerialGC",
                            "-cp",
                            cp,
                            AddLoop.class.getName(),
                            confFile.toString(),
                            "proc" + p,
                            "40")
                    .redirectErrorStream(true)
                    .redirectOutput(dataDir.resolve("out" + p).toFile())
                    .start());
        }
        for (int p = 0; p < procs.size(); p++) {
            assertTrue(procs.get(p).waitFor(120, TimeUnit.SECONDS), "process " + p + " finished");
            assertEquals(0, procs.get(p).exitValue(), Files.readString(dataDir.resolve("out" + p)));
        }
        Set<String> ips = new HashSet<>();
        for (int p = 0; p < procs.size(); p++) {
            for (String line : Files.readAllLines(dataDir.resolve("out" + p))) {
                assertTrue(ips.add(line), "IP handed out twice: " + line);
            }
        }
        assertEquals(4 * 40 * 2, ips.size());
    }

    /** One JVM process running many ADDs in a row, printing each address on its own line. */
    public static final class AddLoop {
        public static void main(String[] args) throws IOException {
            String conf = Files.readString(Path.of(args[0]));
            int n = Integer.parseInt(args[2]);
            for (int i = 0; i < n; i++) {
                Cni.Outcome o = Cni.run("ADD", conf, args[1] + "-" + i, "eth0");
                if (!o.ok()) {
                    System.out.println("FAILED " + o.stdout());
                    System.exit(1);
                }
                o.json().objects("ips").forEach(ip -> System.out.println(ip.string("address")));
            }
        }
    }
}
