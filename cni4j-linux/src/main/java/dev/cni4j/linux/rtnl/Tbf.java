package dev.cni4j.linux.rtnl;

import dev.cni4j.linux.netlink.MessageBuilder;

/**
 * Token bucket filter, encoded exactly as {@code tc qdisc add ... tbf rate R burst B latency L}
 * (iproute2 q_tbf.c): buffer = tc_calc_xmittime(rate, burst) in psched ticks, limit =
 * rate * latency + burst, a 256-entry rate table (cell_log for mtu 2047), TCA_TBF_BURST, and
 * TCA_TBF_RATE64 when the rate does not fit 32 bits.
 *
 * <pre>
 * struct tc_ratespec { 0: u8 cell_log; 1: u8 linklayer; 2: u16 overhead; 4: s16 cell_align;
 *                      6: u16 mpu; 8: u32 rate }                                        12 bytes
 * struct tc_tbf_qopt { 0: tc_ratespec rate; 12: tc_ratespec peakrate; 24: u32 limit;
 *                      28: u32 buffer; 32: u32 mtu }                                    36 bytes
 * </pre>
 *
 * @param rate          bytes per second (tc's "1mbit" = 125000)
 * @param burst         bucket size in bytes
 * @param latencyMicros maximum queueing latency, used when {@code limitBytes} is 0
 * @param limitBytes    queue limit in bytes, or 0 to derive it from the latency
 * @param parent        usually {@link Tc#ROOT}
 * @param handle        0 for the kernel's choice
 */
public record Tbf(long rate, long burst, long latencyMicros, long limitBytes, int parent, int handle)
        implements QdiscSpec {
    static final int TCA_TBF_PARMS = 1, TCA_TBF_RTAB = 2, TCA_TBF_RATE64 = 4, TCA_TBF_BURST = 6;
    static final int LINKLAYER_ETHERNET = 1;
    static final int DEFAULT_MTU = 2047; // tc_calc_rtable's default

    /** A root tbf shaping to {@code rate} bytes/s with {@code burst} bytes and {@code latencyMicros}. */
    public static Tbf root(long rate, long burst, long latencyMicros) {
        return new Tbf(rate, burst, latencyMicros, 0, Tc.ROOT, 0);
    }

    public Tbf {
        if (rate <= 0 || burst <= 0) {
            throw new IllegalArgumentException("tbf needs a rate and a burst, got " + rate + "/" + burst);
        }
        if (latencyMicros <= 0 && limitBytes <= 0) {
            throw new IllegalArgumentException("tbf needs a latency or a limit");
        }
    }

    @Override
    public String kind() {
        return "tbf";
    }

    @Override
    public void encodeOptions(MessageBuilder m) {
        encodeOptions(m, PschedClock.system());
    }

    /** Limit in bytes as tc computes it. */
    long limit() {
        if (limitBytes > 0) {
            return limitBytes;
        }
        double lim = rate * (double) latencyMicros / PschedClock.TIME_UNITS_PER_SEC + burst;
        return ((long) lim) & 0xffffffffL;
    }

    void encodeOptions(MessageBuilder m, PschedClock clock) {
        int rate32 = rate >= (1L << 32) ? -1 : (int) rate;
        int cellLog = 0;
        while ((DEFAULT_MTU >> cellLog) > 255) {
            cellLog++;
        }
        int options = m.beginNested(TcMessages.TCA_OPTIONS);
        int parms = m.beginNested(TCA_TBF_PARMS);
        m.u8(cellLog).u8(LINKLAYER_ETHERNET).u16(0).u16(0xffff).u16(0).u32(rate32); // rate: cell_align -1
        m.zeros(12); // peakrate
        m.u32((int) limit()).u32((int) clock.xmittime(rate, burst)).u32(0); // limit, buffer, mtu
        m.endNested(parms);
        m.attrU32(TCA_TBF_BURST, (int) burst);
        if (rate >= (1L << 32)) {
            m.attrU64(TCA_TBF_RATE64, rate);
        }
        int rtab = m.beginNested(TCA_TBF_RTAB);
        long bps = rate32 & 0xffffffffL;
        for (int i = 0; i < 256; i++) {
            m.u32((int) clock.xmittime(bps, (long) (i + 1) << cellLog));
        }
        m.endNested(rtab);
        m.endNested(options);
    }
}
