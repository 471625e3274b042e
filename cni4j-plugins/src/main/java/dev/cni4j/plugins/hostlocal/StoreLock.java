package dev.cni4j.plugins.hostlocal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The exclusive lock of one network directory: the {@code lock} file, locked for the whole of
 * an allocation or release so that concurrent plugin processes never hand out the same IP.
 *
 * <p>Java's file locks belong to the process, and a second lock attempt on the same file from
 * another thread of the same JVM throws instead of waiting; an in-JVM lock per path taken first
 * serialises threads (tests, a resident agent), the file lock serialises processes.
 */
final class StoreLock {
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    private StoreLock() {}

    /** Runs {@code action} while holding both locks of {@code lockFile}. Not reentrant. */
    static <T> T run(Path lockFile, Supplier<T> action) {
        Path key = lockFile.toAbsolutePath().normalize();
        ReentrantLock local = IN_PROCESS.computeIfAbsent(key, k -> new ReentrantLock());
        if (local.isHeldByCurrentThread()) {
            throw new IllegalStateException("store lock " + key + " taken twice by one thread");
        }
        local.lock();
        try (FileChannel ch = FileChannel.open(
                        key, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
                FileLock _ = ch.lock()) {
            return action.get();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot lock " + key + ": " + e.getMessage(), e);
        } finally {
            local.unlock();
        }
    }
}
