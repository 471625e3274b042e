package dev.cni4j.plugins.bridge;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonObject;
import dev.cni4j.linux.firewall.FirewallException;
import dev.cni4j.linux.firewall.Nft;
import dev.cni4j.linux.firewall.NftablesBackend;
import dev.cni4j.linux.rtnl.Link;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.skel.Request;
import dev.cni4j.spec.CniException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * {@code macspoofchk}: drops frames a pod sends into the bridge with a source MAC other than its
 * interface's. The layout is the reference plugin's ({@code pkg/link/spoofcheck.go}), so either
 * plugin removes the other's rules; ID is {@code <containerID>-<ifname>}:
 *
 * <pre>
 * table bridge nat {
 *   chain PREROUTING {                 # base chain, kept when the last pod goes (as the reference)
 *     type filter hook prerouting priority -300; policy accept;
 *     iifname "vethXXXXXXXX" jump cni-br-iface-ID comment "macspoofchk-ID"
 *   }
 *   chain cni-br-iface-ID     { jump cni-br-iface-ID-mac comment "macspoofchk-ID" }
 *   chain cni-br-iface-ID-mac {
 *     ether saddr POD-MAC return comment "macspoofchk-ID"
 *     counter drop comment "macspoofchk-ID"      # counter: ours, shows what was dropped
 *   }
 * }
 * </pre>
 *
 * Every change is one nft transaction ({@link Nft}: {@code nft -f -} or libnftables) in the calling thread's namespace (the node's).
 */
final class MacSpoofCheck {
    static final String TABLE = "bridge nat";
    static final String BASE_CHAIN = "PREROUTING";
    private static final String CHAIN_PREFIX = "cni-br-iface-";
    private static final String COMMENT_PREFIX = "macspoofchk-";

    private static final NftablesBackend NFT = new NftablesBackend(null); // null: the calling thread's namespace

    private final String id;

    /** The rules of attachment (containerId, ifname). */
    MacSpoofCheck(String containerId, String ifname) {
        this.id = containerId + "-" + ifname;
    }

    /** Installs the rules: only frames from {@code hostVeth} with source {@code mac} pass. */
    void setup(String hostVeth, String mac) {
        requireUsableId();
        String iface = CHAIN_PREFIX + id;
        String comment = " comment \"" + COMMENT_PREFIX + id + "\"\n";
        // Declared then flushed: a repeated setup replaces our chains' rules (a second base-chain jump
        // can appear, harmless, and teardown removes every copy by comment).
        NFT.apply("add table " + TABLE + "\n"
                + "add chain " + TABLE + " " + BASE_CHAIN + " { type filter hook prerouting priority -300; policy accept; }\n"
                + "add chain " + TABLE + " " + iface + "\n"
                + "add chain " + TABLE + " " + iface + "-mac\n"
                + "flush chain " + TABLE + " " + iface + "\n"
                + "flush chain " + TABLE + " " + iface + "-mac\n"
                + "add rule " + TABLE + " " + BASE_CHAIN + " iifname \"" + hostVeth + "\" jump " + iface + comment
                + "add rule " + TABLE + " " + iface + " jump " + iface + "-mac" + comment
                + "add rule " + TABLE + " " + iface + "-mac ether saddr " + mac + " return" + comment
                + "add rule " + TABLE + " " + iface + "-mac counter drop" + comment);
    }

    /** Fails unless the ID can name chains: checked before ADD creates anything. */
    void requireUsableId() {
        if (!isNftIdentifier(id)) {
            // nft's text syntax takes no quoted chain names; the reference (JSON API) would.
            throw CniException.invalidConfig("macspoofchk: \"" + id + "\" cannot be part of an nftables chain name"
                    + " (allowed: letters, digits, '_', '.', '-')");
        }
    }

    /** Removes this attachment's rules and chains, found by comment and name; nothing there is fine. */
    void teardown() {
        // a concurrent teardown of the same attachment may delete some of it between listing and
        // transaction: list again and delete what is left
        for (int attempt = 1; ; attempt++) {
            try {
                remove(read(), id::equals);
                return;
            } catch (FirewallException e) {
                if (attempt >= 3) {
                    throw e;
                }
            }
        }
    }

