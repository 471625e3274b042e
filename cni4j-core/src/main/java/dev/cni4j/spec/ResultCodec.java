package dev.cni4j.spec;

import dev.cni4j.json.JsonObject;
import dev.cni4j.spec.Result.Dns;
import dev.cni4j.spec.Result.Interface;
import dev.cni4j.spec.Result.IpConfig;
import dev.cni4j.spec.Result.Route;
import java.util.ArrayList;
import java.util.List;

/**
 * Converts results between {@link Result} and the JSON of each spec version, following libcni's
 * conversion rules: 0.1/0.2 have one {@code ip4} and one {@code ip6}; 0.3.0-0.4.0 add
 * {@code interfaces} and {@code ips[].version}; 1.x drops {@code version} and adds 1.1 fields.
 */
public final class ResultCodec {
    private ResultCodec() {}

    /** The result as JSON in {@code version}; fails where the old schema cannot hold it. */
    public static JsonObject encode(Result r, String version) {
        return switch (CniVersion.schemaOf(version)) {
            case V02 -> encode02(r, version);
            case V04 -> encodeCurrent(r, version, true);
            case V1 -> encodeCurrent(r, version, false);
        };
    }

    private static JsonObject encodeCurrent(Result r, String version, boolean withIpVersion) {
        JsonObject o = new JsonObject();
        o.put("cniVersion", version);
        if (!r.interfaces().isEmpty()) {
            List<Object> list = new ArrayList<>(r.interfaces().size());
            for (Interface i : r.interfaces()) {
                JsonObject j = new JsonObject().with("name", i.name());
                putNonEmpty(j, "mac", i.mac());
                if (!withIpVersion) {
                    j.with("mtu", asLong(i.mtu()));
                }
                putNonEmpty(j, "sandbox", i.sandbox());
                if (!withIpVersion) {
                    putNonEmpty(j, "socketPath", i.socketPath());
                    putNonEmpty(j, "pciID", i.pciID());
                }
                list.add(j);
            }
            o.put("interfaces", list);
        }
        if (!r.ips().isEmpty()) {
            List<Object> list = new ArrayList<>(r.ips().size());
            for (IpConfig ip : r.ips()) {
                JsonObject j = new JsonObject();
                if (withIpVersion) {
                    j.put("version", ip.isIPv6() ? "6" : "4");
                }
                j.with("interface", asLong(ip.interfaceIndex()));
                j.put("address", ip.address());
                putNonEmpty(j, "gateway", ip.gateway());
                list.add(j);
            }
            o.put("ips", list);
        }
        if (!r.routes().isEmpty()) {
            o.put("routes", encodeRoutes(r.routes(), true));
        }
        putDns(o, r.dns());
        return o;
    }

    private static JsonObject encode02(Result r, String version) {
        IpConfig ip4 = null;
        IpConfig ip6 = null;
        for (IpConfig ip : r.ips()) {
            if (ip.isIPv6()) {
                ip6 = ip6 == null ? ip : ip6;
            } else {
                ip4 = ip4 == null ? ip : ip4;
            }
        }
        if (ip4 == null && ip6 == null) {
            throw new CniException(
                    ErrorCode.INCOMPATIBLE_VERSION,
                    "cannot convert result to version " + version + ": no valid IP addresses");
        }
        JsonObject o = new JsonObject();
        o.put("cniVersion", version);
        if (ip4 != null) {
            o.put("ip4", encodeIp02(ip4, r.routes(), false));
        }
        if (ip6 != null) {
            o.put("ip6", encodeIp02(ip6, r.routes(), true));
        }
        putDns(o, r.dns());
        return o;
    }

    private static JsonObject encodeIp02(IpConfig ip, List<Route> routes, boolean v6) {
        JsonObject j = new JsonObject().with("ip", ip.address());
        putNonEmpty(j, "gateway", ip.gateway());
        List<Route> own = new ArrayList<>();
        for (Route rt : routes) {
            if (rt.isIPv6() == v6) {
                own.add(new Route(rt.dst(), rt.gw()));
            }
        }
        if (!own.isEmpty()) {
            j.put("routes", encodeRoutes(own, false));
        }
        return j;
    }

    private static List<Object> encodeRoutes(List<Route> routes, boolean full) {
        List<Object> list = new ArrayList<>(routes.size());
        for (Route rt : routes) {
            JsonObject j = new JsonObject().with("dst", rt.dst());
            putNonEmpty(j, "gw", rt.gw());
            if (full) {
                j.with("mtu", asLong(rt.mtu()))
                        .with("advmss", asLong(rt.advmss()))
                        .with("priority", asLong(rt.priority()))
                        .with("table", asLong(rt.table()))
                        .with("scope", asLong(rt.scope()));
            }
            list.add(j);
        }
        return list;
    }

