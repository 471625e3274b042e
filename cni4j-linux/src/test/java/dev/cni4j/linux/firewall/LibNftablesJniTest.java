package dev.cni4j.linux.firewall;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.cni4j.linux.NetNs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The standalone plugins' libnftables path (JNI, cni4j-syscall.c) answers as {@code nft} does:
 * the same exit code, output and error text, in a throwaway namespace ({@code cni4jt-*}). The
 * library is built here from the source make-dist.sh builds it from.
 */
class LibNftablesJniTest {
    @TempDir
    static Path tmp;

    @BeforeAll
    static void buildTheLibrary() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root: network namespaces");
        assumeTrue(Files.exists(Path.of("/usr/sbin/nft")), "nft not installed");
        Path so = tmp.resolve("libcni4j-syscall.so");
        String jdk = System.getProperty("java.home");
        Process gcc = new ProcessBuilder(
                        "gcc",
                        "-O2",
                        "-Wall",
                        "-shared",
                        "-fPIC",
                        "-I" + jdk + "/include",
                        "-I" + jdk + "/include/linux",
                        "-o",
                        so.toString(),
                        "src/main/c/cni4j-syscall.c")
                .inheritIO()
                .start();
        assertEquals(0, gcc.waitFor(), "gcc");
        System.load(so.toString());
    }

    @Test
    void answersAsTheNftBinaryDoes() throws Exception {
        String name = "cni4jt-" + ProcessHandle.current().pid() + "-nftjni";
        NetNs.delete(name);
        try (NetNs ns = NetNs.open(NetNs.create(name))) {
            ns.run(() -> {
                Nft.Result made = Nft.throughFile(LibNftablesJni::run, """
                        add table inet cni4jt_jni
                        add chain inet cni4jt_jni c { type filter hook input priority 0; }
                        add rule inet cni4jt_jni c tcp dport 8080 counter accept comment "p\u00e4d"
                        """);
                assertEquals(new Nft.Result(0, "", ""), made);

                // output options: from memory, as `nft -a -j ...` runs its arguments
                for (String option : List.of("-a", "-j")) {
                    Nft.Result jni = Nft.throughFile(LibNftablesJni::run, "list table inet cni4jt_jni", option);
                    Exec.Result nft = Exec.run(null, null, List.of("nft", option, "list table inet cni4jt_jni"));
                    assertEquals(nft.exitCode(), jni.exitCode(), option);
                    assertEquals(nft.stdout(), jni.stdout(), option);
                    assertTrue(jni.stdout().contains("p\u00e4d"), jni.stdout());
                }

                // an error names the script /dev/stdin and quotes the line, as `nft -f -` does
                String broken = "add table inet cni4jt_jni\nadd rule inet cni4jt_jni nochain counter\n";
                Nft.Result jni = Nft.throughFile(LibNftablesJni::run, broken);
                Exec.Result nft = Exec.run(null, broken, List.of("nft", "-f", "-"));
                assertEquals(1, jni.exitCode());
                assertEquals(nft.exitCode(), jni.exitCode());
                assertEquals(nft.stderr(), jni.stderr());
                assertTrue(jni.stderr().startsWith("/dev/stdin:2:"), jni.stderr());
                return null;
            });
        } finally {
            NetNs.delete(name);
        }
    }
}
