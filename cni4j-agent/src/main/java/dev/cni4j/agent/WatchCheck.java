package dev.cni4j.agent;

import dev.cni4j.linux.rtnl.Address;
import dev.cni4j.linux.rtnl.Rtnl;

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
 * Link-local and loopback addresses do not count: pods coming and going change those.
 */
final class WatchCheck {
    private final NodeWatcher watcher;
    private final Rtnl rtnl;
    private final long silenceNanos;
    private final Restart restart;
    private Set<InetAddress> known;

    /** What restarts the watch. */
    interface Restart {
        /** @param freshConnections the client's pooled connections may be dead too: replace them */
        void restart(String reason, boolean freshConnections);
    }

    WatchCheck(NodeWatcher watcher, Rtnl rtnl, long silenceNanos, Restart restart) {
        this.watcher = watcher;
        this.rtnl = rtnl;
        this.silenceNanos = silenceNanos;
        this.restart = restart;
        this.known = globalAddresses(rtnl.addresses().list());
    }

    void tick(long nowNanos) {
        Set<InetAddress> now = globalAddresses(rtnl.addresses().list());
        List<String> removed = known.stream().filter(a -> !now.contains(a)).map(Cidr::text).sorted().toList();
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

    static Set<InetAddress> globalAddresses(List<Address> all) {
        Set<InetAddress> out = new HashSet<>();
        for (Address a : all) {
            InetAddress ip = a.address();
            if (a.scope() == Address.SCOPE_UNIVERSE && !ip.isLinkLocalAddress() && !ip.isLoopbackAddress()) out.add(ip);
        }
        return out;
    }
}
