package dev.cni4j.node;

import dev.cni4j.net.IpPrefix;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The node's pod CIDR file (by default {@value NodeLayout#POD_CIDR_FILE}), which host-local reads
 * for {@code "subnet": "usePodCidr"}: one CIDR a line (IPv4 and/or IPv6, in the node's order),
 * blank lines and {@code #} comment lines ignored, replaced atomically. The node agent writes it
 * from its Node object; host-local keeps the Kubernetes API's answers in the same format (with
 * a comment line saying whose answer it is) when there is no agent.
 *
 * @param path where the file is
 */
public record PodCidrFile(Path path) {

    /**
     * What a file holds.
     *
     * @param comment the first line's text after {@code #} (stripped) when it is a comment, else null
     * @param cidrs   the CIDRs, possibly none
     */
    public record Contents(String comment, List<IpPrefix> cidrs) {}

    /**
     * Reads the file: {@link java.nio.file.NoSuchFileException} when it does not exist, another
     * {@link IOException} when it cannot be read, {@link IllegalArgumentException} naming the line
     * when a line is not a CIDR.
     */
    public Contents read() throws IOException {
        return parse(Files.readAllLines(path, StandardCharsets.UTF_8));
    }

    /**
     * The contents of a file's lines. A line that is not a CIDR, or is IPv4-mapped IPv6 text
     * (Go would read it as the IPv4 network; we do not guess), is an {@link IllegalArgumentException}
     * ({@code invalid CIDR "..."}).
     */
    public static Contents parse(List<String> lines) {
        String comment = !lines.isEmpty() && lines.getFirst().strip().startsWith("#")
                ? lines.getFirst().strip().substring(1).strip()
                : null;
        List<IpPrefix> cidrs = new ArrayList<>();
        for (String line : lines) {
            String s = line.strip();
            if (s.isEmpty() || s.startsWith("#")) {
                continue;
            }
            IpPrefix cidr = IpPrefix.tryParse(s);
            if (cidr == null) {
                throw new IllegalArgumentException("invalid CIDR \"" + s + "\"");
            }
            if (cidr.address().isIPv4Mapped()) {
                throw new IllegalArgumentException("invalid CIDR \"" + s + "\" (IPv4-mapped IPv6 text: write "
                        + (cidr.isIPv4Mapped() ? cidr.unmap() : "the IPv4 network") + " itself)");
            }
            cidrs.add(cidr);
        }
        return new Contents(comment, List.copyOf(cidrs));
    }

    /** The file's text: the comment line when there is one, then a CIDR a line. */
    public static String format(String comment, List<IpPrefix> cidrs) {
        StringBuilder text = new StringBuilder();
        if (comment != null) {
            text.append("# ").append(comment).append('\n');
        }
        cidrs.forEach(c -> text.append(c).append('\n'));
        return text.toString();
    }

    /**
     * Writes the CIDRs (0644, no comment) unless the file holds exactly them already; returns
     * whether it wrote. At least one CIDR: an empty file means "not written yet" to its readers.
     */
    public boolean write(List<IpPrefix> cidrs) {
        requireCidrs(cidrs);
        return AtomicFiles.writeIfChanged(
                path, format(null, cidrs).getBytes(StandardCharsets.UTF_8), AtomicFiles.READABLE);
    }

    /** Replaces the file (its modification time says when) with a comment line and the CIDRs, in {@code mode}. */
    public void write(String comment, List<IpPrefix> cidrs, Set<PosixFilePermission> mode) {
        requireCidrs(cidrs);
        AtomicFiles.write(path, format(comment, cidrs).getBytes(StandardCharsets.UTF_8), mode);
    }

    private static void requireCidrs(List<IpPrefix> cidrs) {
        if (cidrs.isEmpty()) {
            throw new IllegalArgumentException("no pod CIDR to write");
        }
    }
}
