package dev.cni4j.plugins.bridge;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonObject;
import dev.cni4j.linux.firewall.FirewallException;
import dev.cni4j.linux.firewall.Nft;
import dev.cni4j.linux.firewall.ScriptText;
import dev.cni4j.linux.rtnl.Link;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.skel.Request;
import dev.cni4j.spec.CniException;
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
 * Every change is one nft transaction of JSON commands ({@link Nft} with {@code -j}: the {@code nft}
 * binary or libnftables) in the calling thread's namespace (the node's), so the ID is always a
 * string value, whatever characters the interface name has.
 */
final class MacSpoofCheck {
    static final String TABLE = "bridge nat";
    private static final String FAMILY = "bridge";
    private static final String TABLE_NAME = "nat";
    static final String BASE_CHAIN = "PREROUTING";
    private static final String CHAIN_PREFIX = "cni-br-iface-";
    private static final String COMMENT_PREFIX = "macspoofchk-";

    private final String id;

    /** The rules of attachment (containerId, ifname). */
    MacSpoofCheck(String containerId, String ifname) {
        this.id = containerId + "-" + ifname;
    }

    /**
     * Installs the rules: only frames from {@code hostVeth} with source {@code mac} pass. Written
     * as nft JSON (as the reference writes it through its JSON library), where names are strings:
     * an interface name with {@code "}, {@code ;} or braces, which nft's text syntax cannot carry
     * in a chain name, works and cannot change the transaction.
     */
    void setup(String hostVeth, String mac) {
        requireUsableId();
        String iface = CHAIN_PREFIX + id;
        String comment = COMMENT_PREFIX + id;
        // Declared then flushed: a repeated setup replaces our chains' rules (a second base-chain jump
        // can appear, harmless, and teardown removes every copy by comment).
        List<Object> cmds = new ArrayList<>();
        cmds.add(cmd("add", "table", new JsonObject().with("family", FAMILY).with("name", TABLE_NAME)));
        cmds.add(cmd(
                "add",
                "chain",
                chain(BASE_CHAIN)
                        .with("type", "filter")
                        .with("hook", "prerouting")
                        .with("prio", -300L)
                        .with("policy", "accept")));
        cmds.add(cmd("add", "chain", chain(iface)));
        cmds.add(cmd("add", "chain", chain(iface + "-mac")));
        cmds.add(cmd("flush", "chain", chain(iface)));
        cmds.add(cmd("flush", "chain", chain(iface + "-mac")));
        cmds.add(rule(
                BASE_CHAIN,
                comment,
                match(new JsonObject().with("meta", new JsonObject().with("key", "iifname")), hostVeth),
                new JsonObject().with("jump", new JsonObject().with("target", iface))));
        cmds.add(rule(iface, comment, new JsonObject().with("jump", new JsonObject().with("target", iface + "-mac"))));
        cmds.add(rule(
                iface + "-mac",
                comment,
                match(
                        new JsonObject()
                                .with(
                                        "payload",
                                        new JsonObject()
                                                .with("protocol", "ether")
                                                .with("field", "saddr")),
                        mac),
                statement("return")));
        cmds.add(rule(iface + "-mac", comment, statement("counter"), statement("drop")));
        applyJson(cmds);
    }

    private static JsonObject cmd(String verb, String kind, JsonObject spec) {
        return new JsonObject().with(verb, new JsonObject().with(kind, spec));
    }

    private static JsonObject chain(String name) {
        return new JsonObject().with("family", FAMILY).with("table", TABLE_NAME).with("name", name);
    }

    private static JsonObject rule(String chain, String comment, JsonObject... expr) {
        return cmd(
                "add",
                "rule",
                new JsonObject()
                        .with("family", FAMILY)
                        .with("table", TABLE_NAME)
                        .with("chain", chain)
                        .with("expr", new ArrayList<Object>(List.of(expr)))
                        .with("comment", comment));
    }

    /** A statement without arguments, {@code {"drop": null}}. */
    private static JsonObject statement(String name) {
        JsonObject o = new JsonObject();
        o.put(name, null);
        return o;
    }

    private static JsonObject match(JsonObject left, String right) {
        return new JsonObject()
                .with(
                        "match",
                        new JsonObject().with("op", "==").with("left", left).with("right", right));
    }

    /** One transaction of nft JSON commands ({@code nft -j}; libnftables reads JSON when its output is JSON). */
    private static void applyJson(List<Object> cmds) {
        Nft.run(Json.write(new JsonObject().with("nftables", cmds)), "-j");
    }

    /**
     * Fails unless the ID fits nft's limits (checked before ADD creates anything): the comment
     * {@code macspoofchk-ID} in 128 bytes, so at most 116 bytes of {@code <containerID>-<ifname>}
     * (a 64-hex-digit ID and any interface name fit).
     */
    void requireUsableId() {
        int bytes = (COMMENT_PREFIX + id).getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > ScriptText.NFT_COMMENT_MAX) {
            throw CniException.invalidConfig(
                    "macspoofchk: container ID and interface name are too long for nftables: \""
                            + COMMENT_PREFIX + ScriptText.utf8Prefix(id, 40) + "...\" has " + bytes + " bytes, at most "
                            + ScriptText.NFT_COMMENT_MAX + " are allowed");
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
        List<Object> cmds = new ArrayList<>();
        table.baseRules().forEach((handle, id) -> {
            if (selected.test(id)) {
                cmds.add(cmd(
                        "delete",
                        "rule",
                        new JsonObject()
                                .with("family", FAMILY)
                                .with("table", TABLE_NAME)
                                .with("chain", BASE_CHAIN)
                                .with("handle", handle)));
            }
        });
        // The per-interface chain jumps to the per-MAC one, so it goes first.
        for (String chain : table.chains()) {
            if (chain.startsWith(CHAIN_PREFIX) && selected.test(chain.substring(CHAIN_PREFIX.length()))) {
                dropChain(cmds, chain);
                if (table.chains().contains(chain + "-mac")) {
                    dropChain(cmds, chain + "-mac");
                }
            }
        }
        if (!cmds.isEmpty()) {
            applyJson(cmds);
        }
    }

    private static void dropChain(List<Object> cmds, String chain) {
        cmds.add(cmd("flush", "chain", chain(chain)));
        cmds.add(cmd("delete", "chain", chain(chain)));
    }

    /** The parts of {@code table bridge nat} that matter here; empty when the table is absent. */
    record Table(Map<Long, String> baseRules, Map<String, String> vethById, Set<String> chains) {}

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
            throw new IllegalStateException(
                    "nft list table " + TABLE + " failed: " + r.stderr().trim());
        }
        String out = r.stdout();
        for (JsonObject item :
                Json.parseObject(out.substring(Math.max(0, out.indexOf('{')))).objects("nftables")) {
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
