package dev.cni4j.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One runtime and one parsed list shared by many threads, one container each. */
class ConcurrentChainsTest {
    @TempDir
    Path tmp;

    @Test
    void parallelAddAndDelForDifferentContainersDoNotInterfere() throws Exception {
        FakePlugins fakes = new FakePlugins(tmp);
        // Each answer names the container, so crossed wires would show.
        fakes.plain(
                "bridge",
                "if [ \"$CNI_COMMAND\" = ADD ]; then echo \"{\\\"cniVersion\\\":\\\"1.0.0\\\","
                        + "\\\"interfaces\\\":[{\\\"name\\\":\\\"$CNI_IFNAME\\\",\\\"sandbox\\\":\\\"$CNI_CONTAINERID\\\"}]}\"; fi\n");
        fakes.plain(
                "portmap",
                "if [ \"$CNI_COMMAND\" = ADD ]; then echo '{\"cniVersion\":\"1.0.0\",\"interfaces\":"
                        + "[{\"name\":\"x\"}]}'; fi\n");
        ResultCache cache = new ResultCache(tmp.resolve("cache"));
        CniRuntime runtime = new CniRuntime(
                List.of(fakes.binDir), new ProcessPluginExec(Duration.ofSeconds(30), (p, b) -> {}), cache);
        NetworkConfigList list =
                NetworkConfigParser.parseList(("{\"cniVersion\":\"1.0.0\",\"name\":\"net\",\"plugins\":"
                                + "[{\"type\":\"portmap\"},{\"type\":\"bridge\"}]}")
                        .getBytes(StandardCharsets.UTF_8));

        int n = 24;
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<Future<JsonObject>> adds = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                RuntimeConf rt = new RuntimeConf("c" + i, "/run/netns/c" + i, "eth0");
                adds.add(pool.submit(() -> runtime.add(list, rt)));
            }
            for (int i = 0; i < n; i++) {
                assertEquals(
                        "c" + i, adds.get(i).get().objects("interfaces").get(0).string("sandbox"));
            }
            for (int i = 0; i < n; i++) {
                CachedAttachment a = cache.load("net", "c" + i, "eth0").orElseThrow();
                assertEquals("/run/netns/c" + i, a.netns());
                assertEquals("c" + i, a.result().objects("interfaces").get(0).string("sandbox"));
            }
            assertEquals(n, cache.attachments("net").size());
            List<Future<?>> dels = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                RuntimeConf rt = new RuntimeConf("c" + i, "/run/netns/c" + i, "eth0");
                dels.add(pool.submit(() -> runtime.del(list, rt)));
            }
            for (Future<?> f : dels) {
                f.get();
            }
        }
        assertTrue(cache.attachments("net").isEmpty());
    }
}
