package dev.cni4j.linux.rtnl;

/** MAC address text form "aa:bb:cc:dd:ee:ff" to and from bytes. */
public final class Mac {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Mac() {}

    public static String format(byte[] b) {
        if (b == null || b.length == 0) {
            return null;
        }
        char[] c = new char[b.length * 3 - 1];
        for (int i = 0; i < b.length; i++) {
            if (i > 0) {
                c[i * 3 - 1] = ':';
            }
            c[i * 3] = HEX[(b[i] >> 4) & 0xf];
            c[i * 3 + 1] = HEX[b[i] & 0xf];
        }
        return new String(c);
    }

    /** Parses six colon-separated hex octets. */
    public static byte[] parse(String mac) {
        if (mac.length() != 17) {
            throw new IllegalArgumentException("invalid MAC address: \"" + mac + "\"");
        }
        byte[] b = new byte[6];
        for (int i = 0; i < 6; i++) {
            int hi = Character.digit(mac.charAt(i * 3), 16), lo = Character.digit(mac.charAt(i * 3 + 1), 16);
            if (hi < 0 || lo < 0 || (i < 5 && mac.charAt(i * 3 + 2) != ':')) {
                throw new IllegalArgumentException("invalid MAC address: \"" + mac + "\"");
            }
            b[i] = (byte) (hi << 4 | lo);
        }
        return b;
    }
}
