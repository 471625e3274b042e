package dev.cni4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * add/check/del/gc/status through the real runtime and process exec, with a shell-script plugin
 * that only records what it was given (no root, no kernel changes). The netns is this process's
 * own namespace file, which the script never touches.
 */
class NetworkCommandsTest {
    static final String NETNS = "/proc/self/ns/net";

    @TempDir
    Path tmp;

    Path log;
    Path cache;
    String[] dirs;

    @BeforeEach
    void fakePlugin() throws IOException {
        log = Files.createDirectories(tmp.resolve("log"));
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path plugin = bin.resolve("recorder");
        Files.writeString(plugin, """
                #!/bin/sh
                cat > LOG/$CNI_COMMAND.stdin
                env | grep '^CNI_' | sort > LOG/$CNI_COMMAND.env
                case "$CNI_COMMAND" in
                ADD)
                  if [ -e LOG/fail ]; then
                    echo '{"cniVersion":"1.1.0","code":11,"msg":"try again later","details":"busy"}'; exit 1
                  fi
                  echo '{"cniVersion":"1.1.0","interfaces":[{"name":"'$CNI_IFNAME'","sandbox":"'$CNI_NETNS'"}],\
                "ips":[{"address":"10.1.0.5/24","interface":0}]}' ;;
                STATUS)
                  if [ -e LOG/fail ]; then
                    echo '{"cniVersion":"1.1.0","code":50,"msg":"pool exhausted"}'; exit 1
                  fi ;;
                esac
                """.replace("LOG", log.toString()));
        Files.setPosixFilePermissions(plugin, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path conf = Files.createDirectories(tmp.resolve("net.d"));
        Files.writeString(conf.resolve("10-rec.conflist"), """
                {"cniVersion":"1.1.0","name":"rec","plugins":[{"type":"recorder","capabilities":
                  {"portMappings":true,"bandwidth":true,"io.kubernetes.cri.pod-annotations":true}}]}""");
        cache = tmp.resolve("cache");
        dirs = new String[] {"--conf-dir", conf.toString(), "--bin-dir", bin.toString(), "--cache-dir", cache.toString()
        };
    }

    private CliRun cli(String... argv) {
        return CliRun.run(CliTest.concat(argv, dirs));
    }

    private JsonObject stdin(String command) throws IOException {
        return Json.parseObject(Files.readString(log.resolve(command + ".stdin")));
    }

    private List<String> env(String command) throws IOException {
        return Files.readAllLines(log.resolve(command + ".env"));
    }

    @Test
    void addSendsWhatAKubernetesRuntimeWouldAndPrintsTheResult() throws IOException {
        CliRun add = cli(
                        "add",
                        "rec",
                        NETNS,
                        "--container-id",
                        "c1",
                        "--ifname",
                        "net1",
                        "-p",
                        "8080:80/udp",
                        "--annotation",
                        "kubernetes.io/ingress-bandwidth=1M",
                        "--annotation",
                        "team=a",
                        "--args",
                        "IgnoreUnknown=1;K8S_POD_NAME=web")
                .assertOk();
        JsonObject result = Json.parseObject(add.out());
        assertEquals("10.1.0.5/24", result.objects("ips").get(0).string("address"));
        assertTrue(add.out().contains("\n  \"ips\": ["), "indented for people: " + add.out());

        JsonObject rc = stdin("ADD").object("runtimeConfig");
        assertEquals(
                List.of(Map.of("hostPort", 8080L, "containerPort", 80L, "protocol", "udp")), rc.list("portMappings"));
        assertEquals(Map.of("ingressRate", 1_000_000L, "ingressBurst", 4294967295L), rc.object("bandwidth"));
        assertEquals(
                Map.of("kubernetes.io/ingress-bandwidth", "1M", "team", "a"),
                rc.object("io.kubernetes.cri.pod-annotations"));
        assertEquals(
                List.of(
                        "CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAME=web",
                        "CNI_COMMAND=ADD",
                        "CNI_CONTAINERID=c1",
                        "CNI_IFNAME=net1",
                        "CNI_NETNS=" + NETNS,
                        "CNI_PATH=" + tmp.resolve("bin")),
                env("ADD"));
        assertTrue(Files.exists(cache.resolve("results/rec-c1-net1")));
        Files.delete(log.resolve("ADD.stdin"));
        cli("add", "rec", NETNS, "--container-id", "c1", "--ifname", "net1")
                .assertOneLineError(1, "c1 net1 is already attached to network rec; run cni4j del first");
        assertFalse(Files.exists(log.resolve("ADD.stdin")), "no plugin ran");

        cli("check", "rec", NETNS, "--container-id", "c1", "--ifname", "net1").assertOk();
        assertEquals(result, stdin("CHECK").object("prevResult"));
        assertEquals(rc, stdin("CHECK").object("runtimeConfig"), "CHECK sees the ADD's parameters");
        assertTrue(env("CHECK").contains("CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAME=web"));

        // DEL gets the cached result and, with no options given, the capability args of the ADD.
        cli("del", "rec", NETNS, "--container-id", "c1", "--ifname", "net1").assertOk();
        assertEquals(result, stdin("DEL").object("prevResult"));
        assertEquals(rc, stdin("DEL").object("runtimeConfig"));
        assertFalse(Files.exists(cache.resolve("results/rec-c1-net1")));
    }

    @Test
    void defaultContainerIdComesFromTheNetnsPath() throws IOException {
        cli("add", "rec", NETNS).assertOk();
        assertTrue(env("ADD").contains("CNI_CONTAINERID=" + AttachmentOptions.defaultContainerId(Path.of(NETNS))));
        assertTrue(env("ADD").contains("CNI_IFNAME=eth0"));
    }

    @Test
    void aFailedAddIsUndoneAndCachesNothing() throws IOException {
        Files.createFile(log.resolve("fail"));
        cli("add", "rec", NETNS, "--container-id", "c1")
                .assertOneLineError(1, "plugin type=\"recorder\" failed (add): try again later (code 11, busy)");
        assertTrue(Files.exists(log.resolve("DEL.stdin")), "DEL ran after the failed ADD");
        assertFalse(Files.exists(cache.resolve("results/rec-c1-eth0")));
    }

    @Test
    void anUndoThatFailsStillRunsEveryPluginAndIsReportedAfterTheAddError() throws IOException {
        Files.writeString(tmp.resolve("net.d/20-broken.conflist"), """
                {"cniVersion":"1.1.0","name":"broken","plugins":[{"type":"recorder"},{"type":"missing"}]}""");

        CliRun add = cli("add", "broken", NETNS, "--container-id", "c1");

        assertEquals(1, add.status());
        assertEquals("", add.out());
        List<String> lines = add.err().lines().toList();
        assertEquals(2, lines.size(), add.err());
        assertTrue(
                lines.get(0).startsWith("cni4j: plugin type=\"missing\" failed (add): failed to find plugin"),
                "the ADD's error first: " + add.err());
        assertTrue(
                lines.get(1).startsWith("cni4j: undoing the failed add: plugin type=\"missing\" failed (del)"),
                "then the undo's problem: " + add.err());
        assertTrue(Files.exists(log.resolve("DEL.stdin")), "the undo went on to the plugin before the missing one");
        assertFalse(Files.exists(cache.resolve("results/broken-c1-eth0")));
    }

    @Test
    void checkOfSomethingNeverAddedRunsNoPlugin() {
        cli("check", "rec", NETNS, "--container-id", "never")
                .assertOneLineError(
                        1,
                        "never eth0 is not attached to network rec (nothing cached in " + cache.resolve("results")
                                + ")");
        assertFalse(Files.exists(log.resolve("CHECK.stdin")));
    }

    @Test
    void delWorksWhenTheNamespaceIsGone() throws IOException {
        cli("del", "rec", tmp.resolve("gone").toString(), "--container-id", "c9")
                .assertOk();
        assertTrue(env("DEL").contains("CNI_NETNS=" + tmp.resolve("gone")));
    }

    @Test
    void gcWithExplicitValidAttachments() throws IOException {
        cli("add", "rec", NETNS, "--container-id", "keep").assertOk();
        cli("add", "rec", NETNS, "--container-id", "drop").assertOk();
        CliRun gc = cli("gc", "rec", "--valid", "keep:eth0", "--json").assertOk();
        assertEquals(
                List.of(Map.of("containerID", "drop", "ifname", "eth0")),
                Json.parseObject(gc.out()).list("deleted"));
        assertEquals(
                List.of(Map.of("containerID", "keep", "ifname", "eth0")),
                stdin("GC").list("cni.dev/valid-attachments"));
        assertTrue(Files.exists(cache.resolve("results/rec-keep-eth0")));
        assertFalse(Files.exists(cache.resolve("results/rec-drop-eth0")));
    }

    @Test
    void status() throws IOException {
        assertEquals("network rec is ready\n", cli("status", "rec").assertOk().out());
        assertTrue(Files.exists(log.resolve("STATUS.env")));
        Files.createFile(log.resolve("fail"));
        cli("status", "rec")
                .assertOneLineError(1, "plugin type=\"recorder\" failed (status): pool exhausted (code 50)");
        CliRun json = cli("status", "rec", "--json");
        assertEquals(1, json.status());
        JsonObject o = Json.parseObject(json.out());
        assertEquals(50L, o.integer("code"));
        assertEquals(false, o.get("ready"));
    }

    @Test
    void statusOfAnOldConfigSaysItWasNotChecked() throws IOException {
        Path conf = tmp.resolve("old.d");
        Files.createDirectories(conf);
        Files.writeString(
                conf.resolve("a.conflist"),
                "{\"cniVersion\":\"0.4.0\",\"name\":\"old\",\"plugins\":[{\"type\":\"recorder\"}]}");
        CliRun r = CliRun.run(
                        "status",
                        "old",
                        "--conf-dir",
                        conf.toString(),
                        "--bin-dir",
                        tmp.resolve("bin").toString())
                .assertOk();
        assertEquals(
                "network old is ready (not checked: STATUS needs cniVersion 1.1.0, the config has 0.4.0)\n", r.out());
        assertFalse(Files.exists(log.resolve("STATUS.env")));
    }
}
