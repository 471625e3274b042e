package dev.cni4j.plugins.hostlocal;

import dev.cni4j.json.JsonObject;
import dev.cni4j.net.IpAddress;
import dev.cni4j.net.IpPrefix;
import dev.cni4j.skel.Request;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The IPs an ADD asks for, in the reference order: {@code CNI_ARGS} {@code IP=} (comma
 * separated), then {@code args.cni.ips}, then {@code runtimeConfig.ips} (capability
 * {@code ips}). Each may carry a prefix length, which is ignored.
 */
final class RequestedIps {
    /** The CNI_ARGS keys host-local accepts; others fail unless {@code IgnoreUnknown=1}. */
    static final Set<String> KNOWN_ARGS =
            Set.of("IP", "K8S_POD_NAME", "K8S_POD_NAMESPACE", "K8S_POD_INFRA_CONTAINER_ID", "K8S_POD_UID");

    private RequestedIps() {}

    static List<IpAddress> of(Request request) {
        List<IpAddress> out = new ArrayList<>();
        String ipArg = request.args(KNOWN_ARGS).get("IP");
        if (ipArg != null && !ipArg.isEmpty()) {
            for (String item : ipArg.split(",", -1)) {
                IpAddress ip = parse(item.strip());
                if (ip == null || ip.isIPv4Mapped()) {
                    throw new CniException(
                            ErrorCode.INVALID_ENVIRONMENT,
                            "invalid IP \"" + item.strip() + "\" in CNI_ARGS"
                                    + (ip == null ? "" : ": " + IpRange.mappedAddress(ip)));
                }
                out.add(ip);
            }
        }
        JsonObject args = request.config().object("args");
        JsonObject cni = args == null ? null : args.object("cni");
        addAll(out, cni == null ? null : cni.strings("ips"), "args.cni.ips");
        addAll(out, request.runtimeConfig().strings("ips"), "runtimeConfig.ips");
        return out;
    }

    private static void addAll(List<IpAddress> out, List<String> ips, String key) {
        if (ips == null) {
            return;
        }
        for (String s : ips) {
            IpAddress ip = parse(s);
            if (ip == null || ip.isIPv4Mapped()) {
                throw HostLocalErrors.config(
                        "invalid IP \"" + s + "\" in " + key + (ip == null ? "" : ": " + IpRange.mappedAddress(ip)));
            }
            out.add(ip);
        }
    }

    /** The address of an IP, or of an IP with a prefix length; null when it is neither. */
    private static IpAddress parse(String s) {
        if (s.indexOf('/') >= 0) {
            IpPrefix net = IpPrefix.tryParse(s);
            return net == null ? null : net.address();
        }
        return IpAddress.tryParse(s);
    }
}
