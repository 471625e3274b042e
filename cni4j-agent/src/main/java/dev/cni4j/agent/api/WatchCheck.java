package dev.cni4j.agent.api;

import dev.cni4j.linux.rtnl.Address;
import dev.cni4j.linux.rtnl.Link;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.net.IpAddress;
import java.net.InetAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Notices a Node watch that died without an error, once a second, two ways:
 * <ul>
 *   <li>a global address of the node went away (the underlay moved): a connection opened from
 *       it is dead, and the kernel tells neither end, so the watch is restarted at once, on a
 *       new client (the old one's idle pooled connections are just as dead);</li>
 *   <li>the API server has sent nothing, no event and no bookmark (a server sends one about
 *       every minute), for {@code watchSilenceSeconds}: the watch is restarted, whatever the cause
 *       (a middlebox that dropped the connection's state, an address change in another namespace).</li>
 * </ul>
 * Only global addresses on links that can carry the API connection count: not link-local ones
 * (pods' veths come and go with theirs), not those on the loopback, on dummy links (kube-proxy's
 * IPVS mode puts every Service's ClusterIP on {@code kube-ipvs0} and takes it off again) or on the
 * agent's VXLAN device.
 */
public final class WatchCheck {
    private final NodeWatcher watcher;
    private final Rtnl rtnl;
    private final long silenceNanos;
    private final Restart restart;
    private final String vtepDevice;
    private Set<InetAddress> known;

    /** What restarts the watch. */
    public interface Restart {
        /** @param freshConnections the client's pooled connections may be dead too: replace them */
        void restart(String reason, boolean freshConnections);
    }

    public WatchCheck(NodeWatcher watcher, Rtnl rtnl, long silenceNanos, String vtepDevice, Restart restart) {
        this.watcher = watcher;
        this.rtnl = rtnl;
        this.silenceNanos = silenceNanos;
        this.vtepDevice = vtepDevice;
        this.restart = restart;
        this.known = addresses();
    }

    private Set<InetAddress> addresses() {
        return globalAddresses(
                rtnl.addresses().list(), ignoredLinks(rtnl.links().list(), vtepDevice));
    }

    public void tick(long nowNanos) {
        Set<InetAddress> now = addresses();
        List<String> removed = known.stream()
                .filter(a -> !now.contains(a))
                .map((java.net.InetAddress a) -> IpAddress.of(a).toString())
                .sorted()
                .toList();
        known = now;
        if (!removed.isEmpty()) {
            restart.restart("local address " + String.join(", ", removed) + " removed", true);
            return;
        }
        long silent = watcher.silentNanos(nowNanos);
        if (watcher.synced() && silent > silenceNanos) {
            restart.restart("no event or bookmark from the API server for " + silent / 1_000_000_000L + " s", false);
        }
    }

    static Set<InetAddress> globalAddresses(List<Address> all, Set<Integer> ignoredLinks) {
        Set<InetAddress> out = new HashSet<>();
        for (Address a : all) {
            InetAddress ip = a.address();
            if (ignoredLinks.contains(a.index())) {
                continue;
            }
            if (a.scope() == Address.SCOPE_UNIVERSE && !ip.isLinkLocalAddress() && !ip.isLoopbackAddress()) {
                out.add(ip);
            }
        }
        return out;
    }

    /** Indexes of the loopback, dummy links and the VXLAN device {@code vtepDevice}. */
    static Set<Integer> ignoredLinks(List<Link> links, String vtepDevice) {
        Set<Integer> out = new HashSet<>();
        for (Link l : links) {
            if ((l.flags() & Link.IFF_LOOPBACK) != 0
                    || "dummy".equals(l.kind())
                    || l.name().equals(vtepDevice)) {
                out.add(l.index());
            }
        }
        return out;
    }
}
