package dev.cni4j.daemon;

import dev.cni4j.daemon.FastPathProtocol.NsId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The network and mount namespaces a daemon serves: those of the thread that started it, or a
 * given node network namespace (an agent programming a namespace other than its own, in tests).
 */
record Namespaces(NsId net, NsId mnt) {

    /** From {@code /proc/thread-self}: the calling thread's namespaces, not the launcher's main thread's. */
    static Namespaces ofCurrentThread() {
        return new Namespaces(id(Path.of("/proc/thread-self/ns/net")), id(Path.of("/proc/thread-self/ns/mnt")));
    }

    /** The network namespace at {@code netnsFile} and the calling thread's mount namespace. */
    static Namespaces of(Path netnsFile) {
        return new Namespaces(id(netnsFile), id(Path.of("/proc/thread-self/ns/mnt")));
    }

    /** Whether a client with these namespace identities lives where this daemon runs plugins. */
    boolean serves(NsId clientNet, NsId clientMnt) {
        return net.equals(clientNet) && mnt.equals(clientMnt);
    }

    /**
     * Whether process {@code pid} (as this daemon's /proc sees it) is in exactly these two
     * namespaces: a launcher in another mount namespace is only served through its /proc entry
     * once that entry is known to be the launcher's (same pid namespace, not a reused pid).
     */
    static boolean processIsIn(int pid, NsId clientNet, NsId clientMnt) {
        if (pid <= 0) {
            return false;
        }
        try {
            return clientNet.equals(id(Path.of("/proc/" + pid + "/ns/net")))
                    && clientMnt.equals(id(Path.of("/proc/" + pid + "/ns/mnt")));
        } catch (UncheckedIOException gone) {
            return false;
        }
    }

    /** st_dev and st_ino of an nsfs file, as the launcher's stat(2) reports them. */
    static NsId id(Path nsFile) {
        try {
            Map<String, Object> a = Files.readAttributes(nsFile, "unix:dev,ino");
            return new NsId((Long) a.get("dev"), (Long) a.get("ino"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