    private static void putDns(JsonObject o, Dns dns) {
        if (dns == null || dns.isEmpty()) {
            return;
        }
        JsonObject j = new JsonObject();
        if (dns.nameservers() != null && !dns.nameservers().isEmpty()) {
            j.put("nameservers", new ArrayList<Object>(dns.nameservers()));
        }
        putNonEmpty(j, "domain", dns.domain());
        if (dns.search() != null && !dns.search().isEmpty()) {
            j.put("search", new ArrayList<Object>(dns.search()));
        }
        if (dns.options() != null && !dns.options().isEmpty()) {
            j.put("options", new ArrayList<Object>(dns.options()));
        }
        o.put("dns", j);
    }

    private static void putNonEmpty(JsonObject j, String key, String value) {
        if (value != null && !value.isEmpty()) {
            j.put(key, value);
        }
    }

    private static Long asLong(Integer i) {
        return i == null ? null : (long) i;
    }

    // ---- decoding ----

    /**
     * Reads a result of any version. Its own {@code cniVersion} decides the schema; where it has
     * none, {@code fallbackVersion} does (libcni assumes the config's version).
     */
    public static Result decode(JsonObject o, String fallbackVersion) {
        String version = o.string("cniVersion");
        if (version == null || version.isEmpty()) {
            version = fallbackVersion == null || fallbackVersion.isEmpty() ? CniVersion.V0_1_0 : fallbackVersion;
        }
        if (!CniVersion.isValid(version)) {
            throw new CniException(ErrorCode.DECODING_FAILURE, "invalid result version \"" + version + "\"");
        }
        Result r = new Result();
        if (CniVersion.schemaOf(version) == CniVersion.Schema.V02) {
            decodeIp02(r, o.object("ip4"));
            decodeIp02(r, o.object("ip6"));
        } else {
            List<JsonObject> ifaces = o.objects("interfaces");
            if (ifaces != null) {
                for (JsonObject j : ifaces) {
                    r.interfaces()
                            .add(new Interface(
                                    j.string("name"),
                                    j.string("mac"),
                                    asInt(j, "mtu"),
                                    j.string("sandbox"),
                                    j.string("socketPath"),
                                    j.string("pciID")));
                }
            }
            List<JsonObject> ips = o.objects("ips");
            if (ips != null) {
                for (JsonObject j : ips) {
                    String address = j.string("address");
                    if (address == null || address.isEmpty()) {
                        throw new CniException(ErrorCode.DECODING_FAILURE, "result ips[] entry without \"address\"");
                    }
                    r.ips().add(new IpConfig(address, j.string("gateway"), asInt(j, "interface")));
                }
            }
            List<JsonObject> routes = o.objects("routes");
            if (routes != null) {
                for (JsonObject j : routes) {
                    r.routes().add(decodeRoute(j));
                }
            }
        }
        JsonObject dns = o.object("dns");
        if (dns != null) {
            r.dns(new Dns(
                    dns.strings("nameservers"), dns.string("domain"), dns.strings("search"), dns.strings("options")));
        }
        return r;
    }

    private static void decodeIp02(Result r, JsonObject ip) {
        if (ip == null) {
            return;
        }
        String address = ip.string("ip");
        if (address == null || address.isEmpty()) {
            throw new CniException(ErrorCode.DECODING_FAILURE, "result ip4/ip6 without \"ip\"");
        }
        r.ips().add(new IpConfig(address, ip.string("gateway"), null));
        List<JsonObject> routes = ip.objects("routes");
        if (routes != null) {
            for (JsonObject j : routes) {
                r.routes().add(decodeRoute(j));
            }
        }
    }

    /** Reads a route object as found in results and IPAM configs. */
    public static Route decodeRoute(JsonObject j) {
        String dst = j.string("dst");
        if (dst == null || dst.isEmpty()) {
            throw new CniException(ErrorCode.DECODING_FAILURE, "route without \"dst\"");
        }
        return new Route(
                dst,
                j.string("gw"),
                asInt(j, "mtu"),
                asInt(j, "advmss"),
                asInt(j, "priority"),
                asInt(j, "table"),
                asInt(j, "scope"));
    }

    private static Integer asInt(JsonObject j, String key) {
        Long l = j.integer(key);
        if (l != null && (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE)) {
            throw new CniException(ErrorCode.DECODING_FAILURE, "\"" + key + "\" " + l + " does not fit in 32 bits");
        }
        return l == null ? null : l.intValue();
    }

    /** Re-encodes a result JSON of any version in {@code version}. */
    public static JsonObject convert(JsonObject result, String fallbackVersion, String version) {
        return encode(decode(result, fallbackVersion), version);
    }
}
