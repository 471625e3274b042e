package dev.cni4j.plugins.hostlocal.kube;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * PEM certificates and private keys as kubeconfigs carry them: {@code CERTIFICATE} blocks, and
 * keys as {@code PRIVATE KEY} (PKCS#8: RSA, EC, Ed25519), {@code RSA PRIVATE KEY} (PKCS#1) or
 * {@code EC PRIVATE KEY} (SEC 1, with its named curve). The JDK reads only PKCS#8, so the other
 * two are wrapped into a PKCS#8 structure first. Encrypted keys are not supported.
 */
final class Pem {
    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
    /** AlgorithmIdentifier { rsaEncryption, NULL }. */
    private static final byte[] RSA_ALGORITHM = hex("300d06092a864886f70d0101010500");
    /** OID id-ecPublicKey; the curve OID follows it in the AlgorithmIdentifier. */
    private static final byte[] EC_PUBLIC_KEY_OID = hex("06072a8648ce3d0201");

    private static final byte[] VERSION_0 = hex("020100");

    private Pem() {}

    /** Every certificate in {@code pem}, at least one. */
    static List<X509Certificate> certificates(String pem) throws GeneralSecurityException {
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            for (var c : cf.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))) {
                out.add((X509Certificate) c);
            }
        } catch (CertificateException e) {
            throw new GeneralSecurityException("invalid PEM certificate: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new GeneralSecurityException("no PEM certificate found");
        }
        return out;
    }

    /** The first private key in {@code pem}. */
    static PrivateKey privateKey(String pem) throws GeneralSecurityException {
        Matcher m = BLOCK.matcher(pem);
        while (m.find()) {
            String type = m.group(1);
            String body = m.group(2);
            if (type.contains("ENCRYPTED") || body.contains("Proc-Type:")) {
                throw new GeneralSecurityException("encrypted private keys are not supported");
            }
            if (!type.endsWith("PRIVATE KEY")) {
                continue; // e.g. the EC PARAMETERS block openssl writes before an EC key
            }
            byte[] der = Base64.getMimeDecoder().decode(body.strip());
            return switch (type) {
                case "PRIVATE KEY" -> pkcs8(der);
                case "RSA PRIVATE KEY" ->
                    KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(wrap(RSA_ALGORITHM, der)));
                case "EC PRIVATE KEY" ->
                    KeyFactory.getInstance("EC")
                            .generatePrivate(
                                    new PKCS8EncodedKeySpec(wrap(tlv(0x30, EC_PUBLIC_KEY_OID, sec1Curve(der)), der)));
                default -> throw new GeneralSecurityException("unsupported PEM key type " + type);
            };
        }
        throw new GeneralSecurityException("no PEM private key found");
    }

    /** A PKCS#8 key of whichever algorithm the JDK recognises in it. */
    private static PrivateKey pkcs8(byte[] der) throws GeneralSecurityException {
        for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // not this algorithm; try the next
            }
        }
        throw new GeneralSecurityException("unsupported or invalid PKCS#8 private key");
    }

    /** PrivateKeyInfo ::= SEQUENCE { version 0, algorithm, OCTET STRING privateKey }. */
    private static byte[] wrap(byte[] algorithm, byte[] key) {
        return tlv(0x30, VERSION_0, algorithm, tlv(0x04, key));
    }

    /**
     * The named curve OID (whole TLV) of a SEC 1 key: ECPrivateKey ::= SEQUENCE { version,
     * OCTET STRING privateKey, [0] parameters OPTIONAL, [1] publicKey OPTIONAL }.
     */
    private static byte[] sec1Curve(byte[] der) throws GeneralSecurityException {
        try {
            int[] seq = header(der, 0);
            for (int pos = seq[0]; pos < seq[0] + seq[1]; ) {
                int[] h = header(der, pos);
                if ((der[pos] & 0xff) == 0xa0) {
                    return Arrays.copyOfRange(der, h[0], h[0] + h[1]);
                }
                pos = h[0] + h[1];
            }
        } catch (ArrayIndexOutOfBoundsException e) {
            throw new GeneralSecurityException("truncated EC private key");
        }
        throw new GeneralSecurityException("EC private key without its curve parameters");
    }

    /** {content offset, content length} of the DER element at {@code pos}. */
    private static int[] header(byte[] der, int pos) throws GeneralSecurityException {
        int len = der[pos + 1] & 0xff;
        int at = pos + 2;
        if (len > 0x80 && len <= 0x83) {
            int n = len & 0x7f;
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (der[at++] & 0xff);
            }
        } else if (len >= 0x80) {
            throw new GeneralSecurityException("unsupported DER length");
        }
        return new int[] {at, len};
    }

    private static byte[] tlv(int tag, byte[]... parts) {
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            content.writeBytes(p);
        }
        int n = content.size();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        if (n < 0x80) {
            out.write(n);
        } else {
            int bytes = n < 0x100 ? 1 : n < 0x10000 ? 2 : 3;
            out.write(0x80 | bytes);
            for (int i = bytes - 1; i >= 0; i--) {
                out.write(n >>> (8 * i));
            }
        }
        out.writeBytes(content.toByteArray());
        return out.toByteArray();
    }

    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }
}
