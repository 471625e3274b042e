package dev.cni4j.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonObject;
import dev.cni4j.spec.CniException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GarbageCollectionTest {
    @TempDir
    Path tmp;

    FakePlugins fakes;
    ResultCache cache;
    CniRuntime runtime;

    private static final JsonObject RESULT = Json.parseObject(CniRuntimeTest.TUNING_RESULT);

    @BeforeEach
    void setUp() throws IOException {
        fakes = new FakePlugins(tmp);
        fakes.recording("bridge", CniRuntimeTest.BRIDGE_RESULT)
                .recording("tuning", CniRuntimeTest.TUNING_RESULT)
                .recording("portmap", CniRuntimeTest.PORTMAP_RESULT);
        cache = new ResultCache(tmp.resolve("cache"));
        runtime = new CniRuntime(
                List.of(fakes.binDir), new ProcessPluginExec(Duration.ofSeconds(10), (p, b) -> {}), cache);
        cached("net", "c1", "eth0");
        cached("net", "c2", "eth0");
        cached("net", "c3", "eth1");
        cached("other", "c9", "eth0");
    }

    private void cached(String network, String container, String ifName) {
        cache.save(new CachedAttachment(
                network,
                container,
                ifName,
                "/run/netns/" + container,
                List.of(new RuntimeConf.Arg("K8S_POD_NAME", container)),
                Map.of("portMappings", List.of()),
                new byte[0],
                RESULT,
                false));
    }

    private static NetworkConfigList list(String version, String extra) {
        return NetworkConfigParser.parseList(("{\"cniVersion\":\"" + version + "\",\"name\":\"net\"" + extra
                        + ",\"plugins\":[{\"type\":\"bridge\"},{\"type\":\"tuning\"},{\"type\":\"portmap\"}]}")
                .getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> order(List<FakePlugins.Call> calls) {
        return calls.stream()
                .map(c -> c.plugin() + ":" + c.command() + ":" + c.env().get("CNI_CONTAINERID"))
                .toList();
    }

    @Test
    void deletesStaleCachedAttachmentsThenSendsGcWithTheValidSet() throws IOException {
        runtime.gc(list("1.1.0", ""), List.of(new GcAttachment("c1", "eth0")));

        List<FakePlugins.Call> calls = fakes.calls();
        assertEquals(
                List.of(
                        "portmap:DEL:c2",
                        "tuning:DEL:c2",
                        "bridge:DEL:c2",
                        "portmap:DEL:c3",
                        "tuning:DEL:c3",
                        "bridge:DEL:c3",
                        "bridge:GC:",
                        "tuning:GC:",
                        "portmap:GC:"),
                order(calls));
        // Stale attachments are deleted with their cached parameters.
        assertEquals("/run/netns/c3", calls.get(3).env().get("CNI_NETNS"));
        assertEquals("eth1", calls.get(3).env().get("CNI_IFNAME"));
        assertEquals("K8S_POD_NAME=c3", calls.get(3).env().get("CNI_ARGS"));
        assertEquals(RESULT.string("cniVersion"), "1.0.0");
        assertEquals("1.1.0", calls.get(3).stdin().object("prevResult").string("cniVersion"));
        JsonObject gc = calls.get(6).stdin();
        List<Object> expected = List.of(Json.parseObject("{\"containerID\":\"c1\",\"ifname\":\"eth0\"}"));
        assertEquals(expected, gc.list("cni.dev/valid-attachments"));
        assertEquals(expected, gc.list("cni.dev/attachments"));
        assertEquals("net", gc.string("name"));
        assertTrue(!gc.containsKey("prevResult") && !gc.containsKey("runtimeConfig"));

        assertTrue(cache.load("net", "c1", "eth0").isPresent());
        assertTrue(cache.load("net", "c2", "eth0").isEmpty());
        assertTrue(cache.load("net", "c3", "eth1").isEmpty());
        assertTrue(cache.load("other", "c9", "eth0").isPresent(), "other networks are not touched");
    }

    @Test
    void staleSelectionMatchesContainerAndInterface() {
        GarbageCollection gc = new GarbageCollection(
                runtime, list("1.1.0", ""), List.of(new GcAttachment("c1", "eth0"), new GcAttachment("c3", "eth0")));
        assertEquals(
                List.of("c2/eth0", "c3/eth1"),
                gc.staleAttachments().stream()
                        .map(a -> a.containerId() + "/" + a.ifName())
                        .toList());
    }

    @Test
    void continuesOnErrorsAndReportsThemAll() throws IOException {
        fakes.failing("tuning", "{\"code\":999,\"msg\":\"tuning broke\"}", "", 1);

        CniException e = assertThrows(
                CniException.class, () -> runtime.gc(list("1.1.0", ""), List.of(new GcAttachment("c1", "eth0"))));

        // A DEL goes on through the chain past the failing plugin (bridge still releases).
        assertEquals(
                List.of(
                        "portmap:DEL:c2",
                        "tuning:DEL:c2",
                        "bridge:DEL:c2",
                        "portmap:DEL:c3",
                        "tuning:DEL:c3",
                        "bridge:DEL:c3",
                        "bridge:GC:",
                        "tuning:GC:",
                        "portmap:GC:"),
                order(fakes.calls()));
        assertEquals(3, e.getSuppressed().length);
        assertTrue(e.getMessage().contains("failed to delete stale attachment c2 eth0: tuning broke"), e.getMessage());
        assertTrue(cache.load("net", "c2", "eth0").isPresent(), "a failed DEL keeps its cache entry");
    }

    @Test
    void disableGcSkipsEverything() throws IOException {
        runtime.gc(list("1.1.0", ",\"disableGC\":true"), List.of());
        assertTrue(fakes.calls().isEmpty());
        assertTrue(cache.load("net", "c2", "eth0").isPresent());
    }

    @Test
    void below110OnlyStaleAttachmentsAreDeleted() throws IOException {
        runtime.gc(list("1.0.0", ""), List.of(new GcAttachment("c1", "eth0"), new GcAttachment("c2", "eth0")));
        assertEquals(List.of("portmap:DEL:c3", "tuning:DEL:c3", "bridge:DEL:c3"), order(fakes.calls()));
    }

    @Test
    void anEmptyValidSetMeansNothingIsValid() throws IOException {
        runtime.gc(list("1.1.0", ""), List.of());
        assertEquals(12, fakes.calls().size());
        assertEquals(List.of(), fakes.calls().get(9).stdin().list("cni.dev/valid-attachments"));
    }
}
