package dev.cni4j.runtime;

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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chains driven against recording fake plugins. */
class CniRuntimeTest {
    @TempDir
    Path tmp;

    FakePlugins fakes;
    CniRuntime runtime;
    ResultCache cache;

    static final String BRIDGE_RESULT =
            "{\"cniVersion\":\"0.4.0\",\"interfaces\":[{\"name\":\"eth0\",\"sandbox\":\"/run/netns/x\"}],"
                    + "\"ips\":[{\"version\":\"4\",\"address\":\"10.1.0.5/16\",\"gateway\":\"10.1.0.1\",\"interface\":0}]}";
    static final String TUNING_RESULT =
            "{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"eth0\",\"mac\":\"aa:bb:cc:dd:ee:ff\","
                    + "\"sandbox\":\"/run/netns/x\"}],\"ips\":[{\"address\":\"10.1.0.5/16\",\"gateway\":\"10.1.0.1\",\"interface\":0}]}";
    static final String PORTMAP_RESULT = TUNING_RESULT; // chained plugins echo prevResult

    @BeforeEach
    void setUp() throws IOException {
        fakes = new FakePlugins(tmp);
        fakes.recording("bridge", BRIDGE_RESULT)
                .recording("tuning", TUNING_RESULT)
                .recording("portmap", PORTMAP_RESULT);
        cache = new ResultCache(tmp.resolve("cache"));
        runtime = new CniRuntime(
                List.of(tmp.resolve("empty"), fakes.binDir),
                new ProcessPluginExec(Duration.ofSeconds(10), (p, b) -> {}),
                cache);
    }

    static NetworkConfigList list(String version, String extra) {
        return NetworkConfigParser.parseList(
                ("{\"cniVersion\":\"" + version + "\",\"name\":\"net\"" + extra + ",\"plugins\":["
                                + "{\"type\":\"bridge\",\"cniVersion\":\"0.3.1\",\"name\":\"other\"},"
                                + "{\"type\":\"tuning\"},"
                                + "{\"type\":\"portmap\",\"capabilities\":{\"portMappings\":true}}]}")
                        .getBytes(StandardCharsets.UTF_8));
    }

    static final RuntimeConf RT = new RuntimeConf(
            "c1",
            "/run/netns/x",
            "eth0",
            List.of(new RuntimeConf.Arg("IgnoreUnknown", "1"), new RuntimeConf.Arg("K8S_POD_NAME", "web")),
            Map.of("PortMappings", List.of(Map.of("HostPort", 8080L, "ContainerPort", 80L, "Protocol", "tcp"))));

    private List<String> order(List<FakePlugins.Call> calls) {
        return calls.stream().map(c -> c.plugin() + ":" + c.command()).toList();
    }

    @Test
    void addThreadsPrevResultAndCachesTheFinalResultInTheListVersion() throws IOException {
        NetworkConfigList l = list("1.0.0", "");

        JsonObject result = runtime.add(l, RT);

        List<FakePlugins.Call> calls = fakes.calls();
        assertEquals(List.of("bridge:ADD", "tuning:ADD", "portmap:ADD"), order(calls));
        assertFalse(calls.get(0).stdin().containsKey("prevResult"), "the first plugin gets no prevResult");
        // bridge answered 0.4.0; tuning sees it converted to the list's 1.0.0 (no ips[].version).
        JsonObject prev1 = calls.get(1).stdin().object("prevResult");
        assertEquals("1.0.0", prev1.string("cniVersion"));
        assertFalse(prev1.objects("ips").get(0).containsKey("version"));
        assertEquals(
                "aa:bb:cc:dd:ee:ff",
                calls.get(2)
                        .stdin()
                        .object("prevResult")
                        .objects("interfaces")
                        .get(0)
                        .string("mac"));
        for (FakePlugins.Call c : calls) {
            assertEquals("net", c.stdin().string("name"));
            assertEquals("1.0.0", c.stdin().string("cniVersion"));
            assertEquals("c1", c.env().get("CNI_CONTAINERID"));
            assertEquals("/run/netns/x", c.env().get("CNI_NETNS"));
            assertEquals("eth0", c.env().get("CNI_IFNAME"));
            assertEquals("IgnoreUnknown=1;K8S_POD_NAME=web", c.env().get("CNI_ARGS"));
            assertEquals(tmp.resolve("empty") + ":" + fakes.binDir, c.env().get("CNI_PATH"));
        }
        assertFalse(calls.get(0).stdin().containsKey("runtimeConfig"));
        assertEquals(
                8080L,
                calls.get(2)
                        .stdin()
                        .object("runtimeConfig")
                        .objects("portMappings")
                        .get(0)
                        .integer("hostPort"));

        assertEquals(Json.parseObject(TUNING_RESULT), result);
        CachedAttachment cached = cache.load("net", "c1", "eth0").orElseThrow();
        assertEquals(result, cached.result());
        assertEquals(RT.cniArgs(), cached.cniArgs());
        assertTrue(cached.capabilityArgs().containsKey("PortMappings"));
        assertEquals(
                new String(l.bytes(), StandardCharsets.UTF_8), new String(cached.config(), StandardCharsets.UTF_8));
    }

