package dev.cni4j.plugins.hostlocal;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonObject;
import dev.cni4j.net.IpAddress;
import dev.cni4j.net.IpPrefix;
import dev.cni4j.node.NodeLayout;
import dev.cni4j.skel.Request;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.Result.Route;
import dev.cni4j.spec.ResultCodec;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code ipam} section of a host-local invocation, validated. The plugin's whole config
 * comes on stdin (host-local is delegated to by a main plugin); only {@code ipam}, {@code name},
 * {@code args} and {@code runtimeConfig} matter here.
 *
 * @param networkDir   {@code <dataDir>/<network name>}
 * @param rangeSets    one address is allocated from each, in order
 * @param routes       copied to the result, canonicalised
 * @param resolvConf   host resolv.conf to report as DNS, or null
 * @param requestedIps specific IPs asked for by the runtime
 */
public record IpamConfig(
        Path networkDir, List<RangeSet> rangeSets, List<Route> routes, Path resolvConf, List<IpAddress> requestedIps) {
    /** Everything ADD needs; nothing on disk is touched. */
    public static IpamConfig load(Request request, PodCidrSource.Factory podCidrs) {
        JsonObject ipam = ipam(request);
        List<IpAddress> requested = RequestedIps.of(request);
        List<RangeSet> sets = ConfiguredRanges.load(request, ipam, podCidrs);
        String resolv = ipam.string("resolvConf");
        return new IpamConfig(
                networkDir(request),
                sets,
                routes(ipam),
                resolv == null || resolv.isEmpty() ? null : absolutePath("resolvConf", resolv),
                requested);
    }

    /** Just the range sets (STATUS). */
    public static List<RangeSet> rangeSets(Request request, PodCidrSource.Factory podCidrs) {
        return ConfiguredRanges.load(request, ipam(request), podCidrs);
    }

    /**
     * {@code <dataDir>/<network name>}: all DEL, CHECK and GC need, so that they never depend
     * on the ranges (nor on the node's pod CIDR).
     */
    public static Path networkDir(Request request) {
        String dataDir = ipam(request).string("dataDir");
        return (dataDir == null || dataDir.isEmpty()
                        ? Path.of(NodeLayout.HOST_LOCAL_DATA_DIR)
                        : absolutePath("dataDir", dataDir))
                .resolve(request.networkName());
    }

    /**
     * A path of the config: it must be absolute, since a relative one would depend on the working
     * directory of whoever runs the plugin (the runtime, or the fast-path daemon).
     */
    static Path absolutePath(String key, String value) {
        Path path;
        try {
            path = Path.of(value);
        } catch (InvalidPathException e) {
            // a NUL or a lone surrogate: shown JSON-escaped, with the JDK's reason
            throw HostLocalErrors.config("invalid " + key + " " + Json.write(value) + ": " + e.getReason());
        }
        if (!path.isAbsolute()) {
            throw HostLocalErrors.config("invalid " + key + " \"" + value + "\": must be an absolute path (a relative"
                    + " one would depend on the working directory of whoever runs the plugin)");
        }
        return path;
    }

    static JsonObject ipam(Request request) {
        JsonObject ipam = request.config().object("ipam");
        if (ipam == null) {
            throw HostLocalErrors.config("IPAM config missing 'ipam' key");
        }
        return ipam;
    }

    private static List<Route> routes(JsonObject ipam) {
        List<JsonObject> raw = ipam.objects("routes");
        List<Route> out = new ArrayList<>();
        if (raw == null) {
            return out;
        }
        for (JsonObject j : raw) {
            Route r;
            try {
                r = ResultCodec.decodeRoute(j);
            } catch (CniException e) {
                throw HostLocalErrors.config("invalid route " + j + ": " + e.getMessage());
            }
            IpPrefix dst = IpPrefix.tryParse(r.dst());
            IpAddress gw = r.gw() == null || r.gw().isEmpty() ? null : IpAddress.tryParse(r.gw());
            if (dst == null || (gw == null && r.gw() != null && !r.gw().isEmpty())) {
                throw HostLocalErrors.config("invalid route " + j + ": dst must be a CIDR and gw an IP address");
            }
            // Go reads IPv4-mapped text as IPv4; we refuse it rather than guess (IpRange does the same).
            if (dst.address().isIPv4Mapped()) {
                throw HostLocalErrors.config("invalid route " + j + ": dst \"" + r.dst() + "\" is "
                        + (dst.isIPv4Mapped() ? IpRange.mappedNetwork(dst) : "IPv4-mapped IPv6 text"));
            }
            if (gw != null && gw.isIPv4Mapped()) {
                throw HostLocalErrors.config(
                        "invalid route " + j + ": gw \"" + r.gw() + "\" is " + IpRange.mappedAddress(gw));
            }
            out.add(new Route(
                    dst.toString(),
                    gw == null ? null : gw.toString(),
                    r.mtu(),
                    r.advmss(),
                    r.priority(),
                    r.table(),
                    r.scope()));
        }
        return out;
    }
}
