package dev.cni4j.linux.firewall;

import dev.cni4j.linux.KernelCalls;
import dev.cni4j.linux.NetNs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Runs a tool (nft, iptables-restore) with text on stdin, inside a network namespace: the child
 * is forked from a thread inside the namespace, so it inherits that namespace.
 */
final class Exec {
    /** What the command printed and how it ended. */
    record Result(int exitCode, String stdout, String stderr) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    private Exec() {}

    /** Runs {@code command} in {@code ns} (null = the calling thread's namespace). */
    static Result run(NetNs ns, String stdin, List<String> command) {
        long t0 = KernelCalls.enabled() ? System.nanoTime() : 0;
        try {
            return exec(ns, stdin, command);
        } finally {
            if (t0 != 0) {
                KernelCalls.record("exec " + command.getFirst(), System.nanoTime() - t0);
            }
        }
    }

    private static Result exec(NetNs ns, String stdin, List<String> command) {
        Process p = ns == null ? start(command, stdin) : ns.run(() -> start(command, stdin));
        try {
            // stderr drained on its own thread so a chatty tool cannot block on a full pipe
            String[] err = new String[1];
            Thread errReader = Thread.ofPlatform()
                    .daemon(true)
                    .name("cni4j-exec-stderr")
                    .start(() ->
                            err[0] = readAll(p.getErrorStream())); // platform: no virtual-thread scheduler start-up
            if (stdin != null) {
                try (OutputStream in = p.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            String out = readAll(p.getInputStream());
            int rc = p.waitFor();
            errReader.join();
            return new Result(rc, out, err[0]);
        } catch (IOException e) {
            throw new UncheckedIOException(String.join(" ", command), e);
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException(String.join(" ", command) + " interrupted", e);
        }
    }

    /** Runs and throws {@link FirewallException} unless it exits 0. */
    static String check(NetNs ns, String stdin, List<String> command) {
        Result r = run(ns, stdin, command);
        if (!r.ok()) {
            throw new FirewallException(
                    String.join(" ", command), r.exitCode(), r.stderr().trim(), stdin);
        }
        return r.stdout();
    }

    private static Process start(List<String> command, String stdin) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command);
            if (stdin == null) {
                pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            }
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0), e);
        }
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
