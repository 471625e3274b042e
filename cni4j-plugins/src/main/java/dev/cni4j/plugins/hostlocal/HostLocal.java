package dev.cni4j.plugins.hostlocal;

import dev.cni4j.node.Reservation;
import dev.cni4j.skel.Plugin;
import dev.cni4j.skel.Request;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;
import dev.cni4j.spec.Result;
import java.math.BigInteger;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code host-local} IPAM plugin: allocates one address per range set from files under
 * {@code <dataDir>/<network>}, in the reference plugin's on-disk layout. Beyond the reference:
 * CHECK compares {@code prevResult} with the reservations, GC releases reservations of
 * attachments the runtime no longer knows, STATUS reports a full range set (code 50), and
 * {@code "subnet": "usePodCidr"} takes the node's pod CIDR(s) from a {@link PodCidrSource}.
 */
public final class HostLocal implements Plugin {
    private final PodCidrSource.Factory podCidrs;

    /** The plugin as the executable runs it: pod CIDRs from the node agent's file, else the Kubernetes API. */
    public HostLocal() {
        this(PodCidrSource.nodeAgentFileOrApi());
    }

    /** With another source of the node's pod CIDRs. */
    public HostLocal(PodCidrSource.Factory podCidrs) {
        this.podCidrs = podCidrs;
    }

    @Override
    public String name() {
        return "host-local";
    }

    @Override
    public Result add(Request request) {
        IpamConfig config = IpamConfig.load(request, podCidrs);
        Result result = new Result();
        if (config.resolvConf() != null) {
            result.dns(ResolvConf.read(config.resolvConf())); // before the store: bad input leaves no trace
        }
        HostLocalStore store = new HostLocalStore(config.networkDir());
        Allocator allocator = new Allocator(store, request.containerId(), request.ifname());
        result.ips().addAll(store.lockedCreating(() -> allocator.allocate(config.rangeSets(), config.requestedIps())));
        result.routes().addAll(config.routes());
        return result;
    }

    /** Releases every IP of (containerID, ifname), or of a legacy id-only file; scans files only. */
    @Override
    public void del(Request request) {
        HostLocalStore store = new HostLocalStore(IpamConfig.networkDir(request));
        if (!store.exists()) {
            return;
        }
        store.locked(() -> {
            List<Reservation> all = store.reservations();
            boolean found = false;
            for (Reservation r : all) {
                if (r.ownedBy(request.containerId(), request.ifname())) {
                    found |= store.release(r);
                }
            }
            if (!found) {
                for (Reservation r : all) {
                    if (r.legacyOf(request.containerId())) {
                        store.release(r);
                    }
                }
            }
            return null;
        });
    }

    @Override
    public void check(Request request) {
        HostLocalStore store = new HostLocalStore(IpamConfig.networkDir(request));
        List<Reservation> all = store.exists() ? store.locked(store::reservations) : List.of();
        List<Reservation> own = ReservationChecks.ownedBy(all, request.containerId(), request.ifname());
        if (own.isEmpty()) {
            throw new CniException(
                    ErrorCode.UNKNOWN_CONTAINER,
                    "host-local: Failed to find address added by container " + request.containerId());
        }
        Result prev = request.prevResult();
        if (prev != null) {
            ReservationChecks.matchPrevResult(prev.ips(), own, all, request.containerId(), request.ifname());
        }
    }

    /**
     * Releases every reservation whose attachment is not in {@code cni.dev/valid-attachments}
     * (legacy id-only files by container ID); an empty list releases all. {@code lock} and
     * {@code last_reserved_ip.*} stay.
     */
    @Override
    public void gc(Request request) {
        HostLocalStore store = new HostLocalStore(IpamConfig.networkDir(request));
        // An absent list is not an empty one: refuse rather than free every pod's IP.
        if (!request.config().has("cni.dev/valid-attachments")
                && !request.config().has("cni.dev/attachments")) {
            throw HostLocalErrors.config("GC needs \"cni.dev/valid-attachments\" in the config");
        }
        if (!store.exists()) {
            return;
        }
        Set<Request.Attachment> valid = new HashSet<>();
        Set<String> validIds = new HashSet<>();
        for (Request.Attachment a : request.validAttachments()) {
            valid.add(new Request.Attachment(a.containerId().strip(), a.ifname()));
            validIds.add(a.containerId().strip());
        }
        store.locked(() -> {
            for (Reservation r : store.reservations()) {
                boolean keep = r.isLegacy()
                        ? validIds.contains(r.containerId())
                        : valid.contains(new Request.Attachment(r.containerId(), r.ifname()));
                if (!keep) {
                    store.release(r);
                }
            }
            return null;
        });
    }

    /** Fails with code 50 when some range set has no address left. */
    @Override
    public void status(Request request) {
        List<RangeSet> sets;
        try {
            sets = IpamConfig.rangeSets(request, podCidrs);
        } catch (CniException e) {
            if (e.code() != ErrorCode.TRY_AGAIN_LATER.code()) {
                throw e;
            }
            throw new CniException(ErrorCode.PLUGIN_NOT_AVAILABLE, e.getMessage(), e.details());
        }
        HostLocalStore store = new HostLocalStore(IpamConfig.networkDir(request));
        List<Reservation> all = store.reservations(); // no lock: a snapshot is enough for a status
        for (int i = 0; i < sets.size(); i++) {
            RangeSet set = sets.get(i);
            long used = 0;
            for (Reservation r : all) {
                IpRange range = set.rangeFor(r.ip());
                used += range != null && !r.ip().equals(range.gateway()) ? 1 : 0;
            }
            if (BigInteger.valueOf(used).compareTo(set.capacity()) >= 0) {
                throw new CniException(
                        ErrorCode.PLUGIN_NOT_AVAILABLE,
                        "no IP addresses available in range set " + i + ": " + set,
                        used + " of " + set.capacity() + " addresses reserved in " + store.dir());
            }
        }
    }
}
