package dev.cni4j.plugins.hostlocal.kube;

import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The TLS context of a {@link Kubeconfig}: its client certificate as the key material; as trust,
 * its certificate authority, nothing at all ({@code insecure-skip-tls-verify}) or the JDK's
 * default roots.
 */
final class KubeTls {
    private static final char[] NO_PASSWORD = new char[0];

    private KubeTls() {}

    static SSLContext context(Kubeconfig config) throws GeneralSecurityException {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(keyManagers(config), trustManagers(config), null);
        return ctx;
    }

    private static KeyManager[] keyManagers(Kubeconfig config) throws GeneralSecurityException {
        if (config.clientCertPem() == null) {
            return null;
        }
        List<X509Certificate> chain = Pem.certificates(config.clientCertPem());
        PrivateKey key = Pem.privateKey(config.clientKeyPem());
        KeyStore ks = emptyKeyStore();
        ks.setKeyEntry("client", key, NO_PASSWORD, chain.toArray(X509Certificate[]::new));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, NO_PASSWORD);
        return kmf.getKeyManagers();
    }

    private static TrustManager[] trustManagers(Kubeconfig config) throws GeneralSecurityException {
        if (config.insecure()) {
            return new TrustManager[] {new TrustAnything()};
        }
        if (config.caPem() == null) {
            return null; // the JDK's roots, as kubectl uses the system's
        }
        KeyStore ks = emptyKeyStore();
        List<X509Certificate> cas = Pem.certificates(config.caPem());
        for (int i = 0; i < cas.size(); i++) {
            ks.setCertificateEntry("ca-" + i, cas.get(i));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        return tmf.getTrustManagers();
    }

    private static KeyStore emptyKeyStore() throws GeneralSecurityException {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try {
            ks.load(null, null);
        } catch (java.io.IOException e) {
            throw new GeneralSecurityException(e);
        }
        return ks;
    }

    /**
     * Accepts any server certificate. Extended, so that the JDK does not add its own host name
     * check around it: {@code insecure-skip-tls-verify} skips that too.
     */
    private static final class TrustAnything extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
