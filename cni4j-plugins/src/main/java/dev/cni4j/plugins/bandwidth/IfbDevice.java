package dev.cni4j.plugins.bandwidth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Names of the ifb devices that carry a pod's egress traffic: {@code bwp} + the first 12 hex
 * digits of sha512(networkName + containerID), 15 characters, exactly as the reference names
 * them so either implementation can clean up after the other.
 */
public final class IfbDevice {
    /** Prefix of every ifb this plugin creates. */
    public static final String PREFIX = "bwp";

    static final int MAX_NAME = 15;

    private IfbDevice() {}

    /** The ifb name of one attachment. */
    public static String name(String networkName, String containerId) {
        return PREFIX + sha512Hex(networkName + containerId).substring(0, MAX_NAME - PREFIX.length());
    }

    static String sha512Hex(String s) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-512").digest(s.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
