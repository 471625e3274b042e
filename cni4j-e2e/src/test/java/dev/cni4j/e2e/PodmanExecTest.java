package dev.cni4j.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.testing.TestNetworks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A real container runtime on our plugins: podman 4.3 (CNI backend) runs busybox containers
 * from a local rootfs, inside a throwaway node namespace, with dist/bin as its CNI plugin dir.
 * The container gets its address and lo, a {@code -p} hostPort answers from an outside host,
 * and removing the container leaves no reservation, cache entry or veth. Twice: the plugins run
 * standalone, then by a fast-path daemon outside podman's mount namespace (as the node agent
 * serves the host's runtime from its container), which must reach podman's netns bind mounts,
 * visible only in podman's mount namespace, through the launchers' fds; CNI4J_FALLBACK=never
 * makes any call it did not serve fail.
 */
class PodmanExecTest {
    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"standalone", "daemon in another mount namespace"})
    void podmanRunsContainersOnOurPlugins(String mode) throws Exception {
        TestNetworks.assumePrivileged();
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/podman")), "podman not installed");
        Path rootfs = busyboxRootfs();
        Path ipam = Files.createDirectories(tmp.resolve("ipam"));
        Path netd = Files.createDirectories(tmp.resolve("net.d"));
        Files.writeString(netd.resolve("cni4j.conflist"), """
                {"cniVersion":"1.0.0","name":"cni4jpodman","plugins":[
                 {"type":"bridge","bridge":"cni4jpod0","isGateway":true,"ipMasq":true,"hairpinMode":true,
                  "ipam":{"type":"host-local","dataDir":"%s","ranges":[[{"subnet":"10.89.7.0/24",\
                "gateway":"10.89.7.1"}]],
                          "routes":[{"dst":"0.0.0.0/0"}]}},
                 {"type":"portmap","capabilities":{"portMappings":true}}]}
                """.formatted(ipam));
        Path conf = tmp.resolve("containers.conf");
        Files.writeString(conf, """
                [network]
                network_backend="cni"
                cni_plugin_dirs=["%s"]
                network_config_dir="%s"
                [engine]
                cgroup_manager="cgroupfs"
                events_logger="none"
                """.formatted(Exec.DIST.resolve("bin"), netd));
        try (TestNetworks net = TestNetworks.create();
                FastPathDaemons daemons = new FastPathDaemons()) {
            FastPathDaemons.Running daemon =
                    mode.equals("standalone") ? null : net.runInNode(() -> daemons.start("--other-mount-namespaces"));
            Path outside = net.newPod();
            String uplink = "cni4jup" + (ProcessHandle.current().pid() % 100000);
            net.execInNode(
                    "ip", "link", "add", uplink, "type", "veth", "peer", "name", "eth0", "netns", outside.toString());
            net.execInNode("ip", "addr", "add", "192.168.77.1/24", "dev", uplink);
            net.execInNode("ip", "link", "set", uplink, "up");
            net.exec(outside, "ip", "addr", "add", "192.168.77.2/24", "dev", "eth0");
            net.exec(outside, "ip", "link", "set", "eth0", "up");

            // All podman commands of the scenario share one private mount namespace: podman keeps
            // each container's netns bind mount there. nsenter, not ip netns exec (which remounts /sys).
            String podman = "nsenter --net=" + net.node() + " podman --root " + tmp.resolve("root") + " --runroot "
                    + tmp.resolve("runroot") + " --cgroup-manager=cgroupfs";
            String run = podman
                    + " run --cgroups=disabled --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 --network cni4jpodman --rootfs ";
            String script = String.join(
                    "\n",
                    "set -u",
                    "umount /sys/fs/cgroup/unified 2>/dev/null || true",
                    run.replace(" run ", " run -d --name web -p 8080:80 ") + rootfs + " /bin/httpd -f -p 80 -h /www",
                    "sleep 1",
                    "echo \"FROM-OUTSIDE $(nsenter --net=" + outside
                            + " busybox wget -q -O - http://192.168.77.1:8080/)\"",
                    run.replace(" run ", " run --rm ") + rootfs
                            + " /bin/sh -c 'echo ADDR $(ip -o -4 addr show eth0); echo LO $(ip -o -4 addr show lo)'",
                    podman + " rm -f web >/dev/null",
                    "echo DONE");
            String out = sh(script, daemon);
            assertTrue(out.contains("FROM-OUTSIDE hello from podman"), out);
            assertTrue(out.matches("(?s).*ADDR .*inet 10\\.89\\.7\\.\\d+/24.*"), out);
            assertTrue(out.contains("LO ") && out.contains("inet 127.0.0.1/8"), out);
            assertTrue(out.contains("DONE"), out);
            try (var files = Files.list(ipam.resolve("cni4jpodman"))) {
                assertEquals(
                        0,
                        files.filter(p -> Character.isDigit(
                                        p.getFileName().toString().charAt(0)))
                                .count(),
                        "no reservation left");
            }
            assertTrue(
                    !net.execInNode("ip", "-o", "link", "show", "type", "veth").contains("veth"), "no pod veth left");
            assertTrue(!net.execInNode("iptables-save", "-t", "nat").contains("8080"), "no hostPort rule left");
            if (daemon != null) {
                String log = daemon.logText();
                // Both containers' ADDs; their DELs run in podman's cleanup process, which conmon
                // starts without our environment (so no CNI4J_SOCKET): standalone, checked above.
                assertEquals(
                        2,
                        log.lines()
                                .filter(l -> l.contains("served bridge ADD") && l.contains("exit=0"))
                                .count(),
                        log);
                assertEquals(
                        2,
                        log.lines()
                                .filter(l -> l.contains("served portmap ADD") && l.contains("exit=0"))
                                .count(),
                        log);
                assertTrue(!log.contains("declined"), log);
            }
        }
    }

    private Path busyboxRootfs() throws IOException {
        Path root = tmp.resolve("rootfs");
        Path bin = Files.createDirectories(root.resolve("bin"));
        Files.copy(Path.of("/bin/busybox"), bin.resolve("busybox"));
        for (String tool : new String[] {"sh", "ip", "httpd", "wget", "cat", "echo", "sleep"}) {
            Files.createSymbolicLink(bin.resolve(tool), Path.of("busybox"));
        }
        for (String d : new String[] {"proc", "sys", "dev", "etc", "tmp", "www"}) {
            Files.createDirectories(root.resolve(d));
        }
        Files.writeString(root.resolve("www/index.html"), "hello from podman\n");
        return root;
    }

    private String sh(String script, FastPathDaemons.Running daemon) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("unshare", "-m", "bash", "-c", script).redirectErrorStream(true);
        pb.environment().put("CONTAINERS_CONF", tmp.resolve("containers.conf").toString());
        // podman passes its environment on to the plugins it execs
        pb.environment()
                .put(
                        "CNI4J_SOCKET",
                        daemon == null ? Exec.NO_DAEMON : daemon.socket().toString());
        if (daemon != null) {
            pb.environment().put("CNI4J_FALLBACK", "never");
        }
        Process p = pb.start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        return new String(out, StandardCharsets.UTF_8);
    }
}