    @Test
    void resultWithoutCniVersionIsReadAsTheListVersion() throws IOException {
        fakes.recording("bridge", "{\"ips\":[{\"address\":\"10.1.0.9/16\"}]}");
        JsonObject result = runtime.add(list("1.1.0", ""), RT);
        assertEquals(
                "10.1.0.9/16",
                fakes.calls()
                        .get(1)
                        .stdin()
                        .object("prevResult")
                        .objects("ips")
                        .get(0)
                        .string("address"));
        assertEquals("1.1.0", result.string("cniVersion"));
    }

    @Test
    void aFailingPluginHaltsAddWithItsCodeAndMsgAndNothingIsCached() throws IOException {
        fakes.failing("tuning", "{\"code\":7,\"msg\":\"bad sysctl\",\"details\":\"net.x\"}", "", 1);

        PluginFailedException e = assertThrows(PluginFailedException.class, () -> runtime.add(list("1.0.0", ""), RT));

        assertEquals(7, e.code());
        assertEquals("bad sysctl", e.msg());
        assertEquals("net.x", e.details());
        assertEquals("tuning", e.pluginType());
        assertEquals("ADD", e.command());
        assertEquals(List.of("bridge:ADD", "tuning:ADD"), order(fakes.calls()));
        assertTrue(cache.load("net", "c1", "eth0").isEmpty());
    }

    @Test
    void anAddThatPrintsNothingFails() throws IOException {
        fakes.script("tuning", "true\n");
        PluginFailedException e = assertThrows(PluginFailedException.class, () -> runtime.add(list("1.0.0", ""), RT));
        assertEquals(6, e.code());
        assertEquals("tuning", e.pluginType());
        assertTrue(cache.load("net", "c1", "eth0").isEmpty());
    }

    @Test
    void missingPluginIsReportedWithThePath() {
        NetworkConfigList l = NetworkConfigParser.parseList(
                "{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"plugins\":[{\"type\":\"nope\"}]}"
                        .getBytes(StandardCharsets.UTF_8));
        CniException e = assertThrows(CniException.class, () -> runtime.add(l, RT));
        assertEquals(
                "failed to find plugin \"nope\" in path [" + tmp.resolve("empty") + " " + fakes.binDir + "]", e.msg());
    }

    @Test
    void addValidatesTheAttachment() {
        NetworkConfigList l = list("1.0.0", "");
        assertThrows(CniException.class, () -> runtime.add(l, new RuntimeConf("-bad", "/n", "eth0")));
        assertThrows(CniException.class, () -> runtime.add(l, new RuntimeConf("c1", "/n", "this-name-is-too-long")));
    }

    @Test
    void delRunsInReverseGivingEveryPluginTheCachedResultAndCachedRuntimeConfig() throws IOException {
        NetworkConfigList l = list("1.0.0", "");
        JsonObject added = runtime.add(l, RT);
        Files.delete(fakes.logDir.resolve("counter"));
        clearLog();

        // The caller no longer knows the capability args: they come from the cache.
        runtime.del(l, new RuntimeConf("c1", "/run/netns/x", "eth0"));

        List<FakePlugins.Call> calls = fakes.calls();
        assertEquals(List.of("portmap:DEL", "tuning:DEL", "bridge:DEL"), order(calls));
        for (FakePlugins.Call c : calls) {
            assertEquals(added, c.stdin().object("prevResult"), c.plugin());
            assertEquals("IgnoreUnknown=1;K8S_POD_NAME=web", c.env().get("CNI_ARGS"));
        }
        assertEquals(
                8080L,
                calls.get(0)
                        .stdin()
                        .object("runtimeConfig")
                        .objects("portMappings")
                        .get(0)
                        .integer("hostPort"));
        assertTrue(cache.load("net", "c1", "eth0").isEmpty(), "cache entry removed after DEL");
    }

    @Test
    void delConvertsTheCachedResultToTheListVersion() throws IOException {
        cache.save(new CachedAttachment(
                "net", "c1", "eth0", "", List.of(), Map.of(), null, Json.parseObject(BRIDGE_RESULT), false));
        runtime.del(list("1.1.0", ""), RT);
        JsonObject prev = fakes.calls().get(0).stdin().object("prevResult");
        assertEquals("1.1.0", prev.string("cniVersion"));
        assertFalse(prev.objects("ips").get(0).containsKey("version"));
    }

