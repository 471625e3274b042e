package dev.cni4j.agent.policy;

/** The transport protocols a NetworkPolicy port names; TCP when a port says none. */
public enum Protocol {
    TCP(6, "tcp"),
    UDP(17, "udp"),
    SCTP(132, "sctp");

    private final int number;
    private final String nftName;

    Protocol(int number, String nftName) {
        this.number = number;
        this.nftName = nftName;
    }

    /** The IP protocol number (6, 17, 132). */
    public int number() {
        return number;
    }

    /** The keyword nft uses for it ({@code meta l4proto tcp}). */
    public String nftName() {
        return nftName;
    }

    /** The API's spelling ("TCP", "UDP", "SCTP"; null means TCP), or null when it is none of them. */
    public static Protocol fromApi(String text) {
        if (text == null) {
            return TCP;
        }
        return switch (text) {
            case "TCP" -> TCP;
            case "UDP" -> UDP;
            case "SCTP" -> SCTP;
            default -> null;
        };
    }
}
