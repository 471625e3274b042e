package dev.cni4j.plugins.hostlocal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.json.JsonObject;
import dev.cni4j.net.IpPrefix;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code "subnet": "usePodCidr"} from the node agent's file, and from another source. */
class PodCidrTest {
    @TempDir
    Path tmp;

    private String conf(String ipamBody) {
        return Cni.config(
                "1.1.0", tmp.resolve("data"), "\"podCidrFile\": \"" + tmp.resolve("podcidr") + "\", " + ipamBody);
    }

    private static List<String> addresses(Cni.Outcome o) {
        assertTrue(o.ok(), o.stdout());
        return o.json().objects("ips").stream().map(j -> j.string("address")).toList();
    }

    @Test
    void missingFileIsTryAgainLaterAndCreatesNothing() {
        HostLocal fileOnly = new HostLocal(PodCidrSource.nodeAgentFile());
        Cni.Outcome o = Cni.run(fileOnly, "ADD", conf("\"subnet\": \"usePodCidr\""), "c1", "eth0", Map.of());
        assertEquals(11, o.code());
        assertEquals(
                "usePodCidr: the node's pod CIDR file " + tmp.resolve("podcidr")
                        + " does not exist; the cni4j node agent has not written it yet",
                o.msg());
        assertEquals(List.of(""), StoreFiles.tree(tmp));
        Cni.Outcome status = Cni.run(fileOnly, "STATUS", conf("\"subnet\": \"usePodCidr\""), "c1", "eth0", Map.of());
        assertEquals(50, status.code(), "STATUS: the plugin cannot serve ADDs yet");
    }

    /** The executable's default falls back to the Kubernetes API, which needs a kubeconfig. */
    @Test
    void missingFileWithoutKubeconfigIsABadConfigAndCreatesNothing() {
        Cni.Outcome o = Cni.run("ADD", conf("\"subnet\": \"usePodCidr\""), "c1", "eth0");
        assertEquals(7, o.code());
        assertEquals(
                "usePodCidr: the node agent's pod CIDR file " + tmp.resolve("podcidr") + " does not exist and the"
                        + " plugin config has no \"kubernetes\": {\"kubeconfig\": ...} to read the node's pod CIDR from the"
                        + " Kubernetes API",
                o.msg());
        assertEquals(List.of(""), StoreFiles.tree(tmp));
    }

    @Test
    void singleAndDualStackFromTheFile() throws IOException {
        Files.writeString(tmp.resolve("podcidr"), "10.244.1.0/24\n");
        assertEquals(
                List.of("10.244.1.2/24"), addresses(Cni.run("ADD", conf("\"subnet\": \"usePodCidr\""), "a", "eth0")));

        Files.writeString(tmp.resolve("podcidr"), "# written by the node agent\n10.244.1.0/24\n\nfd00:10:244:1::/64\n");
        Cni.Outcome dual = Cni.run("ADD", conf("\"ranges\": [[{\"subnet\": \"usePodCidr\"}]]"), "b", "eth0");
        assertEquals(List.of("10.244.1.3/24", "fd00:10:244:1::2/64"), addresses(dual));
        JsonObject v6 = dual.json().objects("ips").get(1);
        assertEquals("fd00:10:244:1::1", v6.string("gateway"));

        // Calico's operator form: one marker per family
        String calico = conf("\"ranges\": [[{\"subnet\": \"usePodCidr\"}], [{\"subnet\": \"usePodCidrIPv6\"}]]");
        assertEquals(List.of("10.244.1.4/24", "fd00:10:244:1::3/64"), addresses(Cni.run("ADD", calico, "c", "eth0")));
    }

    @Test
    void delNeverNeedsThePodCidr() throws IOException {
        Files.writeString(tmp.resolve("podcidr"), "10.244.1.0/24\n");
        String c = conf("\"subnet\": \"usePodCidr\"");
        assertTrue(Cni.run("ADD", c, "a", "eth0").ok());
        Files.delete(tmp.resolve("podcidr"));
        assertTrue(Cni.run("DEL", c, "a", "eth0").ok());
        assertEquals(List.of(".", "last_reserved_ip.0", "lock"), StoreFiles.names(tmp.resolve("data/mynet")));
    }

    @Test
    void badUsesAndBadFiles() throws IOException {
        Cni.Outcome mixed = Cni.run(
                "ADD",
                conf("\"ranges\": [[{\"subnet\": \"usePodCidr\"}, {\"subnet\": \"10.9.0.0/24\"}]]"),
                "a",
                "eth0");
        assertEquals(7, mixed.code());
        Cni.Outcome bounds =
                Cni.run("ADD", conf("\"subnet\": \"usePodCidr\", \"rangeStart\": \"10.0.0.5\""), "a", "eth0");
        assertEquals(7, bounds.code());
        Files.writeString(tmp.resolve("podcidr"), "10.244.1.0/24\n");
        Cni.Outcome noV6 = Cni.run("ADD", conf("\"ranges\": [[{\"subnet\": \"usePodCidrIPv6\"}]]"), "a", "eth0");
        assertEquals(11, noV6.code());
        assertEquals("usePodCidrIPv6 found but the node has no IPv6 pod CIDR yet", noV6.msg());
        Files.writeString(tmp.resolve("podcidr"), "10.244.1.0/2x\n");
        assertEquals(
                11,
                Cni.run("ADD", conf("\"subnet\": \"usePodCidr\""), "a", "eth0").code());
        Files.writeString(tmp.resolve("podcidr"), "::ffff:10.244.1.0/120\n");
        Cni.Outcome mapped = Cni.run("ADD", conf("\"subnet\": \"usePodCidr\""), "a", "eth0");
        assertEquals(11, mapped.code());
        assertEquals(
                "usePodCidr: invalid CIDR \"::ffff:10.244.1.0/120\" (IPv4-mapped IPv6 text: write 10.244.1.0/24"
                        + " itself) in " + tmp.resolve("podcidr"),
                mapped.msg());
        Files.writeString(tmp.resolve("podcidr"), "\n");
        assertEquals(
                11,
                Cni.run("ADD", conf("\"subnet\": \"usePodCidr\""), "a", "eth0").code());
        assertEquals(List.of("", "podcidr"), StoreFiles.tree(tmp));
    }

    @Test
    void anotherSourcePlugsIn() {
        HostLocal plugin = new HostLocal((request, ipam) -> () -> List.of(IpPrefix.parse("10.77.0.0/16")));
        Cni.Outcome o = Cni.run(plugin, "ADD", conf("\"subnet\": \"usePodCidr\""), "a", "eth0", Map.of());
        assertEquals(List.of("10.77.0.2/16"), addresses(o));
    }
}
