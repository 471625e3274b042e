package dev.cni4j.linux;

import java.util.Map;
import java.util.TreeMap;

/**
 * A profiler's tally of what this JVM asked the kernel: netlink round trips by message type,
 * nftables transactions and sysctl reads and writes, each with its count and wall time. Off by
 * default (one volatile read per call); the profiling harness ({@code cni4j-bench}'s
 * {@code FastPathProfile}) switches it on and reads it around each plugin call.
 *
 * <pre>{@code
 * KernelCalls.enable(true);
 * KernelCalls.reset();
 * ...                                // the calls to profile, on any thread
 * Map<String, KernelCalls.Tally> t = KernelCalls.snapshot();   // "RTM_DELLINK" -> 1 call, 21 ms
 * }</pre>
 */
public final class KernelCalls {
    /** How often one kind of call ran and how long it took in total. */
    public record Tally(long calls, long nanos) {
        Tally plus(long n) {
            return new Tally(calls + 1, nanos + n);
        }
    }

    /**
     * Suffix of calls that ran beside the caller rather than in its way: a detached link deletion
     * on a sibling socket ({@code Links.deleteDetached}), a detached socket close. They are
     * tallied when they end, possibly during a later step.
     */
    public static final String BACKGROUND = " (background)";

    private static volatile boolean enabled;
    private static final Map<String, Tally> TALLIES = new TreeMap<>(); // under its own lock

    private KernelCalls() {}

    /** Starts or stops counting. */
    public static void enable(boolean on) {
        enabled = on;
    }

    public static boolean enabled() {
        return enabled;
    }

    /** Adds one call of {@code kind} that took {@code nanos}; callers check {@link #enabled()} first. */
    public static void record(String kind, long nanos) {
        synchronized (TALLIES) {
            TALLIES.merge(kind, new Tally(1, nanos), (a, b) -> a.plus(nanos));
        }
    }

    /** Forgets what was counted. */
    public static void reset() {
        synchronized (TALLIES) {
            TALLIES.clear();
        }
    }

    /** What was counted since the last {@link #reset()}, by kind. */
    public static Map<String, Tally> snapshot() {
        synchronized (TALLIES) {
            return new TreeMap<>(TALLIES);
        }
    }

    /**
     * A readable name of a netlink request: rtnetlink types by name ({@code RTM_NEWLINK create},
     * {@code RTM_GETLINK dump}), nfnetlink ones as subsystem/message.
     */
    public static String netlinkName(int type, int flags) {
        boolean dump = (flags & 0x300) == 0x300 && (type < 256 ? (type & 3) == 2 : (type & 0xff) == 1);
        boolean create = (flags & 0x400) != 0; // NLM_F_CREATE on NEW requests
        String name = switch (type) {
            case 16 -> create ? "RTM_NEWLINK create" : "RTM_NEWLINK";
            case 17 -> "RTM_DELLINK";
            case 18 -> "RTM_GETLINK";
            case 20 -> "RTM_NEWADDR";
            case 21 -> "RTM_DELADDR";
            case 22 -> "RTM_GETADDR";
            case 24 -> "RTM_NEWROUTE";
            case 25 -> "RTM_DELROUTE";
            case 26 -> "RTM_GETROUTE";
            case 28 -> "RTM_NEWNEIGH";
            case 29 -> "RTM_DELNEIGH";
            case 30 -> "RTM_GETNEIGH";
            case 36 -> "RTM_NEWQDISC";
            case 37 -> "RTM_DELQDISC";
            case 38 -> "RTM_GETQDISC";
            case 44 -> "RTM_NEWTFILTER";
            case 45 -> "RTM_DELTFILTER";
            case 46 -> "RTM_GETTFILTER";
            case 0x100 -> "CTNETLINK NEW";
            case 0x101 -> "CTNETLINK GET";
            case 0x102 -> "CTNETLINK DELETE";
            case 0xa01 -> "NFT_MSG_GETTABLE";
            case 0xa10 -> "NFT_MSG_GETGEN";
            default -> "netlink type " + type;
        };
        return dump ? name + " dump" : name;
    }
}
