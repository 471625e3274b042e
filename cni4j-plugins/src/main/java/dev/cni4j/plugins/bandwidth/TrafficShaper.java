package dev.cni4j.plugins.bandwidth;

import dev.cni4j.linux.LinuxException;
import dev.cni4j.linux.rtnl.Filter;
import dev.cni4j.linux.rtnl.Ifb;
import dev.cni4j.linux.rtnl.Ingress;
import dev.cni4j.linux.rtnl.Link;
import dev.cni4j.linux.rtnl.Qdisc;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.linux.rtnl.Tc;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The tc objects of one attachment in the node namespace. Ingress (towards the pod) is a root tbf
 * on the host veth. Egress (from the pod) arrives on the host veth's ingress, where nothing can
 * queue, so a u32 match-all filter redirects it to an ifb device whose root tbf shapes it.
 */
final class TrafficShaper {
    /** Filter preference of the redirect, as the reference uses. */
    static final int REDIRECT_PRIORITY = 1;

    private final Rtnl node;

    TrafficShaper(Rtnl node) {
        this.node = node;
    }

    /**
     * Shapes traffic towards the pod with a tbf whose handle says who owns it; replaces an earlier
     * tbf so a repeated ADD converges.
     */
    void limitIngress(Link hostVeth, int ownerHandle, TokenBucket bucket) {
        node.qdiscs().replace(hostVeth.index(), bucket.tbf(ownerHandle));
    }

    /** Creates the ifb (replacing a stale one), redirects the veth's ingress to it and shapes it. */
    Link limitEgress(Link hostVeth, String ifbName, String ownerTag, int ownerHandle, TokenBucket bucket) {
        removeIfb(ifbName);
        node.links().create(new Ifb(ifbName, hostVeth.mtu()));
        Link ifb = node.links().require(ifbName);
        IfbOwnerTag.set(node, ifb.index(), ownerTag);
        node.links().setUp(ifb.index());
        node.qdiscs().replace(hostVeth.index(), new Ingress());
        // a repeated ADD finds its old redirect (to the ifb just replaced) still there
        ignoreMissing(() -> node.filters().delete(hostVeth.index(), Tc.INGRESS_HANDLE, REDIRECT_PRIORITY));
        node.filters().addRedirect(hostVeth.index(), Tc.INGRESS_HANDLE, REDIRECT_PRIORITY, ifb.index());
        node.qdiscs().replace(ifb.index(), bucket.tbf(ownerHandle));
        return ifb;
    }

    /**
     * Removes from the host veth only what the attachment put there: the root tbf with its owner
     * handle, and the ingress qdisc whose filter redirects to its ifb. Anything else (another
     * attachment's shaping, the operator's qdiscs) stays.
     */
    void clearHostVeth(Link hostVeth, int ownerHandle, Optional<Link> ifb) {
        for (Qdisc q : node.qdiscs().list(hostVeth.index())) {
            if (q.isRoot() && "tbf".equals(q.kind()) && q.handle() == ownerHandle) {
                ignoreMissing(() -> node.qdiscs().delete(hostVeth.index(), Tc.ROOT));
            } else if ("ingress".equals(q.kind()) && ifb.isPresent() && redirectsTo(hostVeth, ifb.get())) {
                ignoreMissing(() -> node.qdiscs().delete(hostVeth.index(), Tc.INGRESS));
            }
        }
    }

    /**
     * Deletes the ifb; nothing happens if it is gone. Returns once the ifb has left the namespace
     * (its name is free for the next ADD), leaving the kernel's ~20 ms RCU wait of the deletion to
     * a background thread ({@link dev.cni4j.linux.rtnl.Links#deleteDetached}).
     */
    void removeIfb(String ifbName) {
        node.links()
                .get(ifbName)
                .ifPresent(l -> ignoreMissing(() -> node.links().deleteDetached(l.index())));
    }

    Optional<Link> ifb(String ifbName) {
        return node.links().get(ifbName);
    }

    /** What is wrong with the ingress shaping, or null. */
    String checkIngress(Link hostVeth, TokenBucket bucket) {
        return checkTbf(hostVeth, bucket);
    }

    /** What is wrong with the egress shaping, or null. */
    String checkEgress(Link hostVeth, String ifbName, TokenBucket bucket) {
        Optional<Link> ifb = node.links().get(ifbName);
        if (ifb.isEmpty()) {
            return "ifb device " + ifbName + " not found";
        }
        if (!redirectsTo(hostVeth, ifb.get())) {
            return "no filter on " + hostVeth.name() + " redirects its ingress to " + ifbName;
        }
        return checkTbf(ifb.get(), bucket);
    }

    private String checkTbf(Link link, TokenBucket bucket) {
        for (Qdisc q : node.qdiscs().list(link.index())) {
            if (q.isRoot() && "tbf".equals(q.kind()) && q.tbf() != null) {
                String m = bucket.mismatch(q.tbf());
                return m == null ? null : "tbf on " + link.name() + " has " + m;
            }
        }
        return "no tbf qdisc on " + link.name();
    }

    private boolean redirectsTo(Link from, Link ifb) {
        try {
            return node.filters().list(from.index(), Tc.INGRESS_HANDLE).stream()
                    .anyMatch(f -> f.redirectIndex() == ifb.index());
        } catch (LinuxException e) {
            return false; // no ingress qdisc
        }
    }

    /**
     * GC: deletes {@code bwp*} ifb devices not in {@code keep} that either are tagged as
     * {@code network}'s (see {@link IfbOwnerTag}) or that nothing redirects to any more (their
     * veth is gone). An untagged one still fed by a live veth is left: it may be another network's.
     */
    List<String> removeStale(Set<String> keep, String network) {
        Set<Integer> targets = new HashSet<>();
        for (Qdisc q : node.qdiscs().list(0)) {
            if ("ingress".equals(q.kind()) || "clsact".equals(q.kind())) {
                int parent = "ingress".equals(q.kind()) ? Tc.INGRESS_HANDLE : Tc.CLSACT_INGRESS;
                try {
                    for (Filter f : node.filters().list(q.index(), parent)) {
                        targets.add(f.redirectIndex());
                    }
                } catch (LinuxException e) {
                    // the link went away meanwhile
                }
            }
        }
        java.util.Map<String, String> tags = IfbOwnerTag.aliases(node);
        List<String> removed = new java.util.ArrayList<>();
        for (Link l : node.links().list()) {
            if (!"ifb".equals(l.kind()) || !l.name().startsWith(IfbDevice.PREFIX) || keep.contains(l.name())) {
                continue;
            }
            boolean ours = IfbOwnerTag.containerOf(tags.get(l.name()), network) != null;
            if (ours || !targets.contains(l.index())) {
                ignoreMissing(() -> node.links().delete(l.index()));
                removed.add(l.name());
            }
        }
        return removed;
    }

    private static void ignoreMissing(Runnable r) {
        try {
            r.run();
        } catch (LinuxException e) {
            if (!e.isNotFound() && e.errno() != LinuxException.EINVAL) {
                throw e;
            }
        }
    }
}
