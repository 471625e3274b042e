package dev.cni4j.plugins.hostlocal.kube;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import org.junit.jupiter.api.Test;

/** Private keys in the PEM forms kubeconfigs carry (fixtures made with openssl 3). */
class PemTest {
    private static String fixture(String name) throws IOException {
        try (InputStream in = PemTest.class.getResourceAsStream("keys/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void rsaPkcs1IsTheSameKeyAsItsPkcs8Form() throws Exception {
        RSAPrivateCrtKey pkcs1 = (RSAPrivateCrtKey) Pem.privateKey(fixture("rsa-pkcs1.pem"));
        RSAPrivateCrtKey pkcs8 = (RSAPrivateCrtKey) Pem.privateKey(fixture("rsa-pkcs8.pem"));
        assertEquals(pkcs8.getModulus(), pkcs1.getModulus());
        assertEquals(pkcs8.getPrivateExponent(), pkcs1.getPrivateExponent());
    }

    @Test
    void ecSec1WithItsParametersBlockIsTheSameKeyAsItsPkcs8Form() throws Exception {
        ECPrivateKey sec1 = (ECPrivateKey) Pem.privateKey(fixture("ec-sec1.pem"));
        ECPrivateKey pkcs8 = (ECPrivateKey) Pem.privateKey(fixture("ec-pkcs8.pem"));
        assertEquals(pkcs8.getS(), sec1.getS());
        assertEquals(pkcs8.getParams().getCurve(), sec1.getParams().getCurve());
    }

    @Test
    void ed25519Pkcs8() throws Exception {
        PrivateKey k = Pem.privateKey(fixture("ed25519-pkcs8.pem"));
        assertEquals("EdDSA", k.getAlgorithm());
    }

    @Test
    void encryptedMissingAndGarbledKeysAreRefused() {
        assertThrows(
                GeneralSecurityException.class,
                () -> Pem.privateKey(
                        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n"));
        assertThrows(GeneralSecurityException.class, () -> Pem.privateKey("no key here"));
        assertThrows(
                GeneralSecurityException.class,
                () -> Pem.privateKey("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"));
        assertThrows(
                GeneralSecurityException.class,
                () -> Pem.privateKey("-----BEGIN EC PRIVATE KEY-----\nMAA=\n-----END EC PRIVATE KEY-----\n"));
        assertThrows(GeneralSecurityException.class, () -> Pem.certificates("no certificate"));
    }
}