    @Test
    void delWithoutCacheOrBelow040HasNoPrevResult() throws IOException {
        runtime.del(list("1.0.0", ""), RT);
        runtime.add(list("0.3.1", ""), RT);
        clearLog();
        runtime.del(list("0.3.1", ""), RT);
        for (FakePlugins.Call c : fakes.calls()) {
            assertNull(c.stdin().get("prevResult"));
        }
        assertTrue(cache.load("net", "c1", "eth0").isEmpty());
    }

    @Test
    void delOfAnUnreadableCacheEntryRemovesItAndStillRuns() throws IOException {
        Files.createDirectories(tmp.resolve("cache/results"));
        Files.writeString(tmp.resolve("cache/results/net-c1-eth0"), "garbage");
        runtime.del(list("1.0.0", ""), RT);
        assertEquals(3, fakes.calls().size());
        assertFalse(Files.exists(tmp.resolve("cache/results/net-c1-eth0")));
    }

    @Test
    void delGoesOnPastAFailingPluginAndKeepsTheCache() throws IOException {
        runtime.add(list("1.0.0", ""), RT);
        fakes.failing("tuning", "{\"code\":999,\"msg\":\"stuck\"}", "", 1);
        clearLog();
        PluginFailedException e = assertThrows(PluginFailedException.class, () -> runtime.del(list("1.0.0", ""), RT));
        assertEquals("DEL", e.command());
        assertEquals("tuning", e.pluginType());
        assertEquals(
                List.of("portmap:DEL", "tuning:DEL", "bridge:DEL"),
                order(fakes.calls()),
                "the plugins after the failing one still release what they hold");
        assertTrue(cache.load("net", "c1", "eth0").isPresent(), "kept for a retry");
    }

    @Test
    void delReportsEveryFailingPluginTogether() throws IOException {
        runtime.add(list("1.0.0", ""), RT);
        fakes.failing("portmap", "{\"code\":7,\"msg\":\"portmap broke\"}", "", 1);
        fakes.failing("tuning", "{\"code\":999,\"msg\":\"stuck\"}", "", 1);
        clearLog();
        ChainFailedException e = assertThrows(ChainFailedException.class, () -> runtime.del(list("1.0.0", ""), RT));
        assertEquals(List.of("portmap:DEL", "tuning:DEL", "bridge:DEL"), order(fakes.calls()));
        assertEquals(
                List.of("portmap", "tuning"),
                e.failures().stream().map(PluginFailedException::pluginType).toList());
        assertEquals(7, e.code(), "the first failure's code");
        assertTrue(e.msg().contains("portmap broke") && e.msg().contains("stuck"), e.msg());
        assertTrue(cache.load("net", "c1", "eth0").isPresent());
    }

    @Test
    void delOfAChainNamingAMissingPluginStillRunsTheOthers() throws IOException {
        NetworkConfigList l = NetworkConfigParser.parseList(("{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"plugins\":["
                        + "{\"type\":\"bridge\"},{\"type\":\"tuning\"},{\"type\":\"nope\"}]}")
                .getBytes(StandardCharsets.UTF_8));
        PluginFailedException add = assertThrows(PluginFailedException.class, () -> runtime.add(l, RT));
        assertEquals("nope", add.pluginType());
        clearLog();

        PluginFailedException del = assertThrows(PluginFailedException.class, () -> runtime.del(l, RT));

        assertEquals("nope", del.pluginType());
        assertEquals(List.of("tuning:DEL", "bridge:DEL"), order(fakes.calls()));
    }

    @Test
    void checkRunsForwardWithTheCachedResult() throws IOException {
        JsonObject added = runtime.add(list("1.0.0", ""), RT);
        clearLog();
        runtime.check(list("1.0.0", ""), RT);
        List<FakePlugins.Call> calls = fakes.calls();
        assertEquals(List.of("bridge:CHECK", "tuning:CHECK", "portmap:CHECK"), order(calls));
        calls.forEach(c -> assertEquals(added, c.stdin().object("prevResult")));
    }

    @Test
    void checkGivesThePluginsTheCachedRuntimeConfigWhenTheCallerHasNone() throws IOException {
        runtime.add(list("1.0.0", ""), RT);
        clearLog();
        runtime.check(list("1.0.0", ""), new RuntimeConf("c1", "/run/netns/x", "eth0"));
        List<FakePlugins.Call> calls = fakes.calls();
        FakePlugins.Call portmap = calls.get(2);
        assertEquals(
                8080L,
                portmap.stdin()
                        .object("runtimeConfig")
                        .objects("portMappings")
                        .get(0)
                        .integer("hostPort"));
        calls.forEach(
                c -> assertEquals("IgnoreUnknown=1;K8S_POD_NAME=web", c.env().get("CNI_ARGS")));
    }

