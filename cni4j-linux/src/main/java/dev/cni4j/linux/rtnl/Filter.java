package dev.cni4j.linux.rtnl;

/**
 * A tc filter as RTM_GETTFILTER lists it.
 *
 * @param index         link index
 * @param parent        the qdisc or hook it hangs on
 * @param priority      preference (tc's "pref")
 * @param protocol      ethertype in host order (3 = all)
 * @param handle        filter handle (u32: "800::800")
 * @param kind          "u32", ...
 * @param redirectIndex ifindex of a mirred redirect/mirror action, 0 if none
 */
public record Filter(int index, int parent, int priority, int protocol, int handle, String kind, int redirectIndex) {}
