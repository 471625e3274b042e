package dev.cni4j.plugins.portmap;

import dev.cni4j.linux.firewall.FirewallException;
import dev.cni4j.linux.firewall.NftablesBackend;
import dev.cni4j.linux.firewall.ScriptText;
import dev.cni4j.net.IpPrefix;
import dev.cni4j.plugins.portmap.NftHostportTable.Element;
import dev.cni4j.plugins.portmap.NftHostportTable.Rule;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Port mappings in the nftables table {@code inet cni4j_hostport}: DNAT through verdict-free maps
 * ({@code proto . port -> podIP . podPort}), so the cost of a new connection and of an ADD does
 * not grow with the number of mappings; masquerading through sets of (source . pod) pairs,
 * limited to DNATed connections. An ADD is one {@code nft -f -} transaction; only when a key is
 * already taken (repeated ADD, hostPort takeover) is the table listed first. A DEL is one listing
 * and one transaction.
 * Mappings with {@code conditionsV4/V6} become rules in the {@code conditioned} chain instead,
 * since arbitrary matches cannot be map keys.
 */
final class NftablesPortMapper implements PortMapper {
    static final String T = NftHostportTable.TABLE;
    private static final int ATTEMPTS = 3;
    private static final int MAX_COMMENT = ScriptText.NFT_COMMENT_MAX;
    static final String STANDBY = "standby";
    private static final String ANY4 = "0.0.0.0";
    private static final String ANY6 = "::";

    private final NftablesBackend nft = new NftablesBackend(null);

    @Override
    public void add(PortMapConfig config, PodAddresses pod) {
        List<Element> wanted = new ArrayList<>();
        List<String> ruleLines = new ArrayList<>();
        String owner = owner(config);
        addFamily(config, pod.v4(), owner, wanted, ruleLines);
        addFamily(config, pod.v6(), owner, wanted, ruleLines);
        if (ruleLines.isEmpty()) {
            // Fast path, one transaction without reading the table: "create" fails if any key is
            // already there (an earlier ADD of this pod, or a hostPort / pod IP another owner still
            // holds), and then the listing path below sorts it out. ("add" would keep the old
            // owner's comment silently.) The first try assumes the table is laid out already.
            StringBuilder s = new StringBuilder();
            wanted.forEach(e -> appendElement(s, "create", e, owner));
            try {
                NftablesRuleset.LAYOUT.apply(nft, s.toString());
                return;
            } catch (FirewallException missingOrTaken) {
                // fall through
            }
        }
        for (int attempt = 1; ; attempt++) {
            NftHostportTable table = NftHostportTable.read();
            StringBuilder s = new StringBuilder(NftablesRuleset.base());
            Set<String> wantedKeys = new HashSet<>();
            wanted.forEach(e -> wantedKeys.add(e.set() + " " + e.key()));
            // last writer wins for a hostPort, as in the reference: replace whoever holds the key
            for (Element e : table.elements()) {
                if (owner.equals(e.owner()) || wantedKeys.contains(e.set() + " " + e.key())) {
                    appendDelete(s, e);
                }
            }
            deleteOwnedRules(table, owner, s);
            wanted.forEach(e -> appendElement(s, "add", e, owner));
            ruleLines.forEach(r -> s.append(r).append('\n'));
            try {
                nft.apply(s.toString());
                return;
            } catch (FirewallException e) {
                if (attempt >= ATTEMPTS) {
                    throw e; // a concurrent ADD changed the same keys between listing and commit; retried
                }
            }
        }
    }

    private static void appendElement(StringBuilder s, String verb, Element e, String owner) {
        s.append(verb)
                .append(" element ")
                .append(T)
                .append(' ')
                .append(e.set())
                .append(" { ")
                .append(e.key())
                .append(" comment ")
                .append(ScriptText.nftQuoted(owner));
        s.append(e.value() == null ? "" : " : " + e.value()).append(" }\n");
    }

    private void addFamily(PortMapConfig c, IpPrefix pod, String owner, List<Element> out, List<String> rules) {
        if (pod == null) {
            return;
        }
        boolean v4 = pod.isIPv4();
        String f = v4 ? "4" : "6";
        String ip = pod.address().toString();
        List<PortMapping> mappings = c.mappingsFor(v4);
        if (mappings.isEmpty()) {
            return;
        }
        List<String> conditions = v4 ? c.conditionsV4() : c.conditionsV6();
        for (PortMapping m : mappings) {
            String value = ip + " . " + m.containerPort();
            if (!conditions.isEmpty()) {
                rules.add(NftablesRuleset.conditionedRule(conditions, v4, m, ip, owner));
                continue;
            } else if (m.hostIp() == null) {
                out.add(new Element("hostports" + f, m.protocol() + " . " + m.hostPort(), value, owner));
            } else {
                out.add(new Element(
                        "hostip_hostports" + f,
                        m.hostIp() + " . " + m.protocol() + " . " + m.hostPort(),
                        value,
                        owner));
            }
            String hostIp = m.hostIp() == null ? (v4 ? ANY4 : ANY6) : m.hostIp().toString();
            out.add(new Element(
                    STANDBY + f, ip + " . " + hostIp + " . " + m.protocol() + " . " + m.hostPort(), value, owner));
        }
        if (c.snat()) {
            if (c.masqAll()) {
                out.add(new Element("masq_all" + f, ip, null, owner));
            } else {
                out.add(new Element("masq_pairs" + f, ip + " . " + ip, null, owner));
                if (v4) {
                    out.add(new Element("masq_pairs4", "127.0.0.1 . " + ip, null, owner));
                }
            }
        }
    }