    /**
     * Removes the rules of attachments not in {@code valid}. The IDs carry no network name, so
     * only rules whose host veth is gone or is a port of {@code bridge} are this network's to remove.
     *
     * @return how many attachments' rules were removed
     */
    static int gc(Rtnl host, String bridge, List<Request.Attachment> valid) {
        Table table = read();
        Set<String> keep = new HashSet<>();
        for (Request.Attachment a : valid) {
            keep.add(a.containerId() + "-" + a.ifname());
        }
        int bridgeIndex = host.links().get(bridge).map(Link::index).orElse(-1);
        Set<String> stale = new HashSet<>();
        table.vethById().forEach((id, veth) -> {
            Optional<Link> port = host.links().get(veth);
            if (!keep.contains(id) && (port.isEmpty() || port.get().masterIndex() == bridgeIndex)) {
                stale.add(id);
            }
        });
        if (!stale.isEmpty()) {
            remove(table, stale::contains);
        }
        return stale.size();
    }

    /** One transaction deleting the base-chain rules and chains of the selected IDs. */
    private static void remove(Table table, Predicate<String> selected) {
        StringBuilder s = new StringBuilder();
        table.baseRules().forEach((handle, id) -> {
            if (selected.test(id)) {
                s.append("delete rule ").append(TABLE).append(' ').append(BASE_CHAIN).append(" handle ").append(handle).append('\n');
            }
        });
        // The per-interface chain jumps to the per-MAC one, so it goes first.
        for (String chain : table.chains()) {
            if (chain.startsWith(CHAIN_PREFIX) && selected.test(chain.substring(CHAIN_PREFIX.length()))
                    && isNftIdentifier(chain)) {
                s.append(dropChain(chain)).append(table.chains().contains(chain + "-mac") ? dropChain(chain + "-mac") : "");
            }
        }
        if (!s.isEmpty()) {
            NFT.apply(s.toString());
        }
    }

    private static String dropChain(String chain) {
        return "flush chain " + TABLE + " " + chain + "\ndelete chain " + TABLE + " " + chain + "\n";
    }

    /** Characters nft accepts in an unquoted chain name (ours all start with "cni-"). */
    private static boolean isNftIdentifier(String s) {
        return s.matches("[A-Za-z0-9_.\\-]+");
    }

    /** The parts of {@code table bridge nat} that matter here; empty when the table is absent. */
    record Table(Map<Long, String> baseRules, Map<String, String> vethById, Set<String> chains) {
    }

    /** Reads the table as JSON ({@code nft -j}): rule handles are not in the backend's plain listing. */
    static Table read() {
        Table t = new Table(new LinkedHashMap<>(), new LinkedHashMap<>(), new HashSet<>());
        Nft.Result r;
        try {
            r = Nft.tryRun("list table " + TABLE, "-j");
        } catch (java.io.UncheckedIOException notInstalled) {
            return t; // without nft no rule of ours can exist
        }
        if (!r.ok()) {
            if (r.stderr().contains("No such file or directory")) {
                return t; // no table, no rules
            }
            throw new IllegalStateException("nft list table " + TABLE + " failed: " + r.stderr().trim());
        }
        String out = r.stdout();
        for (JsonObject item : Json.parseObject(out.substring(Math.max(0, out.indexOf('{')))).objects("nftables")) {
            JsonObject chain = item.object("chain");
            if (chain != null) {
                t.chains().add(chain.string("name"));
            }
            JsonObject rule = item.object("rule");
            String comment = rule == null ? null : rule.string("comment");
            if (comment != null && comment.startsWith(COMMENT_PREFIX) && BASE_CHAIN.equals(rule.string("chain"))) {
                String id = comment.substring(COMMENT_PREFIX.length());
                t.baseRules().put(rule.integer("handle"), id);
                String veth = iifname(rule);
                if (veth != null) {
                    t.vethById().put(id, veth);
                }
            }
        }
        return t;
    }

    /** The {@code iifname "..."} a base-chain rule matches, or null. */
    private static String iifname(JsonObject rule) {
        List<JsonObject> expr = rule.objects("expr");
        for (JsonObject e : expr == null ? new ArrayList<JsonObject>() : expr) {
            JsonObject match = e.object("match");
            JsonObject left = match == null ? null : match.object("left");
            JsonObject meta = left == null ? null : left.object("meta");
            if (meta != null && "iifname".equals(meta.string("key")) && match.find("right") instanceof String s) {
                return s;
            }
        }
        return null;
    }
}
