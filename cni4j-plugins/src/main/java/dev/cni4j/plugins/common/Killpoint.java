package dev.cni4j.plugins.common;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Named points of ADD at which a standalone plugin process kills itself with SIGKILL when the
 * environment variable {@value #ENV} names that point: how the fault suite ({@code cni4j-e2e})
 * proves that a crash at any step is cleaned up by the runtime's DEL. Only two {@code main}s arm
 * it, each from its own process's environment read once at start-up: the standalone executable's
 * and {@code cni4j-daemon}'s (a test hook: the fast path killed mid-call). A request's
 * environment never arms it, so no caller can make the daemon kill itself.
 *
 * <p>The points: bridge's {@link Rollback#checkpoint} names ({@code ipam}, {@code bridge},
 * {@code veth}, {@code attach}, {@code macspoofchk}, {@code container}, {@code gateway},
 * {@code masquerade}, {@code result}), {@code host-local:reserved} (one reservation file written),
 * {@code host-local:allocated} (every address reserved, the lock still held),
 * {@code portmap:rules}, {@code bandwidth:ingress}, {@code bandwidth:egress} and
 * {@code loopback:up}.
 */
public final class Killpoint {
    public static final String ENV = "CNI4J_KILLPOINT";

    private static volatile String armed;

    private Killpoint() {}

    /** Called once by a main (standalone or the daemon's) with its process's {@value #ENV}, or null. */
    public static void arm(String point) {
        armed = point == null || point.isEmpty() ? null : point;
    }

    /** Kills this process here when armed for {@code point}; otherwise does nothing. */
    public static void reached(String point) {
        String a = armed;
        if (a == null || !a.equals(point)) {
            return;
        }
        try {
            // kill -9 of our own pid: the JVM cannot SIGKILL itself through its own API
            new ProcessBuilder(
                            "kill",
                            "-KILL",
                            Long.toString(ProcessHandle.current().pid()))
                    .inheritIO()
                    .start()
                    .waitFor(10, TimeUnit.SECONDS);
        } catch (IOException | InterruptedException e) {
            // fall through to halt
        }
        Runtime.getRuntime().halt(137); // no finally block, undo or shutdown hook runs either way
    }
}
