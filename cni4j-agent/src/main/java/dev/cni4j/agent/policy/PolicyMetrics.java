package dev.cni4j.agent.policy;

import dev.cni4j.agent.serve.Metrics;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The NetworkPolicy series of {@code /metrics}, read from the counters of our nft table when
 * scraped ({@code list table inet cni4j_policy} as JSON): packets and bytes each policy rule
 * accepted (its named counter, shared by every pod the rule applies to) and packets and bytes
 * each isolated pod dropped (the counter of its chain's final drop). A pod's drop counter starts
 * from zero again when its chain is rewritten (its rules changed).
 */
final class PolicyMetrics {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private PolicyMetrics() {}

    record Count(long packets, long bytes) {
        Count plus(long p, long b) {
            return new Count(packets + p, bytes + b);
        }
    }

    /** What the table's counters say, keyed as {@link PolicyCounters} names them. */
    record Counts(Map<PolicyCounters.RuleKey, Count> rules, Map<PolicyCounters.ChainKey, Count> drops) {}

    static Counts read(CompiledPolicy c, String tableJson) {
        Map<PolicyCounters.RuleKey, Count> rules = new TreeMap<>(java.util.Comparator.comparing(Object::toString));
        Map<PolicyCounters.ChainKey, Count> drops = new TreeMap<>(java.util.Comparator.comparing(Object::toString));
        if (c == null || tableJson == null) {
            return new Counts(rules, drops);
        }
        Map<String, PolicyCounters.RuleKey> counters = PolicyCounters.counters(c);
        Map<String, PolicyCounters.ChainKey> chains = PolicyCounters.chains(c);
        for (JsonNode item : JSON.readTree(tableJson).path("nftables")) {
            if (item.has("counter")) {
                JsonNode k = item.get("counter");
                PolicyCounters.RuleKey key = counters.get(k.path("name").asString(""));
                if (key != null) {
                    rules.merge(
                            key,
                            new Count(
                                    k.path("packets").asLong(), k.path("bytes").asLong()),
                            (a, b) -> a.plus(b.packets(), b.bytes()));
                }
            } else if (item.has("rule")) {
                JsonNode r = item.get("rule");
                PolicyCounters.ChainKey key = chains.get(r.path("chain").asString(""));
                if (key == null) {
                    continue;
                }
                JsonNode counter = null;
                boolean drop = false;
                for (JsonNode e : r.path("expr")) {
                    if (e.has("counter")
                            && e.get("counter").isObject()
                            && e.get("counter").has("packets")) {
                        counter = e.get("counter");
                    }
                    if (e.has("drop")) {
                        drop = true;
                    }
                }
                if (drop && counter != null) {
                    drops.merge(
                            key,
                            new Count(
                                    counter.path("packets").asLong(),
                                    counter.path("bytes").asLong()),
                            (a, b) -> a.plus(b.packets(), b.bytes()));
                }
            }
        }
        return new Counts(rules, drops);
    }

    static void render(PolicyController pc, StringBuilder b) {
        Metrics.header(b, "cni4j_policy_applies_total", "counter", "NetworkPolicy nft transactions applied.");
        b.append("cni4j_policy_applies_total ").append(pc.applies.get()).append('\n');
        Metrics.header(
                b,
                "cni4j_policy_apply_errors_total",
                "counter",
                "NetworkPolicy rebuilds not applied (the table kept its rules).");
        b.append("cni4j_policy_apply_errors_total ")
                .append(pc.applyErrors.get())
                .append('\n');
        Metrics.header(
                b,
                "cni4j_policy_connections_cut_total",
                "counter",
                "Established connections whose conntrack entry was deleted because a policy change denies them (networkPolicyEstablished=cut).");
        b.append("cni4j_policy_connections_cut_total ")
                .append(pc.connectionsCut.get())
                .append('\n');
        CompiledPolicy c = pc.compiled();
        Counts counts = read(c, c == null ? null : pc.listTableJson());
        Metrics.header(
                b,
                "cni4j_policy_rule_packets_total",
                "counter",
                "Packets a NetworkPolicy rule allowed on this node (first packets of connections).");
        counts.rules()
                .forEach((k, v) -> b.append("cni4j_policy_rule_packets_total{")
                        .append(labels(k))
                        .append("} ")
                        .append(v.packets())
                        .append('\n'));
        Metrics.header(b, "cni4j_policy_rule_bytes_total", "counter", "Bytes of those packets.");
        counts.rules()
                .forEach((k, v) -> b.append("cni4j_policy_rule_bytes_total{")
                        .append(labels(k))
                        .append("} ")
                        .append(v.bytes())
                        .append('\n'));
        Metrics.header(
                b,
                "cni4j_policy_dropped_packets_total",
                "counter",
                "Packets dropped because no NetworkPolicy rule allowed them, by isolated pod.");
        counts.drops()
                .forEach((k, v) -> b.append("cni4j_policy_dropped_packets_total{")
                        .append(labels(k))
                        .append("} ")
                        .append(v.packets())
                        .append('\n'));
        Metrics.header(b, "cni4j_policy_dropped_bytes_total", "counter", "Bytes of those packets.");
        counts.drops()
                .forEach((k, v) -> b.append("cni4j_policy_dropped_bytes_total{")
                        .append(labels(k))
                        .append("} ")
                        .append(v.bytes())
                        .append('\n'));
    }

    private static String labels(PolicyCounters.RuleKey k) {
        return "namespace=\"" + Metrics.escape(k.policy().namespace()) + "\",policy=\""
                + Metrics.escape(k.policy().name()) + "\",direction=\"" + dir(k.direction()) + "\",rule=\"" + k.rule()
                + "\"";
    }

    private static String labels(PolicyCounters.ChainKey k) {
        return "namespace=\"" + Metrics.escape(k.namespace()) + "\",pod=\"" + Metrics.escape(k.pod())
                + "\",direction=\"" + dir(k.direction()) + "\"";
    }

    private static String dir(Direction d) {
        return d == Direction.INGRESS ? "ingress" : "egress";
    }
}
