package dev.cni4j.plugins.portmap;

import dev.cni4j.testing.TestNetworks;
import java.nio.file.Path;

/**
 * An "outside" host for hostPort tests: a namespace joined to the node by a veth ({@code uplink0}
 * in the node, {@code ext0} outside), both ends addressed and up. IPv6 addresses skip duplicate
 * address detection, so traffic can start at once.
 */
final class OutsideHost {
    private OutsideHost() {}

    /** Creates the host; {@code nodeCidr} goes on uplink0, {@code outsideCidr} on ext0. */
    static Path attach(TestNetworks net, String nodeCidr, String outsideCidr) {
        Path outside = net.newPod();
        net.execInNode(
                "ip",
                "link",
                "add",
                "uplink0",
                "type",
                "veth",
                "peer",
                "name",
                "ext0",
                "netns",
                TestNetworks.nameOf(outside));
        net.execInNode(addressCommand(nodeCidr, "uplink0"));
        net.execInNode("ip", "link", "set", "uplink0", "up");
        net.exec(outside, addressCommand(outsideCidr, "ext0"));
        net.exec(outside, "ip", "link", "set", "ext0", "up");
        return outside;
    }

    private static String[] addressCommand(String cidr, String dev) {
        return cidr.contains(":")
                ? new String[] {"ip", "addr", "add", cidr, "dev", dev, "nodad"}
                : new String[] {"ip", "addr", "add", cidr, "dev", dev};
    }
}
