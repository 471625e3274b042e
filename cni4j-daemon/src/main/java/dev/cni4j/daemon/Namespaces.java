package dev.cni4j.daemon;

import dev.cni4j.daemon.FastPathProtocol.NsId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The network and mount namespaces a daemon serves: those of the thread that started it. */
record Namespaces(NsId net, NsId mnt) {

    /** From {@code /proc/thread-self}: the calling thread's namespaces, not the launcher's main thread's. */
    static Namespaces ofCurrentThread() {
        return new Namespaces(id(Path.of("/proc/thread-self/ns/net")), id(Path.of("/proc/thread-self/ns/mnt")));
    }

    /** Whether a client with these namespace identities lives where this daemon runs plugins. */
    boolean serves(NsId clientNet, NsId clientMnt) {
        return net.equals(clientNet) && mnt.equals(clientMnt);
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
