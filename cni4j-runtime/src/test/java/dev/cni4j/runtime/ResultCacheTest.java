package dev.cni4j.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonObject;
import dev.cni4j.spec.CniException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResultCacheTest {
    @TempDir
    Path dir;

    private static final String CONFLIST =
            "{\"cniVersion\":\"1.0.0\",\"name\":\"mynet\",\"plugins\":[{\"type\":\"bridge\"}]}";
    private static final String RESULT =
            "{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"eth0\",\"sandbox\":\"/run/netns/x\"}],"
                    + "\"ips\":[{\"address\":\"10.1.0.5/16\",\"gateway\":\"10.1.0.1\",\"interface\":0}]}";

    private CachedAttachment entry(String network, String container, String ifName) {
        return new CachedAttachment(
                network,
                container,
                ifName,
                "/run/netns/x",
                List.of(new RuntimeConf.Arg("IgnoreUnknown", "1"), new RuntimeConf.Arg("K8S_POD_NAME", "web")),
                Map.of("portMappings", List.of(Map.of("hostPort", 8080L))),
                CONFLIST.getBytes(StandardCharsets.UTF_8),
                Json.parseObject(RESULT),
                false);
    }

    @Test
    void roundTripUsesLibcniLayoutModesAndFormat() throws IOException {
        ResultCache cache = new ResultCache(dir);
        cache.save(entry("mynet", "abc123", "eth0"));

        Path file = dir.resolve("results/mynet-abc123-eth0");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
        try (Stream<Path> s = Files.list(file.getParent())) {
            assertEquals(List.of(file), s.toList(), "no temp files left behind");
        }
        JsonObject raw = Json.parseObject(Files.readString(file));
        assertEquals(
                List.of(
                        "kind",
                        "containerId",
                        "config",
                        "ifName",
                        "networkName",
                        "netns",
                        "cniArgs",
                        "capabilityArgs",
                        "result"),
                List.copyOf(raw.keySet()));
        assertEquals("cniCacheV1", raw.string("kind"));
        assertEquals(CONFLIST, new String(Base64.getDecoder().decode(raw.string("config")), StandardCharsets.UTF_8));
        assertEquals(List.of(List.of("IgnoreUnknown", "1"), List.of("K8S_POD_NAME", "web")), raw.list("cniArgs"));

        CachedAttachment back = cache.load("mynet", "abc123", "eth0").orElseThrow();
        assertEquals("mynet", back.networkName());
        assertEquals("abc123", back.containerId());
        assertEquals("eth0", back.ifName());
        assertEquals("/run/netns/x", back.netns());
        assertEquals(entry("mynet", "abc123", "eth0").cniArgs(), back.cniArgs());
        assertEquals(
                8080L, ((JsonObject) ((List<?>) back.capabilityArgs().get("portMappings")).get(0)).integer("hostPort"));
        assertArrayEquals(CONFLIST.getBytes(StandardCharsets.UTF_8), back.config());
        assertEquals(Json.parseObject(RESULT), back.result());
        assertFalse(back.legacy());
    }

    @Test
    void readsAFileExactlyAsLibcniWritesIt() throws IOException {
        // Byte-for-byte what Go's json.Marshal(cachedInfo) produces (containerd/CRI-O on a node).
        String config = Base64.getEncoder().encodeToString(CONFLIST.getBytes(StandardCharsets.UTF_8));
        String golang = "{\"kind\":\"cniCacheV1\",\"containerId\":\"d41d8cd98f00\",\"config\":\"" + config + "\","
                + "\"ifName\":\"eth0\",\"networkName\":\"mynet\",\"netns\":\"/var/run/netns/cni-1234\","
                + "\"cniArgs\":[[\"IgnoreUnknown\",\"1\"],[\"K8S_POD_NAMESPACE\",\"default\"]],"
                + "\"capabilityArgs\":{\"io.kubernetes.cri.pod-annotations\":{\"a\":\"b\"},"
                + "\"portMappings\":[{\"HostPort\":8080,\"ContainerPort\":80,\"Protocol\":\"tcp\",\"HostIP\":\"\"}]},"
                + "\"result\":{\"cniVersion\":\"1.0.0\",\"dns\":{},\"interfaces\":[{\"mac\":\"aa:bb:cc:dd:ee:ff\","
                + "\"name\":\"eth0\",\"sandbox\":\"/var/run/netns/cni-1234\"}],\"ips\":[{\"address\":\"10.88.0.7/16\","
                + "\"gateway\":\"10.88.0.1\",\"interface\":0}],\"routes\":[{\"dst\":\"0.0.0.0/0\"}]}}";
        Files.createDirectories(dir.resolve("results"));
        Files.writeString(dir.resolve("results/mynet-d41d8cd98f00-eth0"), golang);

        ResultCache cache = new ResultCache(dir);
        CachedAttachment a = cache.load("mynet", "d41d8cd98f00", "eth0").orElseThrow();

        assertEquals("/var/run/netns/cni-1234", a.netns());
        assertEquals(
                new RuntimeConf.Arg("K8S_POD_NAMESPACE", "default"), a.cniArgs().get(1));
        assertTrue(a.capabilityArgs().containsKey("portMappings"));
        assertEquals(CONFLIST, new String(a.config(), StandardCharsets.UTF_8));
        assertEquals("10.88.0.7/16", a.result().objects("ips").get(0).string("address"));
        assertEquals(List.of(a), cache.attachments("mynet"));
        // And what we write for it reads back identically.
        assertEquals(Json.parseObject(golang), Json.parseObject(a.encode()));
    }

    @Test
    void legacyBareResultIsReadAsResultOnly() throws IOException {
        Files.createDirectories(dir.resolve("results"));
        Files.writeString(dir.resolve("results/mynet-c1-eth0"), RESULT);

        CachedAttachment a = new ResultCache(dir).load("mynet", "c1", "eth0").orElseThrow();

        assertTrue(a.legacy());
        assertEquals(Json.parseObject(RESULT), a.result());
        assertEquals("c1", a.containerId());
        assertTrue(new ResultCache(dir).attachments("mynet").isEmpty(), "GC lists cniCacheV1 entries only");
    }

    @Test
    void missingEntryIsEmptyAndRemovingItIsFine() {
        ResultCache cache = new ResultCache(dir);
        assertTrue(cache.load("n", "c", "eth0").isEmpty());
        cache.remove("n", "c", "eth0");
        assertTrue(cache.attachments("n").isEmpty());
    }

    @Test
    void garbageIsAnErrorOnLoad() throws IOException {
        Files.createDirectories(dir.resolve("results"));
        Files.writeString(dir.resolve("results/n-c-eth0"), "not json");
        assertThrows(CniException.class, () -> new ResultCache(dir).load("n", "c", "eth0"));
    }

    @Test
    void attachmentsListsOneNetworkSkippingWhatItCannotRead() throws IOException {
        ResultCache cache = new ResultCache(dir);
        cache.save(entry("mynet", "b", "eth0"));
        cache.save(entry("mynet", "a", "eth1"));
        cache.save(entry("other", "a", "eth0"));
        Files.writeString(dir.resolve("results/mynet-junk-eth0"), "{{{");

        List<CachedAttachment> list = cache.attachments("mynet");

        assertEquals(
                List.of("a/eth1", "b/eth0"),
                list.stream().map(x -> x.containerId() + "/" + x.ifName()).toList());
    }

    @Test
    void containsOneAttachmentOrAnyOfAContainerAndEntriesOfEveryNetwork() throws IOException {
        ResultCache cache = new ResultCache(dir);
        assertFalse(cache.contains("mynet", "a", "eth0"), "no cache dir yet");
        assertFalse(cache.contains("mynet", "a", null));
        cache.save(entry("mynet", "a", "eth1"));
        cache.save(entry("other", "b", "eth0"));
        Files.writeString(dir.resolve("results/.mynet-b-eth0.123.tmp"), "being written");
        assertTrue(cache.contains("mynet", "a", "eth1"));
        assertFalse(cache.contains("mynet", "a", "eth0"));
        assertTrue(cache.contains("mynet", "a", null), "any interface of container a");
        assertFalse(cache.contains("mynet", "b", null), "b is cached in another network; a temp file is no entry");
        assertFalse(cache.contains("mynet", "../../etc", null), "a name no cache file can have");
        assertFalse(cache.contains("mynet", "", "eth0"));
        Files.writeString(dir.resolve("results/mynet-junk-eth0"), "{{{");
        assertEquals(
                List.of("a/eth1", "b/eth0"),
                cache.entries().stream()
                        .map(x -> x.containerId() + "/" + x.ifName())
                        .toList());
    }

    @Test
    void saveReplacesAndRemoveDeletes() {
        ResultCache cache = new ResultCache(dir);
        cache.save(entry("n", "c", "eth0"));
        CachedAttachment other = new CachedAttachment(
                "n", "c", "eth0", "", List.of(), Map.of(), null, Json.parseObject("{\"cniVersion\":\"1.0.0\"}"), false);
        cache.save(other);
        CachedAttachment back = cache.load("n", "c", "eth0").orElseThrow();
        assertEquals("", back.netns());
        assertNull(back.config());
        cache.remove("n", "c", "eth0");
        assertTrue(cache.load("n", "c", "eth0").isEmpty());
    }

    @Test
    void pathSeparatorsCannotEscapeTheCacheDir() {
        assertThrows(CniException.class, () -> new ResultCache(dir).file("n", "../../etc", "eth0"));
        assertThrows(CniException.class, () -> new ResultCache(dir).file("n", "", "eth0"));
    }
}
