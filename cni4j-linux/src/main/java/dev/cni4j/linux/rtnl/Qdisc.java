package dev.cni4j.linux.rtnl;

/**
 * A queueing discipline as RTM_GETQDISC lists it.
 *
 * @param index  link index
 * @param handle its handle (major:minor)
 * @param parent TC_H_ROOT, TC_H_INGRESS or a class
 * @param kind   "tbf", "ingress", "clsact", "noqueue", ...
 * @param tbf    decoded tbf parameters, or null for other kinds
 */
public record Qdisc(int index, int handle, int parent, String kind, TbfParameters tbf) {
    /**
     * The kernel's view of a tbf.
     *
     * @param rate   bytes per second (from TCA_TBF_RATE64 when present)
     * @param limit  queue limit in bytes
     * @param buffer bucket size in psched ticks
     * @param burst  TCA_TBF_BURST in bytes if reported, else 0
     */
    public record TbfParameters(long rate, long limit, long buffer, long burst) {}

    public boolean isRoot() {
        return parent == Tc.ROOT;
    }
}
