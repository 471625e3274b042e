package dev.cni4j.spec;

import dev.cni4j.net.IpAddress;
import dev.cni4j.net.IpPrefix;
import java.util.ArrayList;
import java.util.List;

/**
 * A success result in the newest (1.1.0) shape. Plugins build and modify this; {@link ResultCodec}
 * converts it to and from every spec version at the edge.
 */
public final class Result {
    /** An interface a plugin created or configured. {@code mtu}, {@code socketPath}, {@code pciID} are 1.1.0. */
    public record Interface(String name, String mac, Integer mtu, String sandbox, String socketPath, String pciID) {
        public Interface(String name, String mac, String sandbox) {
            this(name, mac, null, sandbox, null, null);
        }
    }

    /** An address in CIDR form with its gateway, and the index into {@link #interfaces()} it is on. */
    public record IpConfig(String address, String gateway, Integer interfaceIndex) {
        public boolean isIPv6() {
            return address.indexOf(':') >= 0;
        }

        /** The address with its prefix length; a config error (code 7) when the text is not one. */
        public IpPrefix prefix() {
            return parsePrefix(address, "address");
        }

        /** The gateway, or null when there is none; a config error (code 7) when the text is not an address. */
        public IpAddress gatewayAddress() {
            return parseAddress(gateway, "gateway");
        }
    }

    /** A route; everything after {@code gw} is 1.1.0 (scope: 0 global, 253 link, 254 host). */
    public record Route(
            String dst, String gw, Integer mtu, Integer advmss, Integer priority, Integer table, Integer scope) {
        public Route(String dst, String gw) {
            this(dst, gw, null, null, null, null, null);
        }

        public boolean isIPv6() {
            return dst.indexOf(':') >= 0;
        }

        /** The destination network (as written); a config error (code 7) when the text is not one. */
        public IpPrefix destination() {
            return parsePrefix(dst, "route destination");
        }

        /** The next hop, or null when there is none; a config error (code 7) when the text is not an address. */
        public IpAddress gatewayAddress() {
            return parseAddress(gw, "route gateway");
        }
    }

    private static IpPrefix parsePrefix(String text, String what) {
        IpPrefix p = IpPrefix.tryParse(text);
        if (p == null) {
            throw CniException.invalidConfig(
                    "invalid " + what + " \"" + text + "\" in a result: expected address/prefix");
        }
        return p;
    }

    private static IpAddress parseAddress(String text, String what) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        IpAddress a = IpAddress.tryParse(text);
        if (a == null) {
            throw CniException.invalidConfig("invalid " + what + " \"" + text + "\" in a result");
        }
        return a;
    }

    /** DNS settings; an empty one is left out of printed results. */
    public record Dns(List<String> nameservers, String domain, List<String> search, List<String> options) {
        public boolean isEmpty() {
            return (nameservers == null || nameservers.isEmpty())
                    && (domain == null || domain.isEmpty())
                    && (search == null || search.isEmpty())
                    && (options == null || options.isEmpty());
        }
    }

    private final List<Interface> interfaces = new ArrayList<>();
    private final List<IpConfig> ips = new ArrayList<>();
    private final List<Route> routes = new ArrayList<>();
    private Dns dns;

    public List<Interface> interfaces() {
        return interfaces;
    }

    public List<IpConfig> ips() {
        return ips;
    }

    public List<Route> routes() {
        return routes;
    }

    public Dns dns() {
        return dns;
    }

    public Result dns(Dns dns) {
        this.dns = dns;
        return this;
    }

    /** Appends an interface and returns its index, for {@link IpConfig#interfaceIndex()}. */
    public int addInterface(Interface iface) {
        interfaces.add(iface);
        return interfaces.size() - 1;
    }
}
