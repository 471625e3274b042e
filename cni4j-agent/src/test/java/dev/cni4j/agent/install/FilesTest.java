package dev.cni4j.agent.install;

import static org.junit.jupiter.api.Assertions.*;

import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The conflist and install/uninstall, on temp dirs (the pod CIDR file: cni4j-core's PodCidrFileTest). */
class FilesTest {
    @Test
    void defaultConflistIsValidJsonWithThePlugins() throws Exception {
        JsonNode c = Serialization.jsonMapper()
                .readTree(CniInstaller.defaultConflist(
                        "cni4j", null, 1450, "/run/cni4j/podcidr", "/var/lib/cni/networks", false));
        assertEquals("1.0.0", c.get("cniVersion").asString(), "containerd 1.6/1.7 reject 1.1.0 results");
        assertEquals("cni4j", c.get("name").asString());
        JsonNode bridge = c.get("plugins").get(0);
        assertEquals("bridge", bridge.get("type").asString());
        assertEquals("cni0", bridge.get("bridge").asString());
        assertTrue(bridge.get("isGateway").asBoolean());
        assertTrue(bridge.get("isDefaultGateway").asBoolean(), "pods need a default route via cni0");
        assertFalse(bridge.get("ipMasq").asBoolean());
        assertTrue(bridge.get("hairpinMode").asBoolean());
        assertEquals(1450, bridge.get("mtu").asInt());
        assertEquals("host-local", bridge.get("ipam").get("type").asString());
        assertEquals(
                "usePodCidr",
                bridge.get("ipam").get("ranges").get(0).get(0).get("subnet").asString());
        assertNull(bridge.get("ipam").get("podCidrFile"));
        assertNull(bridge.get("ipam").get("dataDir"));
        assertEquals("portmap", c.get("plugins").get(1).get("type").asString());
        assertTrue(
                c.get("plugins").get(1).get("capabilities").get("portMappings").asBoolean());
        assertTrue(c.get("plugins").get(1).get("snat").asBoolean());
        assertEquals("bandwidth", c.get("plugins").get(2).get("type").asString());
        assertTrue(c.get("plugins").get(2).get("capabilities").get("bandwidth").asBoolean());

        JsonNode other = Serialization.jsonMapper()
                .readTree(CniInstaller.defaultConflist(
                        "cni4j", "1.1.0", 0, "/var/run/x \"y\"", "/tmp/node1/networks", false));
        assertEquals("1.1.0", other.get("cniVersion").asString(), "conflistCniVersion");
        assertEquals(
                "/var/run/x \"y\"",
                other.get("plugins").get(0).get("ipam").get("podCidrFile").asString());
        assertEquals(
                "/tmp/node1/networks",
                other.get("plugins").get(0).get("ipam").get("dataDir").asString());
        assertNull(other.get("plugins").get(0).get("mtu"));
    }

    @Test
    void installCopiesPluginsAndLibUninstallRemovesOnlyThose(@TempDir Path dir) throws Exception {
        Path dist = dir.resolve("dist");
        Files.createDirectories(dist.resolve("bin"));
        Files.createDirectories(dist.resolve("lib/cli"));
        Files.writeString(dist.resolve("bin/bridge"), "#!/bin/sh\n# cni4j launcher\n");
        Files.writeString(dist.resolve("bin/host-local"), "#!/bin/sh\n# cni4j launcher\n");
        Files.writeString(dist.resolve("lib/cni4j-plugins.jar"), "jar");
        Files.writeString(dist.resolve("lib/cli/cni4j-cli.jar"), "jar");
        Files.createDirectories(dist.resolve("lib/jre/bin"));
        Files.writeString(dist.resolve("lib/jre/bin/java"), "elf");
        Files.setPosixFilePermissions(dist.resolve("lib/jre/bin/java"), PosixFilePermissions.fromString("rwxr-x---"));
        Path bin = dir.resolve("opt/cni/bin");
        Files.createDirectories(bin);
        Files.writeString(bin.resolve("flannel"), "someone else's");

        CniInstaller installer = new CniInstaller(bin, dir.resolve("etc/cni/net.d"), "10-cni4j.conflist");
        assertEquals(5, installer.installPlugins(dist).size());
        assertEquals(
                "rwxr-xr-x",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("opt/cni/lib/jre/bin/java"))),
                "the bundled runtime stays executable");
        assertEquals(
                "rw-r--r--",
                PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(dir.resolve("opt/cni/lib/cni4j-plugins.jar"))));
        assertEquals("rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(bin.resolve("bridge"))));
        assertTrue(
                Files.exists(dir.resolve("opt/cni/lib/cni4j-plugins.jar")), "lib beside bin, where the launchers look");
        assertTrue(Files.exists(dir.resolve("opt/cni/lib/cli/cni4j-cli.jar")));
        assertFalse(installer.conflistPresent(), "install does not declare the network ready");
        assertTrue(installer.writeConflist(
                CniInstaller.defaultConflist("cni4j", null, 0, "/run/cni4j/podcidr", "/var/lib/cni/networks", false)));
        assertTrue(installer.conflistPresent());

        assertEquals(6, installer.uninstall());
        assertFalse(installer.conflistPresent());
        assertFalse(Files.exists(bin.resolve("bridge")));
        assertFalse(Files.exists(dir.resolve("opt/cni/lib/cni4j-plugins.jar")));
        assertEquals("someone else's", Files.readString(bin.resolve("flannel")));
        assertEquals(0, installer.uninstall(), "idempotent");
    }
}
