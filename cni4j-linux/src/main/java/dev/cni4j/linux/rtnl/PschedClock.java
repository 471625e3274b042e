package dev.cni4j.linux.rtnl;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The packet scheduler clock, as iproute2's {@code tc_core_init()} reads it from /proc/net/psched
 * ("t2us us2t clock_res ..." in hex): tc expresses times in ticks of {@link #tickInUsec()} µs.
 */
public final class PschedClock {
    static final double TIME_UNITS_PER_SEC = 1_000_000;
    private static volatile PschedClock system;

    private final double tickInUsec;

    PschedClock(double tickInUsec) {
        this.tickInUsec = tickInUsec;
    }

    /** The kernel's clock, read once. */
    public static PschedClock system() {
        PschedClock c = system;
        if (c == null) {
            try {
                system = c = parse(Files.readString(Path.of("/proc/net/psched")));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read /proc/net/psched", e);
            }
        }
        return c;
    }

    /** Parses /proc/net/psched content exactly as tc_core_init() does. */
    static PschedClock parse(String content) {
        String[] f = content.trim().split(" ");
        long t2us = Long.parseLong(f[0], 16), us2t = Long.parseLong(f[1], 16), clockRes = Long.parseLong(f[2], 16);
        if (clockRes == 1_000_000_000L) {
            t2us = us2t; // tc's compatibility hack for nanosecond clocks
        }
        double clockFactor = clockRes / TIME_UNITS_PER_SEC;
        return new PschedClock((double) t2us / us2t * clockFactor);
    }

    public double tickInUsec() {
        return tickInUsec;
    }

    /** tc_core_time2tick: microseconds (truncated to unsigned int) to ticks. */
    long time2tick(long timeUsec) {
        return toUnsigned32(((double) (timeUsec & 0xffffffffL)) * tickInUsec);
    }

    /** tc_calc_xmittime: ticks to send {@code size} bytes at {@code rate} bytes/s. */
    public long xmittime(long rate, long size) {
        return time2tick(toUnsigned32(TIME_UNITS_PER_SEC * ((double) size / (double) rate)));
    }

    private static long toUnsigned32(double d) {
        return ((long) d) & 0xffffffffL; // C's double -> unsigned int conversion for in-range values
    }
}
