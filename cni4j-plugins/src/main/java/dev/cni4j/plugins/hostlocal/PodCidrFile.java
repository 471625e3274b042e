package dev.cni4j.plugins.hostlocal;

import dev.cni4j.net.IpPrefix;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The pod CIDR file written by the cni4j node agent: one CIDR per line (IPv4 and/or IPv6), blank
 * lines and {@code #} comments ignored. Missing, empty or malformed means the agent has not
 * (fully) written it yet: code 11, so the runtime retries.
 */
public final class PodCidrFile implements PodCidrSource {
    private final Path file;

    public PodCidrFile(Path file) {
        this.file = file;
    }

    @Override
    public List<IpPrefix> podCidrs() {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw HostLocalErrors.podCidrNotReady("usePodCidr: the node's pod CIDR file " + file
                    + " does not exist; the cni4j node agent has not written it yet");
        } catch (IOException e) {
            throw HostLocalErrors.podCidrNotReady("usePodCidr: cannot read the node's pod CIDR file " + file + ": "
                    + e.getMessage());
        }
        return parse(lines, file);
    }

    /** The CIDRs of a pod CIDR file's lines (read from {@code file}, named in errors). */
    static List<IpPrefix> parse(List<String> lines, Path file) {
        List<IpPrefix> cidrs = new ArrayList<>();
        for (String line : lines) {
            String s = line.strip();
            if (s.isEmpty() || s.startsWith("#")) {
                continue;
            }
            IpPrefix net = IpPrefix.tryParse(s);
            if (net == null || net.address().isIPv4Mapped()) {
                throw HostLocalErrors.podCidrNotReady("usePodCidr: invalid CIDR \"" + s + "\" in " + file
                        + (net == null ? "" : ": IPv4-mapped IPv6 text (write the IPv4 network itself)"));
            }
            cidrs.add(net);
        }
        if (cidrs.isEmpty()) {
            throw HostLocalErrors.podCidrNotReady("usePodCidr: the node's pod CIDR file " + file
                    + " lists no CIDR; the cni4j node agent has not written it yet");
        }
        return cidrs;
    }
}
