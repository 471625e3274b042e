package dev.cni4j.agent.route;

import dev.cni4j.agent.api.ClusterNode;
import dev.cni4j.linux.LinuxException;
import dev.cni4j.linux.rtnl.Address;
import dev.cni4j.linux.rtnl.Link;
import dev.cni4j.linux.rtnl.Neighbour;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.linux.rtnl.Vxlan;
import dev.cni4j.net.IpAddress;
import dev.cni4j.net.IpPrefix;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * vxlan, as flannel's backend: one VXLAN device (learning off) whose VTEP address is the first
 * address of the node's pod CIDR (10.244.1.0/32). Per peer: an fdb entry (its VTEP MAC → its
 * underlay address), a permanent neighbour (its VTEP address → MAC) and an onlink route to its
 * pod CIDR via its VTEP address. No ARP or flooding crosses the underlay; works across L3.
 * Dual-stack nodes get the same for IPv6 (fd00:10:244:1::/128 on the device, a permanent NDP
 * entry and an onlink route per peer) over the same device and IPv4 underlay. IPv6-only nodes
 * have only the IPv6 part, over an IPv6 underlay (their IPv6 InternalIP; 70 bytes of overhead).
 */
public final class VxlanBackend implements RouteBackend {
    public static final int VXLAN_OVERHEAD = 50; // outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14
    public static final int VXLAN_OVERHEAD_IPV6 = 70; // outer IPv6 40 instead
    private final Rtnl rtnl;
    private final Options config;
    private int deviceIndex;
    private int mtu;

    /**
     * The agent's VXLAN settings, as {@code AgentConfig} names them.
     *
     * @param vtepDevice        VXLAN device name
     * @param vni               VXLAN network identifier
     * @param vxlanPort         VXLAN UDP port
     * @param underlayInterface interface carrying node-to-node traffic, or null (the one holding the InternalIP)
     * @param publicIp          underlay address to use and publish, or null
     */
    public record Options(String vtepDevice, int vni, int vxlanPort, String underlayInterface, String publicIp) {}

    public VxlanBackend(Rtnl rtnl, Options config) {
        this.rtnl = rtnl;
        this.config = config;
    }

    @Override
    public String name() {
        return "vxlan";
    }

    /**
     * Deletes the VXLAN device {@code name} (its fdb and neighbour entries and the routes through
     * it go along), if there is one; a link of that name of another kind is not ours to delete.
     */
    static void removeDevice(Rtnl rtnl, String name) {
        Link dev = rtnl.links().get(name).orElse(null);
        if (dev == null || !"vxlan".equals(dev.kind())) {
            return;
        }
        try {
            rtnl.links().delete(dev.index());
        } catch (LinuxException e) {
            if (!e.isNotFound()) {
                throw e;
            }
        }
    }

    @Override
    public Map<String, String> setUp(ClusterNode self) {
        Underlay underlay =
                Underlay.find(rtnl, config.underlayInterface(), config.publicIp(), self.internalUnderlayIp());
        String mac = macFor(self.name());
        Link dev = rtnl.links().get(config.vtepDevice()).orElse(null);
        if (dev != null && !"vxlan".equals(dev.kind())) {
            throw new IllegalStateException(
                    config.vtepDevice() + " exists and is a " + dev.kind() + " link, not vxlan");
        }
        if (dev != null) {
            VxlanSettings have = VxlanSettings.read(rtnl, dev.index());
            if (have == null || !have.matches(config.vni(), config.vxlanPort(), underlay)) {
                // another VNI, port or underlay (config changed, node readdressed): only a new device fixes that
                rtnl.links().delete(dev.index());
                dev = null;
            }
        }
        if (dev == null) {
            // kept across agent restarts: recreating it would briefly cut every cross-node flow
            rtnl.links()
                    .create(new Vxlan(
                            config.vtepDevice(),
                            config.vni(),
                            underlay.address(),
                            underlay.linkIndex(),
                            config.vxlanPort(),
                            false,
                            underlay.mtu()
                                    - (underlay.address().getAddress().length == 4
                                            ? VXLAN_OVERHEAD
                                            : VXLAN_OVERHEAD_IPV6)));
            dev = rtnl.links().require(config.vtepDevice());
        }
        deviceIndex = dev.index();
        mtu = dev.mtu();
        // a MAC derived from the node name stays the same if the device is recreated, so peers' entries stay valid
        if (!mac.equalsIgnoreCase(dev.mac())) {
            rtnl.links().setMac(deviceIndex, mac);
        }
        setVtepAddress(Rtnl.AF_INET, self.podCidrV4());
        setVtepAddress(Rtnl.AF_INET6, self.podCidrV6());
        rtnl.links().setUp(deviceIndex);
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put(ClusterNode.VTEP_MAC, mac);
        annotations.put(ClusterNode.PUBLIC_IP, IpAddress.of(underlay.address()).toString());
        return annotations;
    }

