package dev.cni4j.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigDirectoryTest {
    @TempDir
    Path dir;

    private void write(String name, String json) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, json);
    }

    private static String list(String name, String plugins) {
        return "{\"cniVersion\":\"1.0.0\",\"name\":\"" + name + "\",\"plugins\":[" + plugins + "]}";
    }

    private String reasonFor(String file) {
        return ConfigDirectory.load(dir).problems().stream()
                .filter(p -> p.file().endsWith(file))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no problem reported for " + file))
                .reason();
    }

    @Test
    void filesAreReadInLexicalOrderAcrossAllThreeExtensions() throws IOException {
        write("20-b.conflist", list("b", "{\"type\":\"bridge\"}"));
        write("10-a.conf", "{\"cniVersion\":\"0.4.0\",\"name\":\"a\",\"type\":\"ptp\"}");
        write("30-c.json", "{\"cniVersion\":\"0.3.1\",\"name\":\"c\",\"type\":\"macvlan\"}");
        write("05-ignored.txt", list("x", "{\"type\":\"x\"}"));
        write("00-dir.conf/inner.conf", "{}");

        ConfigDirectory d = ConfigDirectory.load(dir);

        assertEquals(
                List.of("a", "b", "c"),
                d.networks().stream().map(NetworkConfigList::name).toList());
        assertEquals(List.of(), d.problems());
        assertEquals("a", d.firstValid().orElseThrow().name());
    }

    @Test
    void singlePluginFileIsUpConvertedToAOneElementList() throws IOException {
        write("10-a.conf", "{\"cniVersion\":\"0.4.0\",\"name\":\"a\",\"type\":\"ptp\",\"mtu\":1400}");

        NetworkConfigList l = ConfigDirectory.load(dir).byName("a").orElseThrow();

        assertEquals("0.4.0", l.cniVersion());
        assertEquals(1, l.plugins().size());
        assertEquals("ptp", l.plugins().get(0).type());
        assertEquals(1400L, l.plugins().get(0).json().integer("mtu"));
        // The bytes are a real list (what goes into the cache), like libcni's ConfListFromConf.
        JsonObject bytes = Json.parseObject(l.bytes());
        assertEquals("a", bytes.string("name"));
        assertEquals("ptp", bytes.objects("plugins").get(0).string("type"));
    }

    @Test
    void malformedFilesAreSkippedWithAReasonAndTheFirstValidWins() throws IOException {
        write("00-broken.conflist", "{\"name\": ");
        write("01-noname.conflist", "{\"cniVersion\":\"1.0.0\",\"plugins\":[{\"type\":\"x\"}]}");
        write("02-good.conflist", list("good", "{\"type\":\"bridge\"}"));

        ConfigDirectory d = ConfigDirectory.load(dir);

        assertEquals("good", d.firstValid().orElseThrow().name());
        assertEquals(2, d.problems().size());
        assertTrue(reasonFor("00-broken.conflist").startsWith("error parsing configuration"));
        assertTrue(reasonFor("01-noname.conflist").contains("no name"));
    }

    @Test
    void everyValidationRuleIsReported() throws IOException {
        write("a.conflist", list("bad name!", "{\"type\":\"x\"}"));
        write("b.conflist", list("b", "{\"mtu\":1}"));
        write("c.conflist", list("c", "{\"type\":\"../bin/evil\"}"));
        write("d.conflist", list("d", "{\"type\":\"x\",\"runtimeConfig\":{}}"));
        write("e.conflist", list("e", "{\"type\":\"x\",\"args\":{}}"));
        write("f.conflist", list("f", "{\"type\":\"x\",\"cni.dev/valid-attachments\":[]}"));
        write("g.conflist", "{\"cniVersion\":\"1.0.0\",\"name\":\"g\",\"plugins\":[]}");
        write("h.conflist", "{\"cniVersion\":\"1.1.0\",\"name\":\"h\",\"loadOnlyInlinedPlugins\":true}");
        write(
                "i.conflist",
                "{\"cniVersion\":\"1.0.0\",\"name\":\"i\",\"disableCheck\":\"maybe\",\"plugins\":[{\"type\":\"x\"}]}");
        write("j.conflist", "{\"cniVersion\":\"1.0\",\"name\":\"j\",\"plugins\":[{\"type\":\"x\"}]}");
        write("k.conflist", "{\"cniVersion\":\"1.0.0\",\"name\":\"k\"}");
        write("l.conf", "{\"cniVersion\":\"1.0.0\",\"name\":\"l\"}");
        write("m.conflist", list("m", "{\"type\":\"x\",\"ipam\":{\"type\":\"a/b\"}}"));
        write("n.conflist", list("n", "{\"type\":\"x\",\"capabilities\":{\"portMappings\":\"yes\"}}"));

        assertTrue(reasonFor("a.conflist").contains("invalid network name"));
        assertTrue(reasonFor("b.conflist").contains("missing 'type'"));
        assertTrue(reasonFor("c.conflist").contains("must not contain a path separator"));
        assertTrue(reasonFor("d.conflist").contains("reserved key \"runtimeConfig\""));
        assertTrue(reasonFor("e.conflist").contains("reserved key \"args\""));
        assertTrue(reasonFor("f.conflist").contains("reserved key \"cni.dev/valid-attachments\""));
        assertTrue(reasonFor("g.conflist").contains("no plugins in list"));
        assertTrue(reasonFor("h.conflist").contains("loadOnlyInlinedPlugins"));
        assertTrue(reasonFor("i.conflist").contains("invalid value \"maybe\" for disableCheck"));
        assertTrue(reasonFor("j.conflist").contains("invalid cniVersion"));
        assertTrue(reasonFor("k.conflist").contains("no plugin configs found"));
        assertTrue(reasonFor("l.conf").contains("missing 'type'"));
        assertTrue(reasonFor("m.conflist").contains("ipam.type"));
        assertTrue(reasonFor("n.conflist").contains("portMappings"));
        assertEquals(List.of(), ConfigDirectory.load(dir).networks());
    }

    @Test
    void flagsAcceptBooleansAndTrueFalseStringsInAnyCase() throws IOException {
        write(
                "a.conflist",
                "{\"cniVersion\":\"1.1.0\",\"name\":\"a\",\"disableCheck\":true,\"disableGC\":\"TRUE\","
                        + "\"loadOnlyInlinedPlugins\":\"True\",\"plugins\":[{\"type\":\"x\"}]}");
        write(
                "b.conflist",
                "{\"cniVersion\":\"1.1.0\",\"name\":\"b\",\"disableCheck\":\"false\",\"disableGC\":false,"
                        + "\"plugins\":[{\"type\":\"x\"}]}");

        ConfigDirectory d = ConfigDirectory.load(dir);
        NetworkConfigList a = d.byName("a").orElseThrow();
        NetworkConfigList b = d.byName("b").orElseThrow();

        assertTrue(a.disableCheck() && a.disableGC() && a.loadOnlyInlinedPlugins());
        assertFalse(b.disableCheck() || b.disableGC() || b.loadOnlyInlinedPlugins());
    }

    @Test
    void nonInlinedPluginsFromTheNetworkSubdirAreAppendedInOrder() throws IOException {
        write("10-net.conflist", list("net", "{\"type\":\"bridge\"}"));
        write("net/20-b.conf", "{\"type\":\"portmap\"}");
        write("net/10-a.conf", "{\"type\":\"tuning\"}");
        write("net/30-c.json", "{\"type\":\"not-a-conf-extension\"}");
        write(
                "20-inl.conflist",
                "{\"cniVersion\":\"1.1.0\",\"name\":\"inl\",\"loadOnlyInlinedPlugins\":true,"
                        + "\"plugins\":[{\"type\":\"bridge\"}]}");
        write("inl/10-a.conf", "{\"type\":\"tuning\"}");
        write("30-empty.conflist", "{\"cniVersion\":\"1.1.0\",\"name\":\"empty\"}");
        write("empty/a.conf", "{\"type\":\"loopback\"}");

        ConfigDirectory d = ConfigDirectory.load(dir);

        assertEquals(
                List.of("bridge", "tuning", "portmap"), types(d.byName("net").orElseThrow()));
        assertEquals(List.of("bridge"), types(d.byName("inl").orElseThrow()));
        assertEquals(List.of("loopback"), types(d.byName("empty").orElseThrow()));
    }

    @Test
    void aBadSubdirPluginFailsItsNetwork() throws IOException {
        write("10-net.conflist", list("net", "{\"type\":\"bridge\"}"));
        write("net/a.conf", "{\"notype\":1}");

        assertTrue(reasonFor("10-net.conflist").contains("missing 'type'"));
    }

    @Test
    void lookupByNamePrefersConflistsLikeLibcni() throws IOException {
        write("00-same.conf", "{\"cniVersion\":\"0.4.0\",\"name\":\"same\",\"type\":\"single\"}");
        write("99-same.conflist", list("same", "{\"type\":\"listed\"}"));

        ConfigDirectory d = ConfigDirectory.load(dir);

        assertEquals(List.of("listed"), types(d.byName("same").orElseThrow()));
        assertEquals(List.of("single"), types(d.firstValid().orElseThrow()));
        assertTrue(d.byName("other").isEmpty());
    }

    @Test
    void missingDirIsEmpty() {
        ConfigDirectory d = ConfigDirectory.load(dir.resolve("nope"));
        assertTrue(d.networks().isEmpty()
                && d.problems().isEmpty()
                && d.firstValid().isEmpty());
    }

    @Test
    void listBytesAreTheFileBytes() throws IOException {
        String text = list("a", "{\"type\":\"bridge\"}");
        write("a.conflist", text);
        NetworkConfigList l = ConfigDirectory.load(dir).byName("a").orElseThrow();
        assertEquals(text, new String(l.bytes(), StandardCharsets.UTF_8));
        assertEquals(dir.resolve("a.conflist"), l.source());
    }

    private static List<String> types(NetworkConfigList l) {
        return l.plugins().stream().map(PluginConfig::type).toList();
    }
}
