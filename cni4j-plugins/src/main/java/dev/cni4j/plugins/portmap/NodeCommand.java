package dev.cni4j.plugins.portmap;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Runs a tool (nft, iptables-save) from the calling thread, so it runs in the calling
 * thread's network namespace: the node's, where the plugin runs.
 */
final class NodeCommand {
    record Output(int exitCode, String stdout, String stderr) {
        boolean ok() {
            return exitCode == 0;
        }
    }

    private NodeCommand() {
    }

    /** Runs {@code command}; null when the tool is not installed. */
    static Output run(String stdin, List<String> command) {
        Process p;
        try {
            ProcessBuilder pb = new ProcessBuilder(command);
            if (stdin == null) {
                pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
            }
            p = pb.start();
        } catch (IOException notInstalled) {
            return null;
        }
        try {
            String[] err = new String[1];
            // stderr drained on its own platform thread so a chatty tool cannot block on a full pipe
            Thread errReader = new Thread(() -> err[0] = readAll(p.getErrorStream()));
            errReader.start();
            if (stdin != null) {
                try (OutputStream in = p.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            String out = readAll(p.getInputStream());
            int rc = p.waitFor();
            errReader.join();
            return new Output(rc, out, err[0] == null ? "" : err[0]);
        } catch (IOException e) {
            return new Output(-1, "", e.toString());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            return new Output(-1, "", "interrupted");
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