    private static void appendDelete(StringBuilder s, Element e) {
        s.append("delete element ")
                .append(T)
                .append(' ')
                .append(e.set())
                .append(" { ")
                .append(e.key())
                .append(" }\n");
    }

    private static void appendDelete(StringBuilder s, Rule r) {
        s.append("delete rule ")
                .append(T)
                .append(' ')
                .append(r.chain())
                .append(" handle ")
                .append(r.handle())
                .append('\n');
    }

    private static void deleteOwnedRules(NftHostportTable table, String owner, StringBuilder s) {
        for (Rule r : table.rules()) {
            if (owner.equals(r.owner())) {
                appendDelete(s, r);
            }
        }
    }

    @Override
    public Set<Integer> del(PortMapConfig config) {
        return remove(config, owner -> owner.equals(owner(config)));
    }

    @Override
    public void gc(PortMapConfig config, Set<String> validContainerIds) {
        String prefix = config.networkName() + "/";
        Set<String> valid = new HashSet<>();
        for (String id : validContainerIds) {
            valid.add(truncate(prefix + id));
        }
        remove(config, owner -> owner.startsWith(prefix) && !valid.contains(owner));
    }

    /**
     * Deletes owned elements and rules, and gives each hostPort an owned element held back to
     * another attachment that still wants it (its standby element); returns the UDP hostPorts
     * among them. Listing and transaction are retried when a concurrent DEL or ADD changed the
     * table in between, so two DELs of one attachment both succeed.
     */
    private Set<Integer> remove(PortMapConfig config, java.util.function.Predicate<String> owned) {
        for (int attempt = 1; ; attempt++) {
            NftHostportTable table = NftHostportTable.read();
            Set<Integer> udp = new HashSet<>();
            String script = removeScript(table, owned, udp);
            if (script.isEmpty()) {
                return udp;
            }
            try {
                nft.apply(script);
                return udp;
            } catch (FirewallException e) {
                if (attempt >= ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    /** The transaction of {@link #remove} for {@code table} as listed; empty when nothing is owned. */
    static String removeScript(NftHostportTable table, java.util.function.Predicate<String> owned, Set<Integer> udp) {
        StringBuilder s = new StringBuilder();
        List<Element> freed = new ArrayList<>();
        for (Element e : table.elements()) {
            if (e.owner() != null && owned.test(e.owner())) {
                int at = e.key().indexOf("udp . ");
                if (e.set().contains("hostports") && at >= 0) {
                    udp.add(Integer.parseInt(e.key().substring(at + 6).trim()));
                }
                appendDelete(s, e);
                if (e.set().contains("hostports")) {
                    freed.add(e);
                }
            }
        }
        for (Element e : freed) {
            Element next = standbyFor(table, e, owned);
            if (next != null) {
                appendElement(s, "add", next, next.owner());
            }
        }
        for (Rule r : table.rules()) {
            if (r.owner() != null && owned.test(r.owner())) {
                appendDelete(s, r);
            }
        }
        return s.toString();
    }

    /**
     * The element that takes over the hostPort of the freed active element {@code e}: made from
     * the standby element of another, remaining attachment with the same host address, protocol
     * and port (the last listed when several want it), or null.
     */
    private static Element standbyFor(NftHostportTable table, Element e, java.util.function.Predicate<String> owned) {
        String f = e.set().substring(e.set().length() - 1);
        String[] k = e.key().split(" \\. ");
        String hostIp = k.length == 3 ? k[0] : (f.equals("4") ? ANY4 : ANY6);
        String portKey = k[k.length - 2] + " . " + k[k.length - 1];
        Element found = null;
        for (Element c : table.elements()) {
            if (!c.set().equals(STANDBY + f) || c.owner() == null || owned.test(c.owner()) || c.value() == null) {
                continue;
            }
            String[] ck = c.key().split(" \\. ");
            if (ck.length == 4 && ck[1].equals(hostIp) && (ck[2] + " . " + ck[3]).equals(portKey)) {
                found = c;
            }
        }
        return found == null ? null : new Element(e.set(), e.key(), found.value(), found.owner());
    }

    @Override
    public String check(PortMapConfig config, PodAddresses pod) {
        NftHostportTable table = NftHostportTable.read();
        List<Element> wanted = new ArrayList<>();
        List<String> rules = new ArrayList<>();
        String owner = owner(config);
        addFamily(config, pod.v4(), owner, wanted, rules);
        addFamily(config, pod.v6(), owner, wanted, rules);
        for (Element w : wanted) {
            // a hostPort a newer attachment took over is fine while ours waits in standby
            boolean takenOver = w.set().contains("hostports")
                    && table.elements().stream()
                            .anyMatch(e ->
                                    e.set().equals(w.set()) && e.key().equals(w.key()) && !owner.equals(e.owner()));
            if (!table.elements().contains(w) && !takenOver) {
                return "nftables: " + w.set() + " has no element " + w.key()
                        + (w.value() == null ? "" : " : " + w.value()) + " of " + owner;
            }
        }
        long owned = table.rules().stream().filter(r -> owner.equals(r.owner())).count();
        if (owned < rules.size()) {
            return "nftables: " + owned + " conditioned rules of " + owner + ", expected " + rules.size();
        }
        return null;
    }

    static String owner(PortMapConfig c) {
        return truncate(c.owner());
    }

    private static String truncate(String owner) {
        return owner.length() <= MAX_COMMENT ? owner : owner.substring(0, MAX_COMMENT);
    }
}
