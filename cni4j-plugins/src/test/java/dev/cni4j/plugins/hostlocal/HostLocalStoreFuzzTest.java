package dev.cni4j.plugins.hostlocal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonException;
import dev.cni4j.json.JsonObject;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;
import dev.cni4j.testing.fuzz.Fuzzer;
import dev.cni4j.testing.fuzz.PluginCalls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Fuzzes host-local's on-disk readers: a network directory holding whatever a crash, another
 * implementation or an operator left (odd names, empty, binary or huge files, bad
 * last_reserved_ip). ADD, DEL, GC and STATUS over it answer cleanly, and ADD never hands out an
 * address whose file was there.
 */
class HostLocalStoreFuzzTest {
    private static final String IPAM = "\"ipam\":{\"type\":\"host-local\",\"dataDir\":\"%s\","
            + "\"ranges\":[[{\"subnet\":\"10.1.0.0/29\"}],[{\"subnet\":\"2001:db8::/125\"}]]}";

    @Test
    void anyDirectoryContentIsReadCleanly() throws IOException {
        Path base = Files.isDirectory(Path.of("/dev/shm"))
                ? Path.of("/dev/shm")
                : Path.of(System.getProperty("java.io.tmpdir"));
        Path root = Files.createTempDirectory(base, "cni4j-fuzz-store");
        try {
            Fuzzer.of("host-local-store", input -> runOn(root, input))
                    .json()
                    .seeds(
                            "{\"10.1.0.2\":\"c1\\r\\neth0\",\"10.1.0.3\":\"c2\\r\\neth0\\n\",\"10.1.0.4\":\"legacy\","
                                    + "\"last_reserved_ip.0\":\"10.1.0.4\",\"lock\":\"\",\"2001:db8::2\":\" c1 \\r\\neth0\","
                                    + "\"last_reserved_ip.1\":\"2001:db8::2\",\".reservation.tmp\":\"c9\\r\\neth0\"}",
                            "{\"10.1.0.1\":\"\",\"10.1.0.6\":\"c3\\r\\n\",\"10.1.0.07\":\"c4\\r\\neth0\",\"::ffff:10.1.0.5\":\"c5\\r\\neth0\","
                                    + "\"2001:0db8::3\":\"c6\\r\\neth1\",\"last_reserved_ip.0\":\"10.1.0.250\",\"last_reserved_ip.1\":\"nonsense\"}")
                    .run();
        } finally {
            delete(root);
        }
    }

    /** The other files host-local reads: the node agent's pod CIDR file and resolvConf. */
    @Test
    void podCidrFileAndResolvConfAreReadCleanly() throws IOException {
        Path base = Files.isDirectory(Path.of("/dev/shm"))
                ? Path.of("/dev/shm")
                : Path.of(System.getProperty("java.io.tmpdir"));
        Path file = Files.createTempFile(base, "cni4j-fuzz-file", "");
        try {
            Fuzzer.of("host-local-files", input -> {
                        Files.write(file, input);
                        try {
                            PodCidrSource.file(file).podCidrs();
                        } catch (CniException e) {
                            assertEquals(ErrorCode.TRY_AGAIN_LATER.code(), e.code(), e.getMessage());
                        }
                        ResolvConf.read(file);
                    })
                    .seeds(
                            "10.244.1.0/24\nfd00:10:244:1::/64\n",
                            "2001:db8:1::/64\r\n10.0.0.0/8",
                            "nameserver 10.96.0.10\nsearch default.svc.cluster.local svc.cluster.local\n"
                                    + "options ndots:5 timeout:1\ndomain cluster.local\n# comment\n; other\nnameserver ::1\n")
                    .dictionary("nameserver ", "search ", "options ", "domain ", "#", "\t")
                    .allow(CniException.class)
                    .run();
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static void runOn(Path root, byte[] input) throws IOException {
        JsonObject files;
        try {
            files = Json.parseObject(input);
        } catch (JsonException notADirectoryListing) {
            return;
        }
        delete(root);
        Path net = root.resolve("net");
        Files.createDirectories(net);
        Set<String> before = new HashSet<>();
        for (Map.Entry<String, Object> f : files.entrySet()) {
            String name = f.getKey();
            try {
                Path p = net.resolve(name);
                if (!p.getParent().equals(net) || name.equals(".") || name.equals("..")) {
                    continue; // one file of the network directory only
                }
                Files.write(p, String.valueOf(f.getValue()).getBytes(StandardCharsets.UTF_8));
                before.add(name);
            } catch (InvalidPathException | IOException notAFileName) {
                // e.g. a NUL or a name over 255 bytes: no such file can exist
            }
        }
        HostLocalStore store = new HostLocalStore(net);
        store.reservations();
        store.lastReservedIp(0);
        store.lastReservedIp(1);

        String conf = "{\"cniVersion\":\"1.1.0\",\"name\":\"net\",\"type\":\"host-local\"," + String.format(IPAM, root)
                + "%s}";
        HostLocal plugin = new HostLocal(IpamConfigFuzzTest.POD_CIDRS);
        Map<String, String> env = PluginCalls.addEnv();
        env.put("CNI_CONTAINERID", "fuzz");
        String out = PluginCalls.call(plugin, env, utf8(String.format(conf, "")), true);
        JsonObject result = Json.parseObject(out);
        if (result.has("ips")) {
            for (JsonObject ip : result.objects("ips")) {
                String addr = ip.string("address");
                String file = addr.substring(0, addr.indexOf('/'));
                assertFalse(before.contains(file), "ADD handed out " + addr + " whose reservation file was there");
            }
        }
        env.put("CNI_COMMAND", "DEL");
        PluginCalls.call(plugin, env, utf8(String.format(conf, "")));
        env.put("CNI_CONTAINERID", "c1");
        PluginCalls.call(plugin, env, utf8(String.format(conf, "")));
        env.put("CNI_COMMAND", "STATUS");
        PluginCalls.call(plugin, env, utf8(String.format(conf, "")), true);
        env.put("CNI_COMMAND", "GC");
        PluginCalls.call(
                plugin,
                env,
                utf8(
                        String.format(
                                conf,
                                ",\"cni.dev/valid-attachments\":[{\"containerID\":\"c2\",\"ifname\":\"eth0\"},{\"containerID\":\"legacy\",\"ifname\":\"eth0\"}]")));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void delete(Path root) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                if (!p.equals(root)) {
                    Files.delete(p);
                }
            }
        }
    }
}
