package dev.cni4j.linux.rtnl;

import dev.cni4j.linux.netlink.MessageBuilder;

/**
 * A queueing discipline to add: its parent, handle, kind and options ({@link Tbf}, {@link Ingress}, {@link Clsact}).
 */
public interface QdiscSpec {
    /** TC_H_ROOT, TC_H_INGRESS, or a class. */
    int parent();

    /** Its own handle, 0 to let the kernel pick. */
    int handle();

    String kind();

    /** Appends TCA_OPTIONS (or nothing). */
    void encodeOptions(MessageBuilder m);
}
