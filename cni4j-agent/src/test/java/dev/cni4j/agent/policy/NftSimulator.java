package dev.cni4j.agent.policy;

import dev.cni4j.net.IpAddress;
import dev.cni4j.net.IpPrefix;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs a new connection's first packet through the forward hook of a rendered
 * {@link NftState} the way the kernel would: the egress dispatch map on the source, then the
 * ingress map on the destination, each jumping to a pod chain whose rules are matched in order.
 * It understands exactly the rule forms {@link NftPolicyRenderer} writes and fails on anything
 * else, so a renderer change that the simulator cannot follow breaks the test instead of passing.
 */
final class NftSimulator {
    private static final Pattern RULE =
            Pattern.compile("(?:(ip6?) ([sd]addr)( \\. meta l4proto \\. th dport)? @(\\S+) )?"
                    + "(?:meta l4proto (\\d+) (?:th dport (\\d+(?:-\\d+)?|\\{ [^}]+ }) )?)?"
                    + "(?:counter name \\S+ |counter )?(accept|return|drop)(?: comment \"[^\"]*\")?");

    private final NftState state;

    NftSimulator(NftState state) {
        this.state = state;
    }

    enum Verdict {
        ACCEPT,
        DROP,
        CONTINUE
    }

    /** Whether the forward hook lets the first packet of src -> dst on protocol/port through. */
    boolean forward(IpAddress src, IpAddress dst, Protocol protocol, int port) {
        String fam = src.isIPv6() ? "_v6" : "_v4";
        String out = state.maps().get("egress" + fam).get(src.toString());
        if (out != null && run(chain(out), src, dst, protocol, port) == Verdict.DROP) {
            return false;
        }
        String in = state.maps().get("ingress" + fam).get(dst.toString());
        return in == null || run(chain(in), src, dst, protocol, port) != Verdict.DROP;
    }

    private static String chain(String verdict) {
        if (!verdict.startsWith("jump ")) {
            throw new AssertionError("unexpected map verdict " + verdict);
        }
        return verdict.substring(5);
    }

    private Verdict run(String chain, IpAddress src, IpAddress dst, Protocol protocol, int port) {
        List<String> rules = state.chains().get(chain);
        if (rules == null) {
            throw new AssertionError("no chain " + chain);
        }
        for (String rule : rules) {
            Matcher m = RULE.matcher(rule);
            if (!m.matches()) {
                throw new AssertionError("the simulator does not know this rule: " + rule);
            }
            if (m.group(1) != null) {
                boolean v6 = m.group(1).equals("ip6");
                if (src.isIPv6() != v6) {
                    continue;
                }
                IpAddress a = m.group(2).equals("saddr") ? src : dst;
                var set = state.sets().get(m.group(4));
                if (set == null) {
                    throw new AssertionError("no set " + m.group(4));
                }
                boolean in;
                if (m.group(3) != null) {
                    in = set.elements().contains(a + " . " + protocol.number() + " . " + port);
                } else if (set.interval()) {
                    in = set.elements().stream().anyMatch(p -> IpPrefix.parse(p).contains(a));
                } else {
                    in = set.elements().contains(a.toString());
                }
                if (!in) {
                    continue;
                }
            }
            if (m.group(5) != null) {
                if (Integer.parseInt(m.group(5)) != protocol.number()) {
                    continue;
                }
                if (m.group(6) != null && !portIn(m.group(6), port)) {
                    continue;
                }
            }
            switch (m.group(7)) {
                case "accept" -> {
                    return Verdict.ACCEPT;
                }
                case "drop" -> {
                    return Verdict.DROP;
                }
                default -> {
                    return Verdict.CONTINUE;
                }
            }
        }
        return Verdict.CONTINUE;
    }

    private static boolean portIn(String spec, int port) {
        String body = spec.startsWith("{") ? spec.substring(2, spec.length() - 2) : spec;
        for (String part : body.split(", ")) {
            String[] r = part.split("-");
            int from = Integer.parseInt(r[0]);
            int to = r.length == 2 ? Integer.parseInt(r[1]) : from;
            if (port >= from && port <= to) {
                return true;
            }
        }
        return false;
    }
}
