package dev.cni4j.cli;

import dev.cni4j.linux.NetNs;
import java.nio.file.Path;

/** Where a NETNS argument points: a path when it contains a '/', else a name under /run/netns. */
final class Netns {
    private Netns() {}

    static Path resolve(String arg) {
        if (arg.indexOf('/') >= 0) {
            return Path.of(arg);
        }
        try {
            return NetNs.namedPath(arg);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
    }
}
