package dev.cni4j.plugins.hostlocal;

import dev.cni4j.net.IpAddress;
import dev.cni4j.node.HostLocalReservations;
import dev.cni4j.node.Reservation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The reservations of one network on disk, in the reference plugin's layout so that a node can
 * switch implementations and keep its IPs (read by {@link HostLocalReservations}, which the CLI's
 * doctor and the node agent's metric use too):
 * <pre>
 * &lt;dataDir&gt;/&lt;network&gt;/            0755
 *   lock                          locked for every allocation and release
 *   10.1.2.2                      0600, "&lt;containerID&gt;\r\n&lt;ifname&gt;" (legacy: "&lt;containerID&gt;")
 *   2001:db8:1::2                 named as Go prints the IP
 *   last_reserved_ip.&lt;set index&gt;  the IP last reserved in that range set
 * </pre>
 * Writes go to a dot-file first, then are linked or renamed into place, so a killed process
 * never leaves an empty or partial reservation. Dot-files are only written under the lock, so
 * any found there while holding the lock are leftovers of a crash and ignored.
 * <p>
 * Nothing is fsync'ed (nor is it by the reference): a reservation only matters while its pod's
 * network namespace exists, and no namespace survives the power loss or kernel crash that
 * unsynced data would not survive; after such a reboot every reservation is stale either way and
 * DEL or GC releases it (a torn file reads as an owner-less reservation, which GC releases).
 * Syncing cost 1-3 ms per ADD here, more on a busy disk.
 */
public final class HostLocalStore {
    private static final String RESERVATION_TMP = ".reservation.tmp";
    private static final String LAST_RESERVED_TMP = ".last_reserved_ip.tmp";
    private static final FileAttribute<?> DIR_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x"));
    private static final FileAttribute<?> RESERVATION_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final FileAttribute<?> LAST_RESERVED_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-r--r--"));

    private final Path dir;

    public HostLocalStore(Path networkDir) {
        this.dir = networkDir;
    }

    public Path dir() {
        return dir;
    }

    /** True when the network directory exists (DEL, CHECK and GC never create it). */
    public boolean exists() {
        return Files.isDirectory(dir);
    }

    /** Creates the network directory if needed, then runs {@code action} under the lock. */
    public <T> T lockedCreating(Supplier<T> action) {
        try {
            Files.createDirectories(dir, DIR_MODE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        return locked(action);
    }

    /** Runs {@code action} under the lock of an existing network directory. */
    public <T> T locked(Supplier<T> action) {
        return StoreLock.run(dir.resolve(HostLocalReservations.LOCK_FILE), action);
    }

    /** Every reservation file (named by an IP) with its owner ({@link HostLocalReservations#read}). */
    public List<Reservation> reservations() {
        return HostLocalReservations.read(dir);
    }

    /**
     * Reserves {@code ip} for (id, ifname) unless a file for it exists; records it as the last
     * reserved IP of range set {@code rangeSetIndex}. Call under the lock.
     */
    public boolean reserve(IpAddress ip, String id, String ifname, int rangeSetIndex) {
        Path target = dir.resolve(ip.toString());
        if (Files.exists(target)) {
            return false;
        }
        Path tmp = dir.resolve(RESERVATION_TMP);
        try {
            writeNew(tmp, Reservation.content(id, ifname), RESERVATION_MODE);
            try {
                Files.createLink(target, tmp); // fails if the name exists: no-replace semantics
            } catch (FileAlreadyExistsException taken) {
                return false;
            } catch (UnsupportedOperationException | IOException noHardLinks) {
                try {
                    Files.move(tmp, target); // no REPLACE_EXISTING; safe as we hold the lock
                } catch (FileAlreadyExistsException taken) {
                    return false;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot reserve " + ip + " in " + dir + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(tmp);
        }
        try {
            writeLastReserved(ip, rangeSetIndex);
        } catch (UncheckedIOException e) {
            deleteQuietly(target); // the caller only rolls back reservations it was told about
            throw e;
        }
        return true;
    }

    /** The IP recorded in {@code last_reserved_ip.<index>}, or null when absent or unreadable. */
    public IpAddress lastReservedIp(int rangeSetIndex) {
        try {
            return IpAddress.tryParse(
                    Files.readString(dir.resolve(HostLocalReservations.LAST_RESERVED_PREFIX + rangeSetIndex))
                            .strip());
        } catch (IOException e) {
            return null; // only round-robin is lost
        }
    }

    /** Deletes a reservation file; true when it was there. */
    public boolean release(Reservation r) {
        try {
            return Files.deleteIfExists(dir.resolve(r.fileName()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot release " + r.fileName() + " in " + dir + ": " + e.getMessage(), e);
        }
    }

    private void writeLastReserved(IpAddress ip, int rangeSetIndex) {
        Path tmp = dir.resolve(LAST_RESERVED_TMP);
        try {
            writeNew(tmp, ip.toString(), LAST_RESERVED_MODE);
            Files.move(
                    tmp,
                    dir.resolve(HostLocalReservations.LAST_RESERVED_PREFIX + rangeSetIndex),
                    StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new UncheckedIOException("cannot record last reserved IP in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void writeNew(Path file, String content, FileAttribute<?> mode) throws IOException {
        Files.deleteIfExists(file); // a crash leftover; recreating applies the mode
        try (FileChannel ch =
                FileChannel.open(file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), mode)) {
            ByteBuffer buf = ByteBuffer.wrap(content.getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        }
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // a leftover dot-file is ignored by every reader
        }
    }
}
