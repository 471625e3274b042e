package dev.cni4j.linux.firewall;

import dev.cni4j.linux.KernelCalls;
import dev.cni4j.linux.NetNs;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The one way cni4j runs nftables commands: an nft script (one or more commands, one transaction)
 * with {@code nft}'s output options ({@code -a}, {@code -j}), either by exec'ing {@code nft} (the
 * default: a one-shot plugin process would pay more for loading the library than for the fork;
 * see {@link #command}) or, once {@link #useLibrary} is on (the node daemon), in-process through
 * libnftables, the library the nft binary is built on: same parser, same output, same error text
 * (a script without output options is read from a file, as {@code nft -f -} reads it, and errors
 * name it {@code /dev/stdin} as nft does).
 *
 * <p>Library contexts are bound to the namespace they were created in: one per namespace, created
 * on and used only from a thread inside it, looked up by the namespace's inode (the context's
 * netlink socket keeps its namespace alive, so the inode cannot be reused while it is cached).
 * All library calls are serialised by one lock.
 */
public final class Nft {
    /** What nft printed and how it ended. */
    public record Result(int exitCode, String stdout, String stderr) {
        public boolean ok() {
            return exitCode == 0;
        }
    }

    private static final ReentrantLock LOCK = new ReentrantLock();
    private static final Map<Long, LibNftables.Context> CONTEXTS = new HashMap<>(); // by netns inode, under LOCK
    private static volatile boolean library;
    private static long libraryRuns; // under LOCK
    private static final String STDIN = "/dev/stdin"; // what nft -f - reads

    static {
        if (Boolean.getBoolean("cni4j.libnftables")) {
            try {
                useLibrary(true);
            } catch (UnsupportedOperationException e) {
                System.err.println("cni4j: " + e.getMessage() + "; running nft instead");
            }
        }
    }

    private Nft() {}

    /**
     * Switches the in-process libnftables path on or off (off: exec {@code nft}). Switching on
     * loads the library and links its functions now.
     *
     * @throws UnsupportedOperationException if libnftables.so.1 cannot be loaded (the switch stays off)
     */
    public static void useLibrary(boolean on) {
        if (on) {
            LibNftables.load();
        }
        library = on;
    }

    /** Whether an executable {@code nft} is on the PATH the exec path would run it from. */
    static boolean binaryInstalled() {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "nft"))) {
                return true;
            }
        }
        return false;
    }

    /** Whether commands run through libnftables. */
    public static boolean usingLibrary() {
        return library;
    }

    /** Runs {@code script} in the calling thread's namespace; stdout, or {@link FirewallException} with nft's error. */
    public static String run(String script, String... options) {
        return run(null, script, options);
    }

    /** Runs {@code script} in {@code ns} (null = the calling thread's); stdout, or {@link FirewallException}. */
    public static String run(NetNs ns, String script, String... options) {
        Result r = tryRun(ns, script, options);
        if (!r.ok()) {
            throw new FirewallException(
                    String.join(" ", command(script, options)),
                    r.exitCode(),
                    r.stderr().trim(),
                    script);
        }
        return r.stdout();
    }

    /** Like {@link #run(String, String...)} but returns a failure instead of throwing. */
    public static Result tryRun(String script, String... options) {
        return tryRun(null, script, options);
    }

    /**
     * Runs {@code script} in {@code ns} (null = the calling thread's). Options: {@code -a} (rule
     * handles), {@code -j} (JSON). Throws {@link java.io.UncheckedIOException} if nft cannot be run.
     */
    public static Result tryRun(NetNs ns, String script, String... options) {
        long t0 = KernelCalls.enabled() && library ? System.nanoTime() : 0; // an exec counts itself (Exec)
        try {
            return runIn(ns, script, options);
        } finally {
            if (t0 != 0) {
                KernelCalls.record("nft transaction (libnftables)", System.nanoTime() - t0);
            }
        }
    }

    private static Result runIn(NetNs ns, String script, String... options) {
        flags(options); // checked on both paths
        if (!library) {
            if (LibNftablesJni.available()) { // a standalone plugin: no nft process
                Result r = ns == null
                        ? throughFile(LibNftablesJni::run, script, options)
                        : ns.run(() -> throughFile(LibNftablesJni::run, script, options));
                if (r != null) {
                    return r;
                }
            }
            Exec.Result r = Exec.run(ns, stdin(script, options), command(script, options));
            return new Result(r.exitCode(), r.stdout(), r.stderr());
        }
        if (ns == null) {
            return runHere(script, options);
        }
        if (NetNs.currentInode() == ns.inode()) {
            return runHere(script, options);
        }
        return ns.run(() -> runHere(script, options));
    }

    /** How many scripts ran through libnftables in this JVM (a diagnostic). */
    public static long libraryRuns() {
        LOCK.lock();
        try {
            return libraryRuns;
        } finally {
            LOCK.unlock();
        }
    }

    /** Frees every library context (tests, shutdown); the next library call creates a new one. */
    public static void closeContexts() {
        LOCK.lock();
        try {
            CONTEXTS.values().forEach(LibNftables.Context::free);
            CONTEXTS.clear();
        } finally {
            LOCK.unlock();
        }
    }

    /** Through the library, in the calling thread's namespace (which the context is created in). */
    private static Result runHere(String script, String... options) {
        int flags = flags(options);
        long inode = NetNs.currentInode();
        LOCK.lock();
        try {
            LibNftables.Context ctx = CONTEXTS.get(inode);
            if (ctx == null) {
                ctx = new LibNftables.Context();
                CONTEXTS.put(inode, ctx);
            }
            libraryRuns++;
            return throughFile(ctx::run, script, options);
        } finally {
            LOCK.unlock();
        }
    }

    private static final AtomicLong SCRIPT_FILES = new AtomicLong();

    /**
     * A new 0600 file in the temp dir holding {@code script}. Not Files.createTempFile: its
     * SecureRandom costs a fresh JVM (a standalone plugin) a provider lookup that spins
     * method-handle classes (~3 ms); O_EXCL (CREATE_NEW) refuses a name someone else made, link
     * or file, and the next number is tried.
     */
    private static Path scriptFile(String script) {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"));
        String prefix = "cni4j-nft-" + ProcessHandle.current().pid() + "-";
        for (int attempt = 0; ; attempt++) {
            Path file = dir.resolve(prefix + SCRIPT_FILES.incrementAndGet() + ".nft");
            try (SeekableByteChannel ch = Files.newByteChannel(
                    file,
                    EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
                ByteBuffer bytes = ByteBuffer.wrap(script.getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) {
                    ch.write(bytes);
                }
                return file;
            } catch (FileAlreadyExistsException taken) {
                if (attempt >= 100) {
                    throw new UncheckedIOException("cannot create a file for an nft script in " + dir, taken);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create a file for an nft script", e);
            }
        }
    }

    /** A libnftables binding: runs a script, or a script file when {@code file} is not null. */
    @FunctionalInterface
    interface Library {
        Result run(String script, int outputFlags, Path file);
    }

    /**
     * Runs {@code script} through {@code library} as nft would: with output options from memory
     * ({@code nft OPTIONS SCRIPT}), else from a file, as {@code nft -f -} reads it, its name in
     * errors replaced by {@code /dev/stdin} as nft names it. Null when the library returns null.
     */
    static Result throughFile(Library library, String script, String... options) {
        int flags = flags(options);
        if (options.length > 0) {
            return library.run(script, flags, null);
        }
        Path file = scriptFile(script);
        try {
            Result r = library.run(script, flags, file);
            String prefix = file + ":";
            return r != null && r.stderr().contains(prefix)
                    ? new Result(r.exitCode(), r.stdout(), r.stderr().replace(prefix, STDIN + ":"))
                    : r;
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // a 0600 file in the temp dir; nothing else to do
            }
        }
    }

    private static int flags(String... options) {
        int flags = 0;
        for (String o : options) {
            switch (o) {
                case "-a", "--handle" -> flags |= LibNftables.OUTPUT_HANDLE;
                case "-j", "--json" -> flags |= LibNftables.OUTPUT_JSON;
                default -> throw new IllegalArgumentException("nft option not supported here: " + o);
            }
        }
        return flags;
    }

    /**
     * The exec form: {@code nft -f -} with the script on stdin (no argument size limit), or, with
     * output options, {@code nft OPTIONS SCRIPT}: nft 1.0.6 reads {@code -f} input as JSON when
     * {@code -j} is given and silently does nothing with text. The argument form is what
     * libnftables' {@code nft_run_cmd_from_buffer} runs, too.
     */
    private static List<String> command(String script, String... options) {
        List<String> c = new ArrayList<>(options.length + 3);
        c.add("nft");
        c.addAll(List.of(options));
        if (options.length == 0) {
            c.add("-f");
            c.add("-");
        } else {
            c.add(script);
        }
        return c;
    }

    private static String stdin(String script, String... options) {
        return options.length == 0 ? script : null;
    }
}