    /**
     * The device's only {@code family} address becomes the network address of {@code podCidr}
     * (/32 or /128); none when the node has no pod CIDR of that family. IPv6 link-local
     * addresses stay (the kernel's own), and the IPv6 one skips DAD: it is unique by
     * construction, and a tentative address could not be used for the first seconds.
     */
    private void setVtepAddress(int family, IpPrefix podCidr) {
        InetAddress vtep = podCidr == null ? null : podCidr.nth(0).toInetAddress();
        for (Address a : rtnl.addresses().list(deviceIndex, family)) {
            if (!a.address().equals(vtep) && !a.address().isLinkLocalAddress()) {
                rtnl.addresses().delete(deviceIndex, a.address(), a.prefixLength());
            }
        }
        if (vtep == null) {
            return;
        }
        if (family == Rtnl.AF_INET) {
            rtnl.addresses().replace(deviceIndex, vtep, 32, 0);
        } else {
            rtnl.addresses().replace(deviceIndex, vtep, 128, Address.IFA_F_NODAD);
        }
    }

    @Override
    public int podMtu() {
        return mtu;
    }

    @Override
    public SyncResult sync(List<ClusterNode> peers) {
        if (deviceIndex == 0) {
            throw new IllegalStateException("vxlan device not set up");
        }
        List<String> errors = new ArrayList<>();
        Map<String, String> pending = new LinkedHashMap<>();
        Set<String> routes = new HashSet<>(), macs = new HashSet<>(), vteps = new HashSet<>();
        for (ClusterNode peer : peers) {
            if (peer.vtepMac() == null) {
                pending.put(peer.name(), "no " + ClusterNode.VTEP_MAC + " annotation yet (its agent has not started)");
                continue;
            }
            String mac = peer.vtepMac().toLowerCase(java.util.Locale.ROOT);
            try {
                rtnl.neighbours().replace(Neighbour.fdbSelf(deviceIndex, mac, peer.underlayAddress()));
                macs.add(mac);
            } catch (LinuxException e) {
                errors.add("node " + peer.name() + " (fdb " + mac + "): " + e.getMessage());
                continue;
            }
            // IPv6 pods ride the same (IPv4 underlay) tunnel: only the inner packet differs
            for (IpPrefix cidr : new IpPrefix[] {peer.podCidrV4(), peer.podCidrV6()}) {
                if (cidr == null) {
                    continue;
                }
                InetAddress vtep = cidr.nth(0).toInetAddress();
                try {
                    rtnl.neighbours().replace(Neighbour.permanent(deviceIndex, vtep, mac));
                    OwnedRoutes.replaceOnlink(rtnl, cidr, vtep, deviceIndex);
                    routes.add(cidr.toString());
                    vteps.add(vtep.getHostAddress());
                } catch (LinuxException e) {
                    errors.add("node " + peer.name() + " (" + cidr + "): " + e.getMessage());
                }
            }
        }
        int removed = OwnedRoutes.deleteExcept(rtnl, routes, errors);
        removed += deleteStaleNeighbours(vteps, macs, errors);
        return new SyncResult(routes.size(), removed, pending, errors);
    }

    /** Removes neighbour and fdb entries on the device that belong to no current peer. */
    private int deleteStaleNeighbours(Set<String> vteps, Set<String> macs, List<String> errors) {
        int removed = 0;
        try {
            for (int family : new int[] {Rtnl.AF_INET, Rtnl.AF_INET6}) {
                for (Neighbour n : rtnl.neighbours().list(family, deviceIndex)) {
                    if (!n.isPermanent()
                            || n.address() == null
                            || vteps.contains(n.address().getHostAddress())) {
                        continue;
                    }
                    rtnl.neighbours().delete(n);
                    removed++;
                }
            }
            for (Neighbour n : rtnl.neighbours().list(Rtnl.AF_BRIDGE, deviceIndex)) {
                if (n.address() == null
                        || n.mac() == null
                        || macs.contains(n.mac().toLowerCase(java.util.Locale.ROOT))) {
                    continue;
                }
                rtnl.neighbours().delete(Neighbour.fdbSelf(deviceIndex, n.mac(), n.address()));
                removed++;
            }
        } catch (LinuxException e) {
            if (!e.isNotFound()) {
                errors.add("remove stale neighbours: " + e.getMessage());
            }
        }
        return removed;
    }

    /** A locally administered unicast MAC from the node name (0e:..., 02 bit set, 01 bit clear). */
    public static String macFor(String nodeName) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(nodeName.getBytes(StandardCharsets.UTF_8));
            h[0] = (byte) ((h[0] & 0xfe) | 0x02);
            return String.format("%02x:%02x:%02x:%02x:%02x:%02x", h[0], h[1], h[2], h[3], h[4], h[5]);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
