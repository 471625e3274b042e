package dev.cni4j.linux;

/**
 * Datagram transport under a netlink socket: {@link NetlinkChannel} for the kernel, or a fake in
 * tests of the receive loop.
 */
public interface NetlinkTransport extends AutoCloseable {
    /** The port id replies are addressed to. */
    int portId();

    /** Sends one datagram. */
    void send(byte[] message, int length);

    /** Receives one datagram into {@code into}, returning its length. */
    int receive(byte[] into);

    /** setsockopt with an int value (fakes may ignore it). */
    void setOption(int level, int option, int value);

    @Override
    void close();
}
