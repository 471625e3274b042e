package dev.cni4j.plugins.portmap;

import dev.cni4j.json.JsonObject;
import dev.cni4j.json.JsonTypeException;
import dev.cni4j.linux.firewall.ScriptText;
import dev.cni4j.skel.Request;
import dev.cni4j.spec.CniException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The portmap options, validated as the reference validates them (errors are code 7 and are
 * raised before anything on the node changes).
 *
 * @param backend              "iptables" or "nftables", resolved (explicit, implied by options, or the node's)
 * @param markMasqBit          iptables only, 0-31, default 13
 * @param externalSetMarkChain iptables only, null for our own CNI-HOSTPORT-SETMARK
 * @param conditionsV4         extra match tokens of the backend's syntax, or empty
 * @param owner                "network/containerID": the attachment that owns rules and elements
 */
public record PortMapConfig(
        String networkName,
        String containerId,
        String backend,
        boolean snat,
        boolean masqAll,
        int markMasqBit,
        String externalSetMarkChain,
        List<String> conditionsV4,
        List<String> conditionsV6,
        List<PortMapping> mappings) {
    public static final String IPTABLES = "iptables";
    public static final String NFTABLES = "nftables";
    static final int DEFAULT_MARK_BIT = 13;

    /** Parses the request; {@code nodeDefault} picks the backend when neither config nor options do. */
    public static PortMapConfig from(Request request, Supplier<String> nodeDefault) {
        return parse(request.config(), request.networkName(), request.containerId(), nodeDefault);
    }

    /** Parses a config object (with its runtimeConfig) of attachment {@code networkName}/{@code containerId}. */
    static PortMapConfig parse(JsonObject c, String networkName, String containerId, Supplier<String> nodeDefault) {
        try {
            Long bit = c.integer("markMasqBit");
            String external = c.string("externalSetMarkChain");
            if (bit != null && external != null) {
                throw CniException.invalidConfig("Cannot specify externalSetMarkChain and markMasqBit");
            }
            if (bit != null && (bit < 0 || bit > 31)) {
                throw CniException.invalidConfig("MasqMarkBit must be between 0 and 31");
            }
            List<String> v4 = conditions(c, "conditionsV4");
            List<String> v6 = conditions(c, "conditionsV6");
            JsonObject rc = c.object("runtimeConfig");
            List<PortMapping> mappings = PortMapping.listFrom(rc == null ? new JsonObject() : rc);
            String backend = backend(c.string("backend"), bit != null || external != null, v4, v6, nodeDefault);
            return new PortMapConfig(
                    networkName,
                    containerId,
                    backend,
                    c.bool("snat", true),
                    c.bool("masqAll", false),
                    bit == null ? DEFAULT_MARK_BIT : bit.intValue(),
                    external,
                    v4,
                    v6,
                    mappings);
        } catch (JsonTypeException e) {
            throw CniException.invalidConfig("failed to parse config: " + e.getMessage());
        }
    }

    private static List<String> conditions(JsonObject c, String key) {
        List<String> l = c.strings(key);
        return l == null ? List.of() : List.copyOf(l);
    }

    /** iptables conditions start with "-" or "!" (e.g. "!", "-d", "192.0.2.0/24"); nft ones do not. */
    static Boolean isIptablesSyntax(List<String> conditions) {
        if (conditions.isEmpty()) {
            return null;
        }
        String first = conditions.get(0);
        return first.startsWith("-") || first.startsWith("!");
    }

    private static String backend(
            String explicit, boolean iptablesOptions, List<String> v4, List<String> v6, Supplier<String> nodeDefault) {
        Boolean ipt4 = isIptablesSyntax(v4);
        Boolean ipt6 = isIptablesSyntax(v6);
        if (ipt4 != null && ipt6 != null && !ipt4.equals(ipt6)) {
            throw CniException.invalidConfig("conditionsV4 and conditionsV6 use different backends' syntax");
        }
        Boolean iptSyntax = ipt4 != null ? ipt4 : ipt6;
        if (explicit != null) {
            if (!explicit.equals(IPTABLES) && !explicit.equals(NFTABLES)) {
                throw CniException.invalidConfig("unknown backend \"" + explicit + "\": expected iptables or nftables");
            }
            if (explicit.equals(NFTABLES) && (iptablesOptions || Boolean.TRUE.equals(iptSyntax))) {
                throw CniException.invalidConfig("iptables-specific options (markMasqBit, externalSetMarkChain, "
                        + "iptables conditions) cannot be used with the nftables backend");
            }
            if (explicit.equals(IPTABLES) && Boolean.FALSE.equals(iptSyntax)) {
                throw CniException.invalidConfig("nftables conditions cannot be used with the iptables backend");
            }
            return explicit;
        }
        if (iptSyntax != null) {
            if (!iptSyntax && iptablesOptions) {
                throw CniException.invalidConfig(
                        "nftables conditions cannot be combined with markMasqBit or externalSetMarkChain");
            }
            return iptSyntax ? IPTABLES : NFTABLES;
        }
        return iptablesOptions ? IPTABLES : nodeDefault.get();
    }

    /**
     * Checks what goes into rules (ADD and CHECK): the conditions against their backend's grammar,
     * {@code externalSetMarkChain} as a chain name, and no hostPort mapped twice. DEL and GC need
     * none of it (they find rules by owner), so a config that can never be added can still be deleted.
     *
     * @throws CniException code 7 naming the value
     */
    public void requireUsableForRules() {
        conditionsProblem("conditionsV4", conditionsV4);
        conditionsProblem("conditionsV6", conditionsV6);
        if (externalSetMarkChain != null) {
            String why = ScriptText.iptablesChainProblem(externalSetMarkChain);
            if (why != null) {
                throw CniException.invalidConfig(
                        "invalid externalSetMarkChain \"" + ScriptText.shortened(externalSetMarkChain) + "\": " + why);
            }
        }
        Map<String, PortMapping> seen = new HashMap<>();
        for (PortMapping m : mappings) {
            String key = m.protocol() + "/" + m.hostPort() + (m.hostIp() == null ? "" : " on " + m.hostIp());
            PortMapping first = seen.putIfAbsent(key, m);
            if (first != null) {
                throw CniException.invalidConfig(
                        "hostPort " + key + " is mapped twice (to containerPort " + first.containerPort() + " and "
                                + m.containerPort() + "): a hostPort can go to one place only");
            }
        }
    }

    private static void conditionsProblem(String key, List<String> conditions) {
        if (conditions.isEmpty()) {
            return;
        }
        boolean iptables = isIptablesSyntax(conditions);
        String why = iptables
                ? ScriptText.iptablesConditionsProblem(conditions)
                : ScriptText.nftConditionsProblem(conditions);
        if (why != null) {
            throw CniException.invalidConfig(
                    "invalid " + key + " (" + (iptables ? "iptables" : "nftables") + " syntax): " + why);
        }
    }

    /** This config with the backend decided by the caller (null from {@link #parse} means "the node's"). */
    public PortMapConfig withBackend(String newBackend) {
        return new PortMapConfig(
                networkName,
                containerId,
                newBackend,
                snat,
                masqAll,
                markMasqBit,
                externalSetMarkChain,
                conditionsV4,
                conditionsV6,
                mappings);
    }

    /** The owner tag of this attachment's nft elements and rules. */
    public String owner() {
        return networkName + "/" + containerId;
    }

    /** Mappings that apply to pods of this family. */
    public List<PortMapping> mappingsFor(boolean ipv4) {
        return mappings.stream().filter(m -> m.appliesTo(ipv4)).toList();
    }
}
