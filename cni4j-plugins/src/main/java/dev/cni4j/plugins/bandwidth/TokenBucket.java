package dev.cni4j.plugins.bandwidth;

import dev.cni4j.linux.rtnl.PschedClock;
import dev.cni4j.linux.rtnl.Qdisc;
import dev.cni4j.linux.rtnl.Tbf;
import dev.cni4j.linux.rtnl.Tc;

/**
 * The tbf parameters for one direction, in bytes, with the burst kept where tbf can honour it.
 *
 * <p>Why the burst is clamped: tbf stores the bucket as a u32 count of psched ticks
 * ({@code burst / rate} seconds; 15.625 ticks per microsecond here), so a bucket of more than
 * about 274 s wraps. containerd sends 2^32-1 bits whatever the pod asks for, which at 10 Mbit/s
 * is 429 s: the reference wraps and lets 193 MB through unshaped (27x the rate in a 5 s test).
 * Such numbers mean "no particular burst", so the bucket is capped at {@link #MAX_BURST_MICROS}
 * of traffic at the rate. The bucket is also raised to hold four full frames (and
 * {@link #MIN_BURST_MICROS} of traffic), below which tbf drops or stalls full-size packets and the
 * achieved rate falls well under the requested one.
 *
 * @param rate           bytes per second ({@code rateBits / 8}, at least 1)
 * @param burst          bucket size in bytes after clamping
 * @param requestedBurst {@code burstBits / 8} as asked
 */
public record TokenBucket(long rate, long burst, long requestedBurst) {
    /** Queueing latency of the tbf, as the reference (limit = rate * latency + burst). */
    public static final long LATENCY_MICROS = 25_000;
    /** The most traffic the bucket may let through at once, in microseconds at the rate. */
    public static final long MAX_BURST_MICROS = 100_000;
    /** The least, so that the bucket refills between two dequeues at high rates. */
    public static final long MIN_BURST_MICROS = 4_000;
    /** Hard ceiling far inside the u32 tick buffer (~274 s), for very low rates. */
    static final long HARD_MAX_BURST_MICROS = 60_000_000;

    static final int ETHERNET_HEADER = 14;

    /** The bucket for {@code rateBits} bits/s and {@code burstBits} bits on a link of {@code mtu}. */
    public static TokenBucket of(long rateBits, long burstBits, int mtu) {
        long rate = Math.max(1, rateBits / 8);
        long requested = burstBits / 8;
        long floor = Math.max(4L * (Math.max(mtu, 576) + ETHERNET_HEADER), bytesIn(rate, MIN_BURST_MICROS));
        long ceiling = Math.max(floor, bytesIn(rate, MAX_BURST_MICROS));
        long burst = Math.min(Math.max(requested, floor), ceiling);
        burst = Math.max(1, Math.min(burst, bytesIn(rate, HARD_MAX_BURST_MICROS)));
        return new TokenBucket(rate, burst, requested);
    }

    private static long bytesIn(long rate, long micros) {
        return (long) (rate * (micros / 1_000_000.0));
    }

    /** The root qdisc to install, with {@code handle} (see {@link IfbOwnerTag#tbfHandle}). */
    public Tbf tbf(int handle) {
        return new Tbf(rate, burst, LATENCY_MICROS, 0, Tc.ROOT, handle);
    }

    /** Queue limit in bytes, as tc derives it from the latency. */
    public long limit() {
        return ((long) (rate * (double) LATENCY_MICROS / 1_000_000 + burst)) & 0xffffffffL;
    }

    /** Bucket size in psched ticks, as the kernel reports it. */
    public long bufferTicks() {
        return PschedClock.system().xmittime(rate, burst);
    }

    /** Whether an installed tbf has these parameters; null when it does, else what differs. */
    public String mismatch(Qdisc.TbfParameters installed) {
        if (installed.rate() != rate) {
            return "rate " + installed.rate() + " B/s, expected " + rate;
        }
        if (installed.limit() != limit()) {
            return "limit " + installed.limit() + " B, expected " + limit();
        }
        if (installed.buffer() != bufferTicks()) {
            return "buffer " + installed.buffer() + " ticks, expected " + bufferTicks();
        }
        return null;
    }
}
