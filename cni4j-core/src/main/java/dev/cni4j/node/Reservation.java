package dev.cni4j.node;

import dev.cni4j.net.IpAddress;

/**
 * One reservation file of host-local's store ({@link HostLocalReservations}): the file name (the
 * IP as Go prints it) and its owner. {@code ifname} is null for legacy files (written before
 * reference v0.8.0) that hold only the container ID; {@code containerId} is empty for an
 * unreadable or empty file, which still counts as taken.
 */
public record Reservation(String fileName, IpAddress ip, String containerId, String ifname) {

    /** Line break between container ID and ifname, as the reference writes it. */
    public static final String LINE_BREAK = "\r\n";

    /** Reads file content the way the reference matches it: whitespace-trimmed, split at CRLF. */
    public static Reservation parse(String fileName, IpAddress ip, String content) {
        String trimmed = content.strip();
        int br = trimmed.indexOf(LINE_BREAK);
        if (br < 0) {
            return new Reservation(fileName, ip, trimmed, null);
        }
        return new Reservation(fileName, ip, trimmed.substring(0, br), trimmed.substring(br + LINE_BREAK.length()));
    }

    /** The content written for a new reservation: {@code <id>\r\n<ifname>}, no trailing newline. */
    public static String content(String containerId, String ifname) {
        return containerId.strip() + LINE_BREAK + ifname;
    }

    public boolean isLegacy() {
        return ifname == null;
    }

    /** True when this file was written for exactly ({@code id}, {@code ifname}). */
    public boolean ownedBy(String id, String ifname) {
        return !isLegacy() && containerId.equals(id.strip()) && this.ifname.equals(ifname);
    }

    /** True for a legacy id-only file of container {@code id}. */
    public boolean legacyOf(String id) {
        return isLegacy() && !containerId.isEmpty() && containerId.equals(id.strip());
    }
}
