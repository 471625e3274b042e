package dev.cni4j.plugins.hostlocal;

import dev.cni4j.net.IpAddress;
import dev.cni4j.node.Reservation;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;
import dev.cni4j.spec.Result.IpConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * CHECK's comparisons between the store and what the runtime believes ({@code prevResult}).
 * The reference only checks that some reservation exists; we also check that the addresses
 * match, since a pod using an IP the store considers free will eventually share it.
 */
final class ReservationChecks {
    private ReservationChecks() {}

    /** The reservations of (id, ifname); the legacy id-only ones when there are none. */
    static List<Reservation> ownedBy(List<Reservation> all, String id, String ifname) {
        List<Reservation> own = new ArrayList<>();
        for (Reservation r : all) {
            if (r.ownedBy(id, ifname)) {
                own.add(r);
            }
        }
        if (own.isEmpty()) {
            for (Reservation r : all) {
                if (r.legacyOf(id)) {
                    own.add(r);
                }
            }
        }
        return own;
    }

    /** Every prevResult IP is reserved for this attachment, and every reservation is in prevResult. */
    static void matchPrevResult(
            List<IpConfig> prevIps, List<Reservation> own, List<Reservation> all, String id, String ifname) {
        Set<IpAddress> reserved = new HashSet<>();
        for (Reservation r : own) {
            reserved.add(r.ip());
        }
        Set<IpAddress> reported = new HashSet<>();
        for (IpConfig ipc : prevIps) {
            String a = ipc.address();
            int slash = a.indexOf('/');
            IpAddress ip = IpAddress.tryParse(slash < 0 ? a : a.substring(0, slash));
            if (ip == null) {
                throw new CniException(ErrorCode.DECODING_FAILURE, "prevResult has an invalid address \"" + a + "\"");
            }
            reported.add(ip);
            if (!reserved.contains(ip)) {
                throw mismatch("IP " + ip + " of prevResult is " + ownerOf(ip, all) + ", not by " + id + "/" + ifname);
            }
        }
        for (IpAddress ip : reserved) {
            if (!reported.contains(ip)) {
                throw mismatch("IP " + ip + " is reserved for " + id + "/" + ifname + " but is not in prevResult");
            }
        }
    }

    private static String ownerOf(IpAddress ip, List<Reservation> all) {
        for (Reservation r : all) {
            if (r.ip().equals(ip)) {
                return "reserved by " + r.containerId() + (r.isLegacy() ? "" : "/" + r.ifname());
            }
        }
        return "not reserved";
    }

    private static CniException mismatch(String msg) {
        return new CniException(ErrorCode.INTERNAL, "host-local: " + msg);
    }
}
