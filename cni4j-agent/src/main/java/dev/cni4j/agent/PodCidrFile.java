package dev.cni4j.agent;

import dev.cni4j.node.AtomicFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The node-local pod CIDR file that host-local reads for {@code "subnet": "usePodCidr"}:
 * one CIDR per line (default {@code /run/cni4j/podcidr}), replaced atomically.
 */
public final class PodCidrFile {
    private final Path path;

    public PodCidrFile(Path path) {
        this.path = path;
    }

    public Path path() {
        return path;
    }

    /** Writes the CIDRs; returns true when the content changed. */
    public boolean write(List<Cidr> cidrs) {
        if (cidrs.isEmpty()) throw new IllegalArgumentException("no pod CIDR to write");
        return AtomicFiles.writeIfChanged(path, cidrs.stream().map(Cidr::toString).collect(Collectors.joining("\n", "", "\n")).getBytes(java.nio.charset.StandardCharsets.UTF_8), AtomicFiles.READABLE);
    }
}
