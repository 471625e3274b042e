package dev.cni4j.plugins.portmap;

import dev.cni4j.linux.firewall.ScriptText;
import dev.cni4j.net.IpPrefix;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The iptables rules of the reference portmap, byte-compatible (same chains, comments, mark and
 * per-container chain name) so either implementation can take over from the other, written as
 * {@code iptables-restore} lines. Shared chains are declared only when absent: declaring an
 * existing chain in a restore batch flushes it, even with {@code --noflush}.
 */
final class PortMappingRules {
    static final String DNAT = "CNI-HOSTPORT-DNAT";
    static final String SETMARK = "CNI-HOSTPORT-SETMARK";
    static final String MASQ = "CNI-HOSTPORT-MASQ";
    static final String OLD_SNAT = "CNI-HOSTPORT-SNAT";
    static final String TOP_ENTRY = "-m addrtype --dst-type LOCAL -j " + DNAT;
    static final String MASQ_ENTRY = "-m comment --comment \"CNI portfwd requiring masquerade\" -j " + MASQ;
    static final String MARTIAN_DROP =
            "-A PREROUTING -d 127.0.0.0/8 ! -i lo -m comment --comment " + "\"CNI portfwd drop martian 127/8\" -j DROP";
    static final int MAX_CHAIN = 28;
    static final int PORTS_PER_RULE = 15; // multiport's limit

    private PortMappingRules() {}

    /** {@code CNI-DN-} + sha512(network + containerID) in hex, 28 characters, as the reference's. */
    static String dnatChain(String network, String containerId) {
        return chainName("CNI-DN-", network, containerId);
    }

    /** The pre-0.7 SNAT chain, still removed on DEL. */
    static String oldSnatChain(String network, String containerId) {
        return chainName("CNI-SN-", network, containerId);
    }

    private static String chainName(String prefix, String network, String containerId) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-512")
                    .digest((network + containerId).getBytes(StandardCharsets.UTF_8));
            return (prefix + HexFormat.of().formatHex(d)).substring(0, MAX_CHAIN);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String comment(String network, String containerId) {
        String c = "dnat name: \"" + network + "\" id: \"" + containerId + "\"";
        return c.length() <= 255 ? c : c.substring(0, 253) + "...";
    }

