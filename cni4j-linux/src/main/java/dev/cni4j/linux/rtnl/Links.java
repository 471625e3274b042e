package dev.cni4j.linux.rtnl;

import static dev.cni4j.linux.netlink.NetlinkMessage.*;
import static dev.cni4j.linux.rtnl.LinkMessages.*;

import dev.cni4j.linux.KernelBackground;
import dev.cni4j.linux.LinuxException;
import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.NetlinkChannel;
import dev.cni4j.linux.netlink.AttributeReader;
import dev.cni4j.linux.netlink.MessageBuilder;
import dev.cni4j.linux.netlink.NetlinkException;
import dev.cni4j.linux.netlink.NetlinkMessage;
import dev.cni4j.linux.netlink.NetlinkSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Network interfaces: look up, list, change and delete. Creation of veth, bridge, ifb and vxlan
 * links goes through {@link #create(LinkSpec)}.
 *
 * <p>Lookups return {@link Optional#empty()} when the kernel says ENODEV, so "absent" needs no
 * exception handling; changes to a missing link throw {@link NetlinkException} with ENODEV.
 */
public final class Links {
    private final NetlinkSocket socket;

    Links(NetlinkSocket socket) {
        this.socket = socket;
    }

    /** The link called {@code name}, or empty. */
    public Optional<Link> get(String name) {
        MessageBuilder m = request(RTM_GETLINK, 0, Rtnl.AF_UNSPEC, 0, 0, 0)
                .attrU32(IFLA_EXT_MASK, RTEXT_FILTER_VF)
                .attrString(IFLA_IFNAME, name);
        return getOne(m, "get link " + name);
    }

    /** The link with ifindex {@code index}, or empty. */
    public Optional<Link> get(int index) {
        MessageBuilder m = request(RTM_GETLINK, 0, Rtnl.AF_UNSPEC, index, 0, 0).attrU32(IFLA_EXT_MASK, RTEXT_FILTER_VF);
        return getOne(m, "get link #" + index);
    }

    /** The link called {@code name}; throws NetlinkException ENODEV if absent. */
    public Link require(String name) {
        return get(name).orElseThrow(() -> new NetlinkException(LinuxException.ENODEV, "get link " + name, null));
    }

    private Optional<Link> getOne(MessageBuilder m, String what) {
        try {
            List<ByteBuffer> replies = socket.transact(m, what);
            return replies.isEmpty() ? Optional.empty() : Optional.of(decode(replies.get(0)));
        } catch (NetlinkException e) {
            if (e.errno() == LinuxException.ENODEV) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** All links in the namespace. */
    public List<Link> list() {
        MessageBuilder m =
                request(RTM_GETLINK, NLM_F_DUMP, Rtnl.AF_UNSPEC, 0, 0, 0).attrU32(IFLA_EXT_MASK, RTEXT_FILTER_VF);
        List<ByteBuffer> replies = socket.transact(m, "list links");
        List<Link> links = new ArrayList<>(replies.size());
        for (ByteBuffer b : replies) {
            links.add(decode(b));
        }
        return links;
    }

    /** Creates a link; EEXIST if the name is taken. */
    public void create(LinkSpec spec) {
        MessageBuilder m = request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, Rtnl.AF_UNSPEC, 0, 0, 0);
        spec.encode(m);
        socket.execute(m, "create " + spec.kind() + " link " + spec.name());
    }

    /**
     * Creates a veth pair whose host end gets a random name ({@link Veth#randomName()}), retrying
     * with a new name while the name it drew turns out to be taken (EEXIST, and a link of that
     * name here). EEXIST for the peer's name, which no new host name fixes, is thrown at once.
     * The spec's own name is ignored.
     *
     * @return the host end's name
     */
    public String createVethWithRandomName(Veth spec) {
        for (int attempt = 1; ; attempt++) {
            Veth named = spec.withName(Veth.randomName());
            try {
                create(named);
                return named.name();
            } catch (LinuxException e) {
                if (e.errno() != LinuxException.EEXIST
                        || attempt >= RANDOM_NAME_ATTEMPTS
                        || get(named.name()).isEmpty()) {
                    throw e;
                }
            }
        }
    }

    private static final int RANDOM_NAME_ATTEMPTS = 10;

    /** Sets IFF_UP. */
    public void setUp(int index) {
        change(index, Link.IFF_UP, Link.IFF_UP, "set link #" + index + " up");
    }

    /** Clears IFF_UP. */
    public void setDown(int index) {
        change(index, 0, Link.IFF_UP, "set link #" + index + " down");
    }

    /** Sets IFF_UP on the link called {@code name}. */
    public void setUp(String name) {
        socket.execute(
                request(RTM_NEWLINK, 0, Rtnl.AF_UNSPEC, 0, Link.IFF_UP, Link.IFF_UP)
                        .attrString(IFLA_IFNAME, name),
                "set link " + name + " up");
    }

    /** Clears IFF_UP on the link called {@code name}. */
    public void setDown(String name) {
        socket.execute(
                request(RTM_NEWLINK, 0, Rtnl.AF_UNSPEC, 0, 0, Link.IFF_UP).attrString(IFLA_IFNAME, name),
                "set link " + name + " down");
    }

    public void setPromiscuous(int index, boolean on) {
        change(
                index,
                on ? Link.IFF_PROMISC : 0,
                Link.IFF_PROMISC,
                "set link #" + index + " promisc " + (on ? "on" : "off"));
    }

    private void change(int index, int flags, int mask, String what) {
        socket.execute(request(RTM_NEWLINK, 0, Rtnl.AF_UNSPEC, index, flags, mask), what);
    }

    public void setMtu(int index, int mtu) {
        socket.execute(modify(index).attrU32(IFLA_MTU, mtu), "set link #" + index + " mtu " + mtu);
    }

    /** Sets the hardware address, "aa:bb:cc:dd:ee:ff". */
    public void setMac(int index, String mac) {
        socket.execute(modify(index).attr(IFLA_ADDRESS, Mac.parse(mac)), "set link #" + index + " address " + mac);
    }

    /** Renames (the link must be down). */
    public void setName(int index, String name) {
        socket.execute(modify(index).attrString(IFLA_IFNAME, name), "rename link #" + index + " to " + name);
    }

    /** Enslaves the link to a bridge. */
    public void setMaster(int index, int masterIndex) {
        socket.execute(
                modify(index).attrU32(IFLA_MASTER, masterIndex), "set link #" + index + " master #" + masterIndex);
    }

    /** Releases the link from its bridge. */
    public void setNoMaster(int index) {
        socket.execute(modify(index).attrU32(IFLA_MASTER, 0), "set link #" + index + " nomaster");
    }

    /** Moves the link into another namespace (it disappears from this one, and goes down). */
    public void moveTo(int index, NetNs target) {
        socket.execute(
                modify(index).attrU32(IFLA_NET_NS_FD, target.fd()), "move link #" + index + " to " + target.path());
    }

    /** Deletes a link (a veth deletes its peer too). */
    public void delete(int index) {
        socket.execute(request(RTM_DELLINK, 0, Rtnl.AF_UNSPEC, index, 0, 0), "delete link #" + index);
    }

    /**
     * Deletes link #index and returns once it has left the namespace, without waiting for the
     * kernel's last phase of unregistering a device. An RTM_DELLINK unlists the link (its name and
     * index are free, a new link of that name can be created) and releases RTNL, and only then,
     * still inside the request, waits in {@code netdev_run_todo} for an RCU barrier and the last
     * references: about 20 ms per deleted device, the floor of every veth or ifb deletion. Here the
     * request runs on a background thread over a second socket in this namespace, while this
     * thread asks for the link until the kernel says it is gone (or the request ends, with an
     * error if it failed). A link that is already gone counts as deleted.
     *
     * <p>The background thread finishes on its own within the kernel's wait; a process that exits
     * meanwhile still waits for it in the kernel, so nothing is left half-done.
     */
    public void deleteDetached(int index) {
        NetlinkSocket other;
        try {
            other = socket.sibling(NetlinkChannel.NETLINK_ROUTE);
        } catch (RuntimeException noSibling) { // e.g. a test's fake transport: delete and wait
            delete(index);
            return;
        }
        CompletableFuture<Void> done = new CompletableFuture<>();
        KernelBackground.run(() -> {
            try (other) {
                other.execute(request(RTM_DELLINK, 0, Rtnl.AF_UNSPEC, index, 0, 0), "delete link #" + index);
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        });
        while (true) {
            try {
                done.get(DETACHED_POLL_MICROS, TimeUnit.MICROSECONDS);
                return;
            } catch (ExecutionException e) {
                if (e.getCause() instanceof NetlinkException n && n.errno() == LinuxException.ENODEV) {
                    return;
                }
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                if (e.getCause() instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException(e.getCause());
            } catch (TimeoutException stillInTheKernel) {
                if (get(index).isEmpty()) {
                    return; // unlisted: the rest is the kernel's wait
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return; // the request goes on in the background
            }
        }
    }

    /** How long to wait for the request's own answer before asking whether the link is gone. */
    private static final long DETACHED_POLL_MICROS = 300;

    /** Deletes the link called {@code name}. */
    public void delete(String name) {
        socket.execute(
                request(RTM_DELLINK, 0, Rtnl.AF_UNSPEC, 0, 0, 0).attrString(IFLA_IFNAME, name), "delete link " + name);
    }

    /**
     * Sets a bridge's per-bridge br_netfilter switches (IFLA_BR_NF_CALL_IPTABLES/IP6TABLES): bridged
     * IPv4/IPv6 traffic then passes iptables even where the namespace-wide sysctl is off.
     */
    public void setBridgeNfCall(int index, boolean v4, boolean v6) {
        MessageBuilder m = modify(index);
        int info = m.beginNested(IFLA_LINKINFO);
        m.attrString(IFLA_INFO_KIND, "bridge");
        int data = m.beginNested(IFLA_INFO_DATA);
        m.attrU8(Bridge.IFLA_BR_NF_CALL_IPTABLES, v4 ? 1 : 0);
        m.attrU8(Bridge.IFLA_BR_NF_CALL_IP6TABLES, v6 ? 1 : 0);
        m.endNested(data);
        m.endNested(info);
        socket.execute(m, "set bridge #" + index + " nf_call_iptables " + v4 + " nf_call_ip6tables " + v6);
    }

    /** A bridge's IFLA_BR_NF_CALL_IPTABLES; false for other links. */
    public boolean bridgeNfCallIptables(int index) {
        MessageBuilder m = request(RTM_GETLINK, 0, Rtnl.AF_UNSPEC, index, 0, 0);
        for (ByteBuffer b : socket.transact(m, "get link #" + index)) {
            AttributeReader r = NetlinkMessage.of(b).attributes(IFINFOMSG_LENGTH);
            while (r.next()) {
                if (r.type() != IFLA_LINKINFO) {
                    continue;
                }
                AttributeReader info = r.nested();
                while (info.next()) {
                    if (info.type() != IFLA_INFO_DATA) {
                        continue;
                    }
                    AttributeReader data = info.nested();
                    while (data.next()) {
                        if (data.type() == Bridge.IFLA_BR_NF_CALL_IPTABLES) {
                            return data.u8() != 0;
                        }
                    }
                }
            }
        }
        return false;
    }

    private static MessageBuilder modify(int index) {
        return request(RTM_NEWLINK, 0, Rtnl.AF_UNSPEC, index, 0, 0);
    }

    NetlinkSocket socket() {
        return socket;
    }
}
