package dev.cni4j.node;

import dev.cni4j.net.IpAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The one reading of host-local's reservations on disk, in the reference plugin's layout (which
 * host-local writes, and the CLI's doctor and the node agent's IPAM metric read):
 * <pre>
 * &lt;dataDir&gt;/&lt;network&gt;/            (default {@value NodeLayout#HOST_LOCAL_DATA_DIR})
 *   lock                          locked for every allocation and release
 *   10.1.2.2                      "&lt;containerID&gt;\r\n&lt;ifname&gt;" (legacy: "&lt;containerID&gt;")
 *   2001:db8:1::2                 named as Go prints the IP
 *   last_reserved_ip.&lt;set index&gt;  the IP last reserved in that range set
 *   .*                            host-local's temp files
 * </pre>
 * A reservation is a file named exactly as Go's {@code net.IP.String()} prints an address (RFC
 * 5952, an IPv4-mapped address as IPv4, so never {@code ::ffff:...}); any other name is not one.
 */
public final class HostLocalReservations {
    public static final String LOCK_FILE = "lock";
    public static final String LAST_RESERVED_PREFIX = "last_reserved_ip.";

    private HostLocalReservations() {}

    /** The address a reservation file of this name holds, or null when the name is no reservation's. */
    public static IpAddress addressOf(String fileName) {
        if (fileName.startsWith(".") || fileName.equals(LOCK_FILE) || fileName.startsWith(LAST_RESERVED_PREFIX)) {
            return null;
        }
        IpAddress ip = IpAddress.tryParse(fileName);
        return ip == null || ip.isIPv4Mapped() || !ip.toString().equals(fileName) ? null : ip;
    }

    /**
     * The reservations of one network directory, in no order; none when it does not exist. Files
     * that vanish while being read are skipped; an unreadable one counts as taken by nobody.
     */
    public static List<Reservation> read(Path networkDir) {
        List<Reservation> out = new ArrayList<>();
        if (!Files.isDirectory(networkDir)) {
            return out;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(networkDir)) {
            for (Path f : files) {
                String name = f.getFileName().toString();
                IpAddress ip = addressOf(name);
                if (ip == null) {
                    continue;
                }
                String content;
                try {
                    content = Files.readString(f, StandardCharsets.UTF_8);
                } catch (NoSuchFileException gone) {
                    continue;
                } catch (IOException e) {
                    content = "";
                }
                out.add(Reservation.parse(name, ip, content));
            }
        } catch (NoSuchFileException gone) {
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + networkDir + ": " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * Every network directory of {@code dataDir} (by name) with its reservations (by address);
     * none when the data dir does not exist. A network with no reservation is listed, empty.
     */
    public static Map<String, List<Reservation>> scan(Path dataDir) {
        Map<String, List<Reservation>> out = new TreeMap<>();
        if (!Files.isDirectory(dataDir)) {
            return out;
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(dataDir, Files::isDirectory)) {
            for (Path dir : dirs) {
                List<Reservation> all = read(dir);
                all.sort(Comparator.comparing(Reservation::ip));
                out.put(dir.getFileName().toString(), all);
            }
        } catch (NoSuchFileException gone) {
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dataDir + ": " + e.getMessage(), e);
        }
        return out;
    }
}
