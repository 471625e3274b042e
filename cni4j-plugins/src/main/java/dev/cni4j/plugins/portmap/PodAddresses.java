package dev.cni4j.plugins.portmap;

import dev.cni4j.net.IpPrefix;
import dev.cni4j.spec.Result;

/**
 * The pod addresses port mappings go to, chosen as the reference chooses them: the first IPv4 and
 * first IPv6 address of {@code prevResult.ips} on the interface named {@code CNI_IFNAME} inside the
 * sandbox (addresses without an interface index, or with one out of range, count too).
 *
 * @param v4 null when the pod has no IPv4 address
 * @param v6 null when the pod has no IPv6 address
 */
public record PodAddresses(IpPrefix v4, IpPrefix v6) {
    public static PodAddresses from(Result prev, String ifname) {
        IpPrefix v4 = null;
        IpPrefix v6 = null;
        for (Result.IpConfig ip : prev.ips()) {
            Integer i = ip.interfaceIndex();
            if (i != null && i >= 0 && i < prev.interfaces().size()) {
                Result.Interface iface = prev.interfaces().get(i);
                if (!ifname.equals(iface.name())
                        || iface.sandbox() == null
                        || iface.sandbox().isEmpty()) {
                    continue;
                }
            }
            IpPrefix c = ip.prefix();
            if (c.isIPv4() && v4 == null) {
                v4 = c;
            } else if (!c.isIPv4() && v6 == null) {
                v6 = c;
            }
        }
        return new PodAddresses(v4, v6);
    }

    public boolean isEmpty() {
        return v4 == null && v6 == null;
    }
}
