package dev.cni4j.plugins.hostlocal;

import dev.cni4j.net.IpAddress;
import dev.cni4j.net.IpPrefix;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/**
 * One allocation range: a subnet, the inclusive {@code rangeStart..rangeEnd} inside it, and a
 * gateway that is never handed out. Built only through {@link #of}, which applies the reference
 * plugin's defaults and checks, so every instance is valid.
 */
public record IpRange(IpPrefix subnet, IpAddress start, IpAddress end, IpAddress gateway) {

    /**
     * Validates and fills defaults: gateway = network+1, start = network+1, end = the last
     * address (IPv4: broadcast-1). Null strings mean "not given".
     */
    public static IpRange of(String subnet, String rangeStart, String rangeEnd, String gateway) {
        if (subnet == null || subnet.isEmpty()) {
            throw HostLocalErrors.config("range is missing \"subnet\"");
        }
        IpPrefix net = IpPrefix.tryParse(subnet);
        if (net == null) {
            throw HostLocalErrors.config("invalid subnet \"" + subnet + "\": not an IP network in CIDR form");
        }
        if (net.isIPv4Mapped()) {
            // Go reads it as the IPv4 network; a reader of the config would not.
            throw HostLocalErrors.config("invalid subnet \"" + subnet + "\": " + mappedNetwork(net));
        }
        rejectSpecial(subnet, net);
        if (net.length() > net.address().bitLength() - 2) {
            throw HostLocalErrors.config("Network " + net + " too small to allocate from");
        }
        IpAddress network = net.network();
        if (!net.isMasked()) {
            throw HostLocalErrors.config("Network has host bits set. For a subnet mask of length " + net.length()
                    + " the network address is " + network);
        }
        // Stricter than the Go plugin, which takes a gateway outside the subnet: pods could not reach it.
        IpAddress gw = gateway == null || gateway.isEmpty()
                ? network.next()
                : inside("Gateway", address("gateway", gateway, net), net);
        IpAddress start = rangeStart == null || rangeStart.isEmpty()
                ? network.next()
                : inside("RangeStart", address("rangeStart", rangeStart, net), net);
        IpAddress last = net.lastAddress();
        IpAddress end = rangeEnd == null || rangeEnd.isEmpty()
                ? (net.isIPv6() ? last : last.previous())
                : inside("RangeEnd", address("rangeEnd", rangeEnd, net), net);
        if (start.compareTo(end) > 0) {
            throw HostLocalErrors.config("RangeStart " + start + " is after RangeEnd " + end + " in network " + net);
        }
        return new IpRange(net, start, end, gw);
    }

    /**
     * Address blocks no pod can be given an address from: a subnet inside one, or holding one
     * (as {@code 0.0.0.0/0} does), is a mistake, and the gateway the bridge would put on the
     * host (such as {@code 0.0.0.1} or {@code fe80::1/64}) would break the node. An IPv6 subnet
     * holding the IPv4-mapped block would hand out addresses that Go names by their IPv4 text, so
     * the reservation files would not be the reference's.
     */
    private static final List<Map.Entry<IpPrefix, String>> SPECIAL = List.of(
            Map.entry(IpPrefix.parse("0.0.0.0/8"), "\"this network\" addresses (0.0.0.0/8)"),
            Map.entry(IpPrefix.parse("127.0.0.0/8"), "loopback addresses (127.0.0.0/8)"),
            Map.entry(IpPrefix.parse("169.254.0.0/16"), "link-local addresses (169.254.0.0/16)"),
            Map.entry(IpPrefix.parse("224.0.0.0/4"), "multicast addresses (224.0.0.0/4)"),
            Map.entry(IpPrefix.parse("255.255.255.255/32"), "the broadcast address 255.255.255.255"),
            Map.entry(IpPrefix.parse("::/128"), "the unspecified address ::"),
            Map.entry(IpPrefix.parse("::1/128"), "the loopback address ::1"),
            Map.entry(IpPrefix.parse("::ffff:0:0/96"), "IPv4-mapped addresses (::ffff:0:0/96)"),
            Map.entry(IpPrefix.parse("fe80::/10"), "link-local addresses (fe80::/10), which every interface has"),
            Map.entry(IpPrefix.parse("ff00::/8"), "multicast addresses (ff00::/8)"));

    private static void rejectSpecial(String subnet, IpPrefix net) {
        for (Map.Entry<IpPrefix, String> special : SPECIAL) {
            IpPrefix block = special.getKey();
            if (block.overlaps(net)) {
                throw HostLocalErrors.config("invalid subnet \"" + subnet + "\": "
                        + (block.length() <= net.length() ? "inside " : "includes ") + special.getValue()
                        + "; pods need a unicast subnet of their own");
            }
        }
    }

    /** Why IPv4-mapped text for an IPv4 network is refused, naming what to write instead. */
    static String mappedNetwork(IpPrefix mapped) {
        return "an IPv4-mapped IPv6 network; write the IPv4 subnet " + mapped.unmap() + " itself";
    }

    /** Why an IPv4-mapped address is refused, naming what to write instead. */
    static String mappedAddress(IpAddress mapped) {
        return "an IPv4-mapped IPv6 address; write the IPv4 address " + mapped.unmap() + " itself";
    }

    private static IpAddress address(String key, String literal, IpPrefix net) {
        IpAddress a = IpAddress.tryParse(literal);
        if (a == null) {
            throw HostLocalErrors.config("invalid " + key + " \"" + literal + "\": not an IP address");
        }
        if (a.isIPv4Mapped()) {
            throw HostLocalErrors.config("invalid " + key + " \"" + literal + "\": " + mappedAddress(a));
        }
        if (!a.sameFamily(net.address())) {
            throw HostLocalErrors.config(key + " " + a + " is not of the same IP family as subnet " + net);
        }
        return a;
    }

    private static IpAddress inside(String key, IpAddress a, IpPrefix net) {
        if (!net.contains(a)) {
            throw HostLocalErrors.config(key + " " + a + " not in network " + net);
        }
        return a;
    }

    public boolean isIPv6() {
        return start.isIPv6();
    }

    /** True when {@code ip} is inside the subnet and between start and end. */
    public boolean contains(IpAddress ip) {
        return subnet.contains(ip) && start.compareTo(ip) <= 0 && end.compareTo(ip) >= 0;
    }

    /** True when the two ranges share an address (never across families). */
    public boolean overlaps(IpRange o) {
        return start.sameFamily(o.start) && start.compareTo(o.end) <= 0 && o.start.compareTo(end) <= 0;
    }

    /** How many addresses lie between start and end, both included. */
    public BigInteger size() {
        return new BigInteger(1, end.bytes())
                .subtract(new BigInteger(1, start.bytes()))
                .add(BigInteger.ONE);
    }

    /** The address as handed out: the IP with the subnet's prefix length. */
    public String cidrOf(IpAddress ip) {
        return new IpPrefix(ip, subnet.length()).toString();
    }

    @Override
    public String toString() {
        return start + "-" + end;
    }
}