    @Test
    void checkNeeds040AndHonoursDisableCheck() throws IOException {
        CniException e = assertThrows(CniException.class, () -> runtime.check(list("0.3.1", ""), RT));
        assertEquals(1, e.code());
        runtime.check(list("1.0.0", ",\"disableCheck\":\"true\""), RT);
        assertTrue(fakes.calls().isEmpty());
    }

    @Test
    void statusRunsEachPluginFrom110AndReportsTheCode() throws IOException {
        runtime.status(list("1.0.0", ""));
        assertTrue(fakes.calls().isEmpty(), "STATUS is skipped below 1.1.0");

        runtime.status(list("1.1.0", ""));
        List<FakePlugins.Call> calls = fakes.calls();
        assertEquals(List.of("bridge:STATUS", "tuning:STATUS", "portmap:STATUS"), order(calls));
        assertEquals("", calls.get(0).env().get("CNI_CONTAINERID"));
        assertFalse(calls.get(0).stdin().containsKey("runtimeConfig"));

        fakes.failing("tuning", "{\"code\":50,\"msg\":\"daemon down\"}", "", 1);
        CniException e = assertThrows(CniException.class, () -> runtime.status(list("1.1.0", "")));
        assertEquals(50, e.code());
    }

    @Test
    void versionDecodesLikeLibcni() throws IOException {
        fakes.script(
                "modern", "echo '{\"cniVersion\":\"1.1.0\",\"supportedVersions\":[\"0.4.0\",\"1.0.0\",\"1.1.0\"]}'\n");
        fakes.script("old", "echo '{\"cniVersion\":\"0.2.0\"}'\n");
        fakes.failing("ancient", "{\"code\":4,\"msg\":\"unknown CNI_COMMAND: VERSION\"}", "", 1);

        assertEquals(
                List.of("0.4.0", "1.0.0", "1.1.0"), runtime.version("modern").supportedVersions());
        assertEquals(List.of("0.1.0", "0.2.0"), runtime.version("old").supportedVersions());
        assertEquals(List.of("0.1.0"), runtime.version("ancient").supportedVersions());
        FakePlugins.Call call = fakes.calls().get(0);
        assertEquals("VERSION", call.command());
        assertEquals("dummy", call.env().get("CNI_NETNS"));
        assertEquals("1.1.0", call.stdin().string("cniVersion"));
    }

    @Test
    void validateRequiresEveryPluginToSupportTheListVersion() throws IOException {
        fakes.script("bridge", "echo '{\"cniVersion\":\"1.1.0\",\"supportedVersions\":[\"1.0.0\",\"1.1.0\"]}'\n");
        fakes.script("tuning", "echo '{\"cniVersion\":\"1.1.0\",\"supportedVersions\":[\"1.0.0\",\"1.1.0\"]}'\n");
        fakes.script("portmap", "echo '{\"cniVersion\":\"1.1.0\",\"supportedVersions\":[\"0.4.0\"]}'\n");

        CniException e = assertThrows(CniException.class, () -> runtime.validate(list("1.0.0", "")));
        assertEquals("plugin portmap does not support config version \"1.0.0\"", e.msg());

        fakes.script("portmap", "echo '{\"cniVersion\":\"1.1.0\",\"supportedVersions\":[\"1.0.0\"]}'\n");
        assertEquals(List.of("portMappings"), runtime.validate(list("1.0.0", "")));
    }

    @Test
    void anInProcessPluginExecPlugsIn() {
        List<String> seen = new java.util.ArrayList<>();
        PluginExec inProcess = new PluginExec() {
            @Override
            public Path find(String type, List<Path> searchPath) {
                return Path.of("in-process", type);
            }

            @Override
            public byte[] exec(Path plugin, byte[] stdin, Map<String, String> env) {
                seen.add(plugin.getFileName() + ":" + env.get("CNI_COMMAND"));
                return "{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.9.0.2/24\"}]}"
                        .getBytes(StandardCharsets.UTF_8);
            }
        };
        CniRuntime inMemory = new CniRuntime(List.of(), inProcess, cache);

        JsonObject result = inMemory.add(list("1.0.0", ""), RT);

        assertEquals(List.of("bridge:ADD", "tuning:ADD", "portmap:ADD"), seen);
        assertEquals("10.9.0.2/24", result.objects("ips").get(0).string("address"));
    }

    private void clearLog() throws IOException {
        try (var s = Files.list(fakes.logDir)) {
            for (Path p : s.toList()) {
                Files.delete(p);
            }
        }
    }
}
