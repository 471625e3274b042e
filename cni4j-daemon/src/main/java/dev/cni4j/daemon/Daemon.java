package dev.cni4j.daemon;

import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.firewall.Nft;
import dev.cni4j.node.NodeLayout;
import dev.cni4j.plugins.common.Killpoint;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The resident fast path: a node daemon that runs CNI plugin requests sent by the
 * {@code dist/bin/<type>} launchers over a Unix socket, with code that is already loaded and
 * compiled, instead of a fresh JVM per exec.
 *
 * <p>Security: the socket lives in a root-owned 0700 directory and is 0600, and every peer's
 * credentials (SO_PEERCRED) must be root. It serves only clients in its own network namespace
 * (plugins act on the runtime's namespace) and, by default, its own mount namespace (plugins
 * resolve {@code CNI_NETNS} and data paths there); others are declined and their launcher runs
 * the standalone plugin. With {@link Options#otherMountNamespaces} (the node agent in its
 * container, whose host paths are mounted at the same places) a client in another mount
 * namespace is served too: its {@code CNI_NETNS} is reached through the launcher's open fd,
 * {@code /proc/<pid>/fd/<n>}, once that pid is verified to be in the client's namespaces.
 * Requests are read by one selector thread ({@link RequestReader}), so idle connections cost no
 * thread; each request read runs on its own platform thread, so a slow pod never blocks another
 * and namespace switches inside plugins cannot leak between requests.
 *
 * <p>Usage: {@code cni4j-daemon [--socket PATH] [--max-requests N] [--idle-exit SECONDS] [--no-warm-up]
 * [--warm-up-in-namespaces] [--exec-nft] [--other-mount-namespaces]};
 * the socket defaults to {@code $CNI4J_SOCKET}, else {@value NodeLayout#SOCKET}. Requests beyond
 * {@code --max-requests} at once (default 64) are declined, so their launchers run standalone.
 *
 * <p>Socket activation: when standard input is a listening Unix socket (systemd's
 * {@code StandardInput=socket} with {@code Accept=no}, the units {@code cni4j install} writes),
 * the daemon serves that socket instead of binding one (the same directory and mode checks), leaves
 * it in place when it stops, and exits after {@code --idle-exit} seconds without a connection
 * (default {@value #SOCKET_ACTIVATED_IDLE_EXIT} when socket-activated, never otherwise; 0: never).
 * Connections that arrive meanwhile wait in the socket's queue, and systemd starts the daemon again.
 */
public final class Daemon implements AutoCloseable {
    /** Seconds without a connection after which a socket-activated daemon exits. */
    public static final int SOCKET_ACTIVATED_IDLE_EXIT = 60;
    /** How long a client may take to send its request, or to take the reply, before it is dropped. */
    static final Duration IO_TIMEOUT = Duration.ofSeconds(5);

    private static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> SOCKET_MODE = PosixFilePermissions.fromString("rw-------");

    private final Path socket;
    private final boolean ownsSocket; // false when inherited: the socket file is systemd's
    private final ServerSocketChannel server;
    private final RequestRunner runner;
    private final Semaphore slots;
    private final int maxRequests;
    private final ScheduledExecutorService timeouts;
    private final PrintStream log;
    private final RequestReader reader;
    private final Thread acceptor;
    private final AtomicInteger requestsInProgress = new AtomicInteger(); // for the idle exit
    /**
     * Request threads, reused (starting one cost ~0.1 ms per call). Platform threads: plugins
     * block in the kernel and switch namespaces (NetNs.run switches back, or ends the process).
     */
    private final ExecutorService requestThreads = new ThreadPoolExecutor(
            0,
            Integer.MAX_VALUE,
            5, // reuse matters within a burst of calls; an idle thread kept costs memory
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            Thread.ofPlatform().name("cni4j-request").daemon(true).factory()); // close() waits for requests

    private volatile long lastActivity = System.nanoTime(); // the last accept or finished request

    private final NetNs nodeNetns;

    /**
     * How a daemon serves.
     *
     * @param socket               the Unix socket to bind
     * @param maxRequests          requests at once; more are declined (their launchers run standalone)
     * @param log                  where one line per request and problems go
     * @param nodeNetns            the network namespace plugins run in and clients must be in, null
     *                             for the starting thread's (tests run one agent per node namespace)
     * @param otherMountNamespaces serve clients in other mount namespaces (see the class comment)
     * @param observer             told of every request, for metrics
     */
    public record Options(
            Path socket,
            int maxRequests,
            PrintStream log,
            Path nodeNetns,
            boolean otherMountNamespaces,
            RequestObserver observer) {
        /** Defaults: 64 requests at once, log to stderr, this thread's namespaces, no observer. */
        public static Options of(Path socket) {
            return new Options(socket, 64, System.err, null, false, RequestObserver.NONE);
        }
    }

    private Daemon(Path socket, boolean ownsSocket, Options o, ServerSocketChannel server, NetNs nodeNetns)
            throws IOException {
        this.socket = socket;
        this.ownsSocket = ownsSocket;
        this.server = server;
        this.maxRequests = o.maxRequests();
        this.slots = new Semaphore(maxRequests);
        this.log = o.log();
        this.nodeNetns = nodeNetns;
        this.timeouts = Executors.newSingleThreadScheduledExecutor(
                r -> Thread.ofPlatform().daemon().name("cni4j-timeouts").unstarted(r));
        Namespaces served = nodeNetns == null ? Namespaces.ofCurrentThread() : Namespaces.of(nodeNetns.path());
        this.runner = new RequestRunner(
                served, nodeNetns, o.otherMountNamespaces(), rootUser(), slots, timeouts, log, o.observer());
        this.reader = new RequestReader(IO_TIMEOUT, this::serveOnItsThread, runner::decline, log);
        this.acceptor = Thread.ofPlatform().name("cni4j-accept").unstarted(this::acceptLoop);
    }

    static final String USAGE =
            "usage: cni4j-daemon [--socket PATH] [--max-requests N] [--idle-exit SECONDS] [--no-warm-up]"
                    + " [--warm-up-in-namespaces] [--exec-nft] [--other-mount-namespaces]";

    public static void main(String[] args) throws InterruptedException {
        System.exit(
                run(args, System.getenv().getOrDefault("CNI4J_SOCKET", ""), System.getenv(Killpoint.ENV), System.err));
    }

    static int run(String[] args, String socketFromEnv, PrintStream err) throws InterruptedException {
        return run(args, socketFromEnv, null, err);
    }

    /**
     * Parses the command line, checks the socket directory, warms up, serves until stopped.
     * A problem (a bad option, a socket directory with the wrong owner or mode, another daemon on
     * the socket) is one line on {@code err} and status 1 (2 for usage), never a stack trace.
     *
     * <p>{@code killpoint}, a test hook: the daemon process's own {@value Killpoint#ENV} (never a
     * request's), armed once the warm-up is done, so that the daemon SIGKILLs itself at that
     * point of an ADD it serves ({@code FaultExecTest}: the fast path killed mid-call).
     */
    static int run(String[] args, String socketFromEnv, String killpoint, PrintStream err) throws InterruptedException {
        String path = socketFromEnv;
        int max = 64;
        boolean warmUp = true;
        boolean warmUpInNamespaces = false;
        boolean libnftables = true;
        boolean otherMounts = false;
        int idleExit = -1;
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--socket" -> path = args[++i];
                    case "--max-requests" -> max = Integer.parseInt(args[++i]);
                    case "--idle-exit" -> idleExit = Integer.parseInt(args[++i]);
                    case "--no-warm-up" -> warmUp = false;
                    case "--warm-up-in-namespaces" -> warmUpInNamespaces = true;
                    case "--exec-nft" -> libnftables = false;
                    case "--other-mount-namespaces" -> otherMounts = true;
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (max < 1) {
                throw new IllegalArgumentException("--max-requests must be at least 1");
            }
        } catch (IllegalArgumentException | ArrayIndexOutOfBoundsException e) {
            err.println("cni4j-daemon: "
                    + (e instanceof ArrayIndexOutOfBoundsException ? "an option lacks its value" : e.getMessage())
                    + "\n" + USAGE);
            return 2;
        }
        if (path.isEmpty()) {
            path = NodeLayout.SOCKET;
        }
        long t0 = System.nanoTime();
        Daemon daemon;
        String nft;
        ServerSocketChannel inherited;
        try {
            inherited = inheritedSocket();
            // Refused before the seconds of warm-up, not after.
            prepareDirectory(
                    inherited != null
                            ? inheritedPath(inherited).getParent()
                            : Path.of(path).toAbsolutePath().getParent());
            if (warmUp) {
                WarmUp.run(); // before the socket exists (launchers run standalone), or, socket-activated, the first
                // call waits
            }
            if (warmUpInNamespaces) {
                WarmUp.inNamespaces();
            }
            nft = libnftables ? useLibNftables() : "nft exec'd";
            Killpoint.arm(killpoint); // after the warm-up: its calls in namespaces reach kill points too
            Options options = new Options(Path.of(path), max, err, null, otherMounts, RequestObserver.NONE);
            daemon = inherited != null ? serve(inherited, options) : start(options);
            if (warmUp) {
                daemon.callItself(); // the connection path is cold too: SO_PEERCRED, the first thread
            }
        } catch (IOException | RuntimeException e) {
            err.println("cni4j-daemon: " + (e.getMessage() == null ? e.toString() : e.getMessage()).replace('\n', ' '));
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(daemon::close, "cni4j-shutdown"));
        String idle = "";
        if (idleExit < 0 && inherited != null) {
            idleExit = SOCKET_ACTIVATED_IDLE_EXIT;
        }
        if (idleExit > 0) {
            daemon.stopWhenIdle(Duration.ofSeconds(idleExit));
            idle = "; exits after " + idleExit + " s idle";
        }
        err.printf(
                "cni4j-daemon: serving %s (%sready in %d ms; %s%s)%n",
                daemon.socket,
                inherited != null ? "socket-activated, " : "",
                (System.nanoTime() - t0) / 1_000_000,
                nft,
                idle);
        daemon.acceptor.join();
        return 0;
    }

    /**
     * nft scripts in-process through libnftables instead of a fork of {@code nft} per script; its
     * context for this (the node's) namespace is created now (~13 ms). After the warm-up in
     * namespaces, so no context is left for those. Standalone plugins keep exec'ing nft.
     */
    public static String useLibNftables() {
        try {
            Nft.useLibrary(true);
            Nft.Result r = Nft.tryRun("list tables", "-j");
            return r.ok()
                    ? "nft through libnftables"
                    : "nft through libnftables (first call: " + r.stderr().trim() + ")";
        } catch (RuntimeException e) {
            Nft.useLibrary(false);
            return "nft exec'd: " + e.getMessage();
        }
    }

    /**
     * Loads and compiles the plugins' common paths (VERSION, config parsing, error paths, the
     * first FFM calls), changing nothing: worth a second or two before the first pod is served.
     */
    public static void warmUp() {
        WarmUp.run();
    }

    /** Binds the socket (creating its 0700 directory if needed) and starts accepting. */
    public static Daemon start(Path socket, int maxRequests, PrintStream log) throws IOException {
        return start(new Options(socket, maxRequests, log, null, false, RequestObserver.NONE));
    }

    /**
     * The listening Unix socket on standard input (systemd's {@code StandardInput=socket}), or null
     * when standard input is anything else.
     */
    static ServerSocketChannel inheritedSocket() throws IOException {
        Channel in = System.inheritedChannel();
        if (in instanceof ServerSocketChannel s && s.getLocalAddress() instanceof UnixDomainSocketAddress) {
            return s;
        }
        return null;
    }

    private static Path inheritedPath(ServerSocketChannel listening) throws IOException {
        Path socket = ((UnixDomainSocketAddress) listening.getLocalAddress())
                .getPath()
                .toAbsolutePath();
        if (socket.getParent() == null || !Files.exists(socket.getParent(), LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("inherited socket " + socket + " is not in a directory (unbound or abstract?)");
        }
        return socket;
    }

    /**
     * Serves an already bound and listening socket (socket activation) and starts accepting. The
     * socket's directory must be root's with mode 0700 (as {@link #start} makes it); the socket is
     * made 0600. {@code options.socket()} is not used, and {@link #close} leaves the socket in place.
     */
    public static Daemon serve(ServerSocketChannel listening, Options options) throws IOException {
        Path socket = inheritedPath(listening);
        prepareDirectory(socket.getParent());
        Files.setPosixFilePermissions(socket, SOCKET_MODE);
        NetNs nodeNetns = options.nodeNetns() == null ? null : NetNs.open(options.nodeNetns());
        return begin(socket, false, options, listening, nodeNetns);
    }

    /** Binds the socket (creating its 0700 directory if needed) and starts accepting. */
    public static Daemon start(Options options) throws IOException {
        Path socket = options.socket().toAbsolutePath();
        prepareDirectory(socket.getParent());
        removeStaleSocket(socket);
        NetNs nodeNetns = options.nodeNetns() == null ? null : NetNs.open(options.nodeNetns());
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            server.bind(UnixDomainSocketAddress.of(socket), 128);
            Files.setPosixFilePermissions(socket, SOCKET_MODE);
        } catch (IOException e) {
            server.close();
            if (nodeNetns != null) {
                nodeNetns.close();
            }
            throw e;
        }
        return begin(socket, true, options, server, nodeNetns);
    }

    private static Daemon begin(
            Path socket, boolean ownsSocket, Options options, ServerSocketChannel server, NetNs nodeNetns)
            throws IOException {
        Daemon d;
        try {
            d = new Daemon(socket, ownsSocket, options, server, nodeNetns);
        } catch (IOException e) {
            server.close();
            if (nodeNetns != null) {
                nodeNetns.close();
            }
            throw e;
        }
        d.reader.start();
        d.acceptor.start();
        return d;
    }

    private void callItself() throws IOException {
        Namespaces ns = Namespaces.ofCurrentThread();
        FastPathProtocol.Request version = new FastPathProtocol.Request(
                ns.net(),
                ns.mnt(),
                "loopback",
                Map.of("CNI_COMMAND", "VERSION", "CNI_CONTAINERID", "self-check"),
                "{\"cniVersion\":\"1.1.0\"}".getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 20; i++) {
            try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                ch.write(FastPathProtocol.encode(version));
                ch.shutdownOutput();
                while (ch.read(ByteBuffer.allocate(4096)) >= 0) {
                    // drain the reply
                }
            }
        }
    }

    /** The socket path. */
    public Path socket() {
        return socket;
    }

    /**
     * Stops accepting once nothing has happened for {@code idle} (no accept, no request in progress;
     * checked every second); new connections then wait in the socket's queue for the next daemon.
     */
    public void stopWhenIdle(Duration idle) {
        timeouts.scheduleWithFixedDelay(
                () -> {
                    if (requestsInProgress.get() == 0
                            && System.nanoTime() - lastActivity >= idle.toNanos()
                            && server.isOpen()) {
                        log.printf("cni4j-daemon: no connection for %d s, exiting%n", idle.toSeconds());
                        try {
                            server.close(); // the accept loop ends, and with it main
                        } catch (IOException e) {
                            log.println("cni4j-daemon: close: " + e.getMessage());
                        }
                    }
                },
                1,
                1,
                TimeUnit.SECONDS);
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (AsynchronousCloseException e) {
                return;
            } catch (IOException e) {
                log.println("cni4j-daemon: accept failed: " + e.getMessage());
                continue;
            }
            lastActivity = System.nanoTime();
            if (runner.admit(client)) {
                reader.read(client); // no thread until the whole request is there
            }
        }
    }

    /** One thread per request being served (the number is bounded by the runner's slots). */
    private void serveOnItsThread(SocketChannel client, FastPathProtocol.Request request) {
        requestsInProgress.incrementAndGet();
        requestThreads.execute(() -> {
            try {
                runner.serve(client, request);
            } finally {
                lastActivity = System.nanoTime();
                requestsInProgress.decrementAndGet();
            }
        });
    }

    /**
     * Stops accepting, removes the socket (unless inherited), and waits (up to 30 s) for requests
     * in progress.
     */
    @Override
    public void close() {
        try {
            server.close();
            if (ownsSocket) {
                Files.deleteIfExists(socket);
            }
        } catch (IOException e) {
            log.println("cni4j-daemon: close: " + e.getMessage());
        }
        reader.close();
        try {
            if (slots.tryAcquire(maxRequests, 30, TimeUnit.SECONDS)) {
                slots.release(maxRequests);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        timeouts.shutdownNow();
        requestThreads.shutdown();
        if (nodeNetns != null) {
            nodeNetns.close();
        }
    }

    private static void prepareDirectory(Path dir) throws IOException {
        UserPrincipal root = rootUser();
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, DIR_MODE);
        }
        // An existing directory is never chmod-ed (it might be /tmp): it must already be right.
        String rule = "socket directory " + dir + " must be a directory owned by root with mode 0700";
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(rule + " (it is not a directory)");
        }
        UserPrincipal owner = Files.getOwner(dir, LinkOption.NOFOLLOW_LINKS);
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
        if (!root.equals(owner) || !DIR_MODE.equals(mode)) {
            throw new IOException(rule + " (it is owned by " + owner.getName() + " with mode "
                    + PosixFilePermissions.toString(mode) + ")");
        }
    }

    private static void removeStaleSocket(Path socket) throws IOException {
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        boolean alive;
        try (var _ = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
            alive = true;
        } catch (IOException e) {
            alive = false;
        }
        if (alive) {
            throw new IOException("another daemon is serving " + socket);
        }
        Files.delete(socket); // nobody listens: left by a daemon that died
    }

    static UserPrincipal rootUser() {
        try {
            return Path.of("/").getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("root");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