    /** The restore batch of an ADD for one family, given what the node has now. */
    static String addScript(PortMapConfig c, IpPrefix pod, IptablesSave now) {
        boolean v4 = pod.isIPv4();
        boolean ownMark = c.snat() && c.externalSetMarkChain() == null;
        String dn = dnatChain(c.networkName(), c.containerId());
        String mark = String.format("0x%x/0x%x", 1L << c.markMasqBit(), 1L << c.markMasqBit());
        StringBuilder s = new StringBuilder("*nat\n");
        declareIfAbsent(s, now, DNAT);
        if (ownMark) {
            declareIfAbsent(s, now, SETMARK);
            declareIfAbsent(s, now, MASQ);
        }
        s.append(':').append(dn).append(" - [0:0]\n"); // (re)declared: flushes an old one of a repeated ADD
        appendIfAbsent(s, now, "-A PREROUTING " + TOP_ENTRY);
        appendIfAbsent(s, now, "-A OUTPUT " + TOP_ENTRY);
        if (ownMark) {
            if (!now.hasRule("nat", "-A POSTROUTING " + MASQ_ENTRY)) {
                s.append("-I POSTROUTING 1 ").append(MASQ_ENTRY).append('\n'); // before bridge/ptp ipMasq rules
            }
            appendIfAbsent(
                    s,
                    now,
                    "-A " + SETMARK + " -m comment --comment \"CNI portfwd masquerade mark\" -j MARK --set-xmark "
                            + mark);
            appendIfAbsent(s, now, "-A " + MASQ + " -m mark --mark " + mark + " -j MASQUERADE");
        }
        for (String old : now.jumpsTo("nat", dn)) {
            s.append("-D ").append(old, 3, old.length()).append('\n');
        }
        List<PortMapping> mappings = c.mappingsFor(v4);
        List<String> conditions = v4 ? c.conditionsV4() : c.conditionsV6();
        Map<String, List<Integer>> byProtocol = new TreeMap<>();
        mappings.forEach(m ->
                byProtocol.computeIfAbsent(m.protocol(), p -> new ArrayList<>()).add(m.hostPort()));
        String comment = quote(comment(c.networkName(), c.containerId()));
        for (Map.Entry<String, List<Integer>> e : byProtocol.entrySet()) {
            List<Integer> ports = e.getValue();
            for (int i = 0; i < ports.size(); i += PORTS_PER_RULE) {
                List<String> group = ports.subList(i, Math.min(ports.size(), i + PORTS_PER_RULE)).stream()
                        .map(String::valueOf)
                        .toList();
                // prepended so that the newest container using a hostPort wins, as in the reference
                s.append("-I ")
                        .append(DNAT)
                        .append(" 1 -m comment --comment ")
                        .append(comment)
                        .append(" -m multiport -p ")
                        .append(e.getKey())
                        .append(" --destination-ports ")
                        .append(String.join(",", group));
                conditions.forEach(t -> s.append(' ').append(quote(t)));
                s.append(" -j ").append(dn).append('\n');
            }
        }
        String setMark = c.externalSetMarkChain() != null ? c.externalSetMarkChain() : SETMARK;
        String badChain = ScriptText.iptablesChainProblem(setMark);
        if (badChain != null) {
            throw new IllegalArgumentException(
                    "externalSetMarkChain \"" + ScriptText.utf8Prefix(setMark, 40) + "\": " + badChain);
        }
        String podIp = pod.address().toString();
        for (PortMapping m : mappings) {
            String base = "-A " + dn + " -p " + m.protocol() + " --dport " + m.hostPort()
                    + (m.hostIp() == null ? "" : " -d " + m.hostIp());
            if (c.snat()) {
                String hairpin = c.masqAll() ? (v4 ? "0.0.0.0/0" : "::/0") : podIp + "/" + pod.length();
                s.append(base)
                        .append(" -s ")
                        .append(hairpin)
                        .append(" -j ")
                        .append(setMark)
                        .append('\n');
                if (v4 && !c.masqAll()) {
                    s.append(base).append(" -s 127.0.0.1 -j ").append(setMark).append('\n');
                }
            }
            s.append(base)
                    .append(" -j DNAT --to-destination ")
                    .append(v4 ? podIp : "[" + podIp + "]")
                    .append(':')
                    .append(m.containerPort())
                    .append('\n');
        }
        s.append("COMMIT\n");
        if (v4 && c.snat() && !now.hasRule("raw", MARTIAN_DROP)) {
            s.append("*raw\n").append(MARTIAN_DROP).append("\nCOMMIT\n");
        }
        return s.toString();
    }

    /** The restore batch removing chains {@code chains} and every rule jumping to them; empty if none exist. */
    static String removeScript(IptablesSave now, List<String> chains) {
        StringBuilder s = new StringBuilder();
        for (String chain : chains) {
            for (String jump : now.jumpsTo("nat", chain)) {
                s.append("-D ").append(jump, 3, jump.length()).append('\n');
            }
        }
        for (String chain : chains) {
            if (now.hasChain("nat", chain)) {
                s.append("-F ").append(chain).append("\n-X ").append(chain).append('\n');
            }
        }
        return s.isEmpty() ? "" : "*nat\n" + s + "COMMIT\n";
    }

    private static void declareIfAbsent(StringBuilder s, IptablesSave now, String chain) {
        if (!now.hasChain("nat", chain)) {
            s.append(':').append(chain).append(" - [0:0]\n");
        }
    }

    private static void appendIfAbsent(StringBuilder s, IptablesSave now, String line) {
        if (!now.hasRule("nat", line)) {
            s.append(line).append('\n');
        }
    }

    /** A parameter for iptables-restore (see {@link ScriptText#iptablesQuoted}). */
    static String quote(String token) {
        return ScriptText.iptablesQuoted(token);
    }
}
