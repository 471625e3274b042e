package dev.cni4j.skel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonObject;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.CniVersion;
import dev.cni4j.spec.ErrorCode;
import dev.cni4j.spec.Result;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class PluginMainTest {

    /** Records what the entry point hands to handlers. */
    static class RecordingPlugin implements Plugin {
        final List<String> calls = new ArrayList<>();
        Request last;

        @Override
        public String name() {
            return "recorder";
        }

        @Override
        public Result add(Request r) {
            calls.add("ADD");
            last = r;
            Result res = new Result();
            int i = res.addInterface(new Result.Interface("eth0", "aa:bb:cc:dd:ee:ff", r.netns()));
            res.ips().add(new Result.IpConfig("10.0.0.2/24", "10.0.0.1", i));
            return res;
        }

        @Override
        public void del(Request r) {
            calls.add("DEL");
            last = r;
        }

        @Override
        public void check(Request r) {
            calls.add("CHECK");
            last = r;
        }

        @Override
        public void gc(Request r) {
            calls.add("GC");
            last = r;
        }

        @Override
        public void status(Request r) {
            calls.add("STATUS");
            last = r;
            if (r.config().bool("exhausted", false)) {
                throw new CniException(ErrorCode.PLUGIN_NOT_AVAILABLE, "no addresses left");
            }
        }
    }

    record Outcome(int exit, String stdout, String stderr) {
        JsonObject json() {
            return Json.parseObject(stdout);
        }
    }

    static Map<String, String> env(String command) {
        Map<String, String> env = new HashMap<>();
        env.put("CNI_COMMAND", command);
        env.put("CNI_CONTAINERID", "c1");
        env.put("CNI_NETNS", "/var/run/netns/p1");
        env.put("CNI_IFNAME", "eth0");
        env.put("CNI_PATH", "/opt/cni/bin");
        return env;
    }

    static String conf(String version) {
        return "{\"cniVersion\":\"" + version + "\",\"name\":\"net1\",\"type\":\"recorder\"}";
    }

    static Outcome run(Plugin p, Map<String, String> env, String stdin) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = PluginMain.run(
                p,
                env,
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                out,
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static void assertError(Outcome o, ErrorCode code) {
        assertEquals(1, o.exit(), o.stdout());
        JsonObject e = o.json();
        assertEquals(code.code(), e.integer("code"), o.stdout());
        assertTrue(e.string("msg").length() > 0);
        assertTrue(e.has("cniVersion"));
    }

    static List<String> versions() {
        return CniVersion.ALL;
    }

    @ParameterizedTest
    @MethodSource("versions")
    void addPrintsTheResultInTheConfigVersion(String version) {
        RecordingPlugin p = new RecordingPlugin();
        Outcome o = run(p, env("ADD"), conf(version));
        assertEquals(0, o.exit(), o.stdout());
        JsonObject r = o.json();
        assertEquals(version, r.string("cniVersion"));
        if (CniVersion.schemaOf(version) == CniVersion.Schema.V02) {
            assertEquals("10.0.0.2/24", r.object("ip4").string("ip"));
        } else {
            assertEquals("10.0.0.2/24", r.objects("ips").get(0).string("address"));
        }
        assertEquals("", o.stderr());
    }

    @ParameterizedTest
    @MethodSource("versions")
    void verbsAreGatedByVersion(String version) {
        for (String verb : List.of("DEL", "CHECK", "GC", "STATUS")) {
            RecordingPlugin p = new RecordingPlugin();
            Outcome o = run(p, env(verb), conf(version));
            boolean allowed = switch (verb) {
                case "CHECK" -> CniVersion.atLeast(version, "0.4.0");
                case "GC", "STATUS" -> CniVersion.atLeast(version, "1.1.0");
                default -> true;
            };
            if (allowed) {
                assertEquals(0, o.exit(), verb + " " + o.stdout());
                assertEquals("", o.stdout(), "success prints nothing for " + verb);
                assertEquals(List.of(verb), p.calls);
            } else {
                assertError(o, ErrorCode.INCOMPATIBLE_VERSION);
                assertTrue(p.calls.isEmpty());
                assertTrue(o.json().string("msg").contains(verb));
            }
        }
    }

    @Test
    void theInvocationIsExplicitInTheRequest() {
        RecordingPlugin standalone = new RecordingPlugin();
        assertEquals(0, run(standalone, env("ADD"), conf("1.1.0")).exit());
        assertEquals(java.nio.file.Path.of("/var/run/netns/p1"), standalone.last.netnsPath());
        assertNull(standalone.last.invocation().ownPlugins().apply("recorder"));

        // A fast-path host relocates CNI_NETNS: the plugin opens the fd path, results keep the caller's path.
        RecordingPlugin relocated = new RecordingPlugin();
        Invocation how = Invocation.withOwnPlugins(t -> t.equals("recorder") ? relocated : null)
                .relocatingNetns(java.nio.file.Path.of("/proc/42/fd/7"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int exit = PluginMain.run(
                relocated,
                env("ADD"),
                new ByteArrayInputStream(conf("1.1.0").getBytes(StandardCharsets.UTF_8)),
                out,
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                how);
        assertEquals(0, exit, out.toString(StandardCharsets.UTF_8));
        assertEquals(java.nio.file.Path.of("/proc/42/fd/7"), relocated.last.netnsPath());
        assertEquals("/var/run/netns/p1", relocated.last.netns());
        assertTrue(out.toString(StandardCharsets.UTF_8).contains("/var/run/netns/p1"));
        assertEquals(relocated, relocated.last.invocation().ownPlugins().apply("recorder"));

        // A caller that could not open its namespace: nothing to open.
        RecordingPlugin absent = new RecordingPlugin();
        PluginMain.run(
                absent,
                env("DEL"),
                new ByteArrayInputStream(conf("1.1.0").getBytes(StandardCharsets.UTF_8)),
                new ByteArrayOutputStream(),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                Invocation.STANDALONE.relocatingNetns(null));
        assertNull(absent.last.netnsPath());
        Map<String, String> noNetns = env("DEL");
        noNetns.remove("CNI_NETNS");
        assertEquals(0, run(standalone, noNetns, conf("1.1.0")).exit());
        assertNull(standalone.last.netnsPath());
    }

    @Test
    void versionListsAllSevenAndEchoesTheAskedVersion() {
        Map<String, String> env = Map.of("CNI_COMMAND", "VERSION");
        Outcome o = run(new RecordingPlugin(), env, "{\"cniVersion\":\"0.3.1\"}");
        assertEquals(0, o.exit());
        assertEquals("0.3.1", o.json().string("cniVersion"));
        assertEquals(CniVersion.ALL, o.json().strings("supportedVersions"));
        Outcome empty = run(new RecordingPlugin(), env, "");
        assertEquals("1.1.0", empty.json().string("cniVersion"));
    }

    @Test
    void withoutCommandPrintsAboutOnStderrOnly() {
        Outcome o = run(new RecordingPlugin(), Map.of(), "");
        assertEquals(0, o.exit());
        assertEquals("", o.stdout());
        assertTrue(o.stderr().contains("recorder"));
    }

    @Test
    void unknownCommandIsCode4() {
        assertError(run(new RecordingPlugin(), env("FROB"), conf("1.0.0")), ErrorCode.INVALID_ENVIRONMENT);
    }

    @ParameterizedTest
    @ValueSource(strings = {"CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"})
    void missingEnvOnAddIsCode4NamingTheVariable(String var) {
        Map<String, String> env = env("ADD");
        env.remove(var);
        Outcome o = run(new RecordingPlugin(), env, conf("1.0.0"));
        assertError(o, ErrorCode.INVALID_ENVIRONMENT);
        assertTrue(o.json().string("msg").contains(var));
    }

    @Test
    void delNeedsNoNetnsNorPath() {
        Map<String, String> env = env("DEL");
        env.remove("CNI_NETNS");
        env.remove("CNI_PATH");
        RecordingPlugin p = new RecordingPlugin();
        assertEquals(0, run(p, env, conf("1.0.0")).exit());
        assertEquals("", p.last.netns());
    }

    @Test
    void gcNeedsPathAndReadsValidAttachments() {
        Map<String, String> env = new HashMap<>(Map.of("CNI_COMMAND", "GC"));
        assertError(run(new RecordingPlugin(), env, conf("1.1.0")), ErrorCode.INVALID_ENVIRONMENT);
        env.put("CNI_PATH", "/opt/cni/bin");
        RecordingPlugin p = new RecordingPlugin();
        Outcome o = run(
                p,
                env,
                "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"cni.dev/valid-attachments\":[{\"containerID\":\"a\",\"ifname\":\"eth0\"}]}");
        assertEquals(0, o.exit(), o.stdout());
        assertEquals(List.of(new Request.Attachment("a", "eth0")), p.last.validAttachments());
    }

    @ParameterizedTest
    @ValueSource(strings = {"-abc", "a/b", "a b", "ä", "a:b"})
    void invalidContainerIdIsCode4(String id) {
        Map<String, String> env = env("ADD");
        env.put("CNI_CONTAINERID", id);
        assertError(run(new RecordingPlugin(), env, conf("1.0.0")), ErrorCode.INVALID_ENVIRONMENT);
    }

    @ParameterizedTest
    @ValueSource(strings = {".", "..", "a/b", "a:b", "a b", "eth0\t", "abcdefghijklmnop", "éééééééé"})
    void invalidIfnameIsCode4(String ifname) {
        Map<String, String> env = env("ADD");
        env.put("CNI_IFNAME", ifname);
        assertError(run(new RecordingPlugin(), env, conf("1.0.0")), ErrorCode.INVALID_ENVIRONMENT);
    }

    @Test
    void fifteenByteIfnameIsFine() {
        Map<String, String> env = env("ADD");
        env.put("CNI_IFNAME", "abcdefghijklmno");
        assertEquals(0, run(new RecordingPlugin(), env, conf("1.0.0")).exit());
    }

    @Test
    void malformedJsonIsCode6() {
        assertError(run(new RecordingPlugin(), env("ADD"), "{\"cniVersion\":"), ErrorCode.DECODING_FAILURE);
        assertError(run(new RecordingPlugin(), env("ADD"), "[1]"), ErrorCode.DECODING_FAILURE);
        assertError(run(new RecordingPlugin(), env("ADD"), ""), ErrorCode.DECODING_FAILURE);
        assertError(
                run(new RecordingPlugin(), env("ADD"), "{\"cniVersion\":\"one\",\"name\":\"n\"}"),
                ErrorCode.DECODING_FAILURE);
    }

    @Test
    void unsupportedVersionIsCode1() {
        Outcome o = run(new RecordingPlugin(), env("ADD"), conf("9.9.9"));
        assertError(o, ErrorCode.INCOMPATIBLE_VERSION);
        assertTrue(o.json().string("details").contains("9.9.9"));
    }

    @Test
    void missingOrBadNameIsCode7() {
        assertError(
                run(new RecordingPlugin(), env("ADD"), "{\"cniVersion\":\"1.0.0\"}"), ErrorCode.INVALID_NETWORK_CONFIG);
        assertError(
                run(new RecordingPlugin(), env("ADD"), "{\"cniVersion\":\"1.0.0\",\"name\":\"a/b\"}"),
                ErrorCode.INVALID_NETWORK_CONFIG);
    }

    @Test
    void statusErrorCarriesCode50() {
        Map<String, String> env = Map.of("CNI_COMMAND", "STATUS");
        Outcome o = run(new RecordingPlugin(), env, "{\"cniVersion\":\"1.1.0\",\"name\":\"n\",\"exhausted\":true}");
        assertError(o, ErrorCode.PLUGIN_NOT_AVAILABLE);
        assertEquals("1.1.0", o.json().string("cniVersion"));
    }

    @Test
    void unexpectedExceptionIs999WithTraceOnStderrOnly() {
        Plugin broken = new RecordingPlugin() {
            @Override
            public Result add(Request r) {
                throw new IllegalStateException("boom");
            }
        };
        Outcome o = run(broken, env("ADD"), conf("1.0.0"));
        assertError(o, ErrorCode.INTERNAL);
        assertTrue(o.stderr().contains("IllegalStateException"));
    }

    @Test
    void prevResultOfAnyVersionIsReadAndRuntimeConfigKeysAreCaseInsensitive() {
        RecordingPlugin p = new RecordingPlugin();
        String stdin =
                "{\"cniVersion\":\"1.0.0\",\"name\":\"n\",\"runtimeConfig\":{\"portMappings\":[{\"HostPort\":8080}]},"
                        + "\"prevResult\":{\"cniVersion\":\"0.2.0\",\"ip4\":{\"ip\":\"10.0.0.9/24\"}}}";
        assertEquals(0, run(p, env("ADD"), stdin).exit());
        assertEquals("10.0.0.9/24", p.last.prevResult().ips().get(0).address());
        assertEquals(
                8080L, p.last.runtimeConfig().objects("PortMappings").get(0).integer("hostPort"));
        assertNull(p.last.runtimeConfig().find("bandwidth"));
    }

    @Test
    void cniArgsFollowTheSkelRules() {
        List<String> known = List.of("K8S_POD_NAME", "IP");
        assertEquals(
                "a",
                CniArgs.parse("IgnoreUnknown=1;K8S_POD_NAME=a;FOO=b", known).get("K8S_POD_NAME"));
        assertEquals("10.0.0.5", CniArgs.parse("IP=10.0.0.5", known).get("IP"));
        for (String bad : List.of("FOO=a", "K8S_POD_NAME=a=b", "novalue", "IgnoreUnknown=maybe;FOO=a")) {
            CniException e =
                    org.junit.jupiter.api.Assertions.assertThrows(CniException.class, () -> CniArgs.parse(bad, known));
            assertEquals(ErrorCode.INVALID_ENVIRONMENT.code(), e.code(), bad);
        }
    }
}
