package dev.cni4j.plugins.portmap;

import dev.cni4j.testing.TestNetworks;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Tiny TCP and UDP servers and clients whose sockets are created inside a given namespace (a
 * socket belongs to the namespace of the thread that creates it, and can then be used from any
 * thread). Servers answer "NAME:request"; clients have bounded timeouts and return null on failure.
 */
final class Echo implements AutoCloseable {
    static final int TIMEOUT_MS = 1500;
    private final List<AutoCloseable> open = new ArrayList<>();
    private final TestNetworks net;

    Echo(TestNetworks net) {
        this.net = net;
    }

    void tcpServer(Path ns, String name, int port) {
        tcpServer(ns, name, port, false);
    }

    /** A server answering with the address the connection came from (to see masquerading). */
    void tcpWhoAmIServer(Path ns, int port) {
        tcpServer(ns, null, port, true);
    }

    private void tcpServer(Path ns, String name, int port, boolean whoAmI) {
        ServerSocket ss;
        try {
            ss = net.runIn(ns, () -> {
                ServerSocket s = new ServerSocket();
                s.setReuseAddress(true);
                s.bind(new InetSocketAddress(port));
                return s;
            });
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        open.add(ss);
        Thread.ofVirtual().start(() -> {
            while (!ss.isClosed()) {
                try (Socket c = ss.accept()) {
                    c.setSoTimeout(TIMEOUT_MS);
                    String line = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8))
                            .readLine();
                    String reply = whoAmI
                            ? ((InetSocketAddress) c.getRemoteSocketAddress())
                                    .getAddress()
                                    .getHostAddress()
                            : name + ":" + line;
                    c.getOutputStream().write((reply + "\n").getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // closed or a client gave up
                }
            }
        });
    }

    void udpServer(Path ns, String name, int port) {
        DatagramSocket ds;
        try {
            ds = net.runIn(ns, () -> new DatagramSocket(port));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        open.add(ds);
        Thread.ofVirtual().start(() -> {
            byte[] buf = new byte[512];
            while (!ds.isClosed()) {
                try {
                    DatagramPacket p = new DatagramPacket(buf, buf.length);
                    ds.receive(p);
                    byte[] reply = (name + ":" + new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8))
                            .getBytes(StandardCharsets.UTF_8);
                    ds.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
                } catch (IOException e) {
                    // closed
                }
            }
        });
    }

    /** The server's answer to "ping" over TCP, or null. */
    String tcp(Path from, String ip, int port) {
        // SocketChannel.open() creates the fd at once, inside the namespace; new Socket() would
        // create it lazily at connect(), in the calling thread's namespace.
        try (SocketChannel ch = net.runIn(from, SocketChannel::open);
                Socket s = ch.socket()) {
            s.connect(new InetSocketAddress(ip, port), TIMEOUT_MS);
            s.setSoTimeout(TIMEOUT_MS);
            OutputStream out = s.getOutputStream();
            out.write("ping\n".getBytes(StandardCharsets.UTF_8));
            return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
        } catch (IOException e) {
            return null;
        }
    }

    /** The server's answer to "ping" over UDP, or null; {@code sourcePort} 0 for any. */
    String udp(Path from, String ip, int port, int sourcePort) {
        try (DatagramSocket s = net.runIn(from, () -> new DatagramSocket(sourcePort))) {
            s.setSoTimeout(TIMEOUT_MS);
            byte[] msg = "ping".getBytes(StandardCharsets.UTF_8);
            s.send(new DatagramPacket(msg, msg.length, new InetSocketAddress(ip, port)));
            DatagramPacket p = new DatagramPacket(new byte[512], 512);
            s.receive(p);
            return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        for (AutoCloseable c : open) {
            try {
                c.close();
            } catch (Exception e) {
                // best effort
            }
        }
    }
}
