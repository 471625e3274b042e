package dev.cni4j.plugins.portmap;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonObject;
import dev.cni4j.linux.firewall.Nft;
import java.util.ArrayList;
import java.util.List;

/**
 * What the {@code inet cni4j_hostport} table holds, read with {@code nft -j list table}: the
 * elements of its maps and sets and the rules of its {@code conditioned} chain, each with the
 * owner comment ("network/containerID") that lets DEL and GC find them without the mappings.
 */
record NftHostportTable(boolean exists, List<Element> elements, List<Rule> rules) {
    static final String TABLE = "inet cni4j_hostport";

    /** A map or set element; key and value in nft's text syntax ("tcp . 8080", "10.0.0.2 . 80"), value null in sets. */
    record Element(String set, String key, String value, String owner) {}

    /** A rule of the conditioned chain, by handle. */
    record Rule(String chain, long handle, String owner) {}

    static NftHostportTable read() {
        Nft.Result out;
        try {
            out = Nft.tryRun("list table " + TABLE, "-j");
        } catch (java.io.UncheckedIOException notInstalled) {
            throw new IllegalStateException("nft is not installed");
        }
        if (!out.ok()) {
            if (out.stderr().contains("No such file or directory")) {
                return new NftHostportTable(false, List.of(), List.of());
            }
            throw new IllegalStateException(
                    "nft list table " + TABLE + " failed: " + out.stderr().trim());
        }
        return parse(out.stdout());
    }

    static NftHostportTable parse(String json) {
        List<Element> elements = new ArrayList<>();
        List<Rule> rules = new ArrayList<>();
        for (JsonObject item : Json.parseObject(json).objects("nftables")) {
            JsonObject set = item.has("map") ? item.object("map") : item.object("set");
            if (set != null && set.list("elem") != null) {
                boolean isMap = item.has("map");
                for (Object e : set.list("elem")) {
                    Object key = isMap ? ((List<?>) e).get(0) : e;
                    String value = isMap ? text(((List<?>) e).get(1)) : null;
                    String owner = null;
                    if (key instanceof JsonObject o && o.object("elem") != null) {
                        owner = o.object("elem").string("comment");
                        key = o.object("elem").find("val");
                    }
                    elements.add(new Element(set.string("name"), text(key), value, owner));
                }
            }
            JsonObject rule = item.object("rule");
            if (rule != null) {
                rules.add(new Rule(rule.string("chain"), rule.integer("handle"), rule.string("comment")));
            }
        }
        return new NftHostportTable(true, elements, rules);
    }

    /** A key or value as nft prints it: a concatenation joined with " . ". */
    private static String text(Object v) {
        if (v instanceof JsonObject o && o.list("concat") != null) {
            List<String> parts = new ArrayList<>();
            for (Object p : o.list("concat")) {
                parts.add(text(p));
            }
            return String.join(" . ", parts);
        }
        if (v instanceof JsonObject o && o.object("prefix") != null) {
            return o.object("prefix").find("addr") + "/" + o.object("prefix").find("len");
        }
        return String.valueOf(v instanceof Double d && d == Math.rint(d) ? (Object) d.longValue() : v);
    }
}
