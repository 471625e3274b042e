package dev.cni4j.plugins.hostlocal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * usePodCidr from the Kubernetes API over TLS, and the API's refusals and silences, against a
 * small JDK HTTPS stand-in on 127.0.0.1: a self-signed serving certificate for IP 127.0.0.1
 * (made by keytool), a bearer token or a client certificate required, and a socket that never
 * answers.
 */
class KubernetesApiTlsTest {
    private static final String TOKEN = "calico-cni-token";
    private static final char[] PASSWORD = "changeit".toCharArray();
    private static final String NODE = """
            {"kind": "Node", "apiVersion": "v1", "metadata": {"name": "dual"},
             "spec": {"podCIDR": "10.244.2.0/24", "podCIDRs": ["10.244.2.0/24", "fd00:10:244:2::/64"]}}
            """;

    @TempDir
    static Path certs;

    @TempDir
    Path tmp;

    private static HttpsServer server;
    private static String serverCaPem;
    private static String otherCaPem;
    private static String clientCertPem;
    private static String clientKeyPem;
    /** What the stand-in saw of each request: "token" or "cert:<subject>". */
    private static final List<String> seen = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startApi() throws Exception {
        KeyStore serverKs = keyPair("api", "CN=kube-apiserver", "EC", "ip:127.0.0.1");
        KeyStore clientKs = keyPair("client", "CN=system:node:dual,O=system:nodes", "RSA", null);
        serverCaPem = pem("CERTIFICATE", serverKs.getCertificate("api").getEncoded());
        otherCaPem = pem(
                "CERTIFICATE",
                keyPair("other", "CN=some-other-ca", "EC", "ip:127.0.0.1")
                        .getCertificate("other")
                        .getEncoded());
        clientCertPem = pem("CERTIFICATE", clientKs.getCertificate("client").getEncoded());
        clientKeyPem = pem("PRIVATE KEY", clientKs.getKey("client", PASSWORD).getEncoded());

        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(serverKs, PASSWORD);
        KeyStore clients = KeyStore.getInstance("PKCS12");
        clients.load(null, null);
        clients.setCertificateEntry("client", clientKs.getCertificate("client"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(clients);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);

        server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls) {
            @Override
            public void configure(HttpsParameters params) {
                params.setWantClientAuth(true); // a token or a client certificate, as the API server
            }
        });
        server.createContext("/api/v1/nodes/", KubernetesApiTlsTest::serve);
        server.start();
    }

    private static void serve(HttpExchange ex) throws IOException {
        String who = null;
        if (("Bearer " + TOKEN).equals(ex.getRequestHeaders().getFirst("Authorization"))) {
            who = "token";
        } else {
            try {
                Certificate[] peer = ((HttpsExchange) ex).getSSLSession().getPeerCertificates();
                who = "cert:"
                        + ((X509Certificate) peer[0]).getSubjectX500Principal().getName();
            } catch (SSLPeerUnverifiedException e) {
                // neither: refused below
            }
        }
        seen.add(String.valueOf(who));
        String path = ex.getRequestURI().getPath();
        int status = who == null
                ? 401
                : path.equals("/api/v1/nodes/dual") ? 200 : path.equals("/api/v1/nodes/busy") ? 503 : 404;
        String body = status == 200
                ? NODE
                : """
                {"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": "%s", "code": %d}
                """.formatted(
                        status == 401 ? "Unauthorized" : status == 503 ? "etcd is busy" : "nodes not found", status);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
        ex.close();
    }

    @AfterAll
    static void stopApi() {
        server.stop(0);
    }

    /** A self-signed key pair made by the JDK's keytool, loaded back. */
    private static KeyStore keyPair(String alias, String dname, String alg, String san) throws Exception {
        Path ks = certs.resolve(alias + ".p12");
        List<String> cmd = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                alias,
                "-dname",
                dname,
                "-keyalg",
                alg,
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                ks.toString(),
                "-storepass",
                "changeit",
                "-keypass",
                "changeit"));
        if (san != null) {
            cmd.addAll(List.of("-ext", "san=" + san));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(ks)) {
            store.load(in, PASSWORD);
        }
        return store;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private String https() {
        return "server: https://127.0.0.1:" + server.getAddress().getPort();
    }

    private Cni.Outcome add(Path kubeconfig) {
        String conf = KubeApi.calicoConfig("1.0.0", tmp, "dual", kubeconfig, "\"subnet\": \"usePodCidr\"");
        return Cni.run(new HostLocal(), "ADD", conf, "c1", "eth0", Map.of());
    }

    private static List<String> addresses(Cni.Outcome o) {
        assertTrue(o.ok(), o.stdout());
        return o.json().objects("ips").stream().map(j -> j.string("address")).toList();
    }

    @Test
    void caDataAndToken() {
        seen.clear();
        Path kc = KubeApi.kubeconfig(
                tmp, https() + "\ncertificate-authority-data: " + b64(serverCaPem), "token: " + TOKEN);
        assertEquals(List.of("10.244.2.2/24", "fd00:10:244:2::2/64"), addresses(add(kc)));
        assertEquals(List.of("token"), seen);
    }

    @Test
    void caFileRelativeToTheKubeconfig() {
        KubeApi.write(tmp.resolve("ca.crt"), otherCaPem + serverCaPem); // a bundle
        Path kc = KubeApi.kubeconfig(tmp, https() + "\ncertificate-authority: ca.crt", "token: " + TOKEN);
        assertEquals(List.of("10.244.2.2/24", "fd00:10:244:2::2/64"), addresses(add(kc)));
    }

    @Test
    void clientCertificateWithoutToken() {
        seen.clear();
        Path kc = KubeApi.kubeconfig(
                tmp,
                https() + "\ncertificate-authority-data: " + b64(serverCaPem),
                "client-certificate-data: " + b64(clientCertPem) + "\nclient-key-data: " + b64(clientKeyPem));
        assertTrue(add(kc).ok());
        assertEquals(List.of("cert:CN=system:node:dual,O=system:nodes"), seen);

        KubeApi.write(tmp.resolve("pki/node.crt"), clientCertPem);
        KubeApi.write(tmp.resolve("pki/node.key"), clientKeyPem);
        Path files = KubeApi.kubeconfig(
                tmp,
                https() + "\ncertificate-authority-data: " + b64(serverCaPem),
                "client-certificate: " + tmp.resolve("pki/node.crt") + "\nclient-key: pki/node.key");
        assertTrue(Cni.run(
                        new HostLocal(),
                        "ADD",
                        KubeApi.calicoConfig("1.0.0", tmp, "dual", files, "\"subnet\": \"usePodCidr\""),
                        "c2",
                        "eth0",
                        Map.of())
                .ok());
    }

    @Test
    void insecureSkipTlsVerifyTrustsAnyServer() {
        Path kc = KubeApi.kubeconfig(tmp, https() + "\ninsecure-skip-tls-verify: true", "token: " + TOKEN);
        assertEquals(List.of("10.244.2.2/24", "fd00:10:244:2::2/64"), addresses(add(kc)));
    }

    @Test
    void anUntrustedServerIsNotTalkedTo() {
        seen.clear();
        Path kc = KubeApi.kubeconfig(
                tmp, https() + "\ncertificate-authority-data: " + b64(otherCaPem), "token: " + TOKEN);
        Cni.Outcome o = add(kc);
        assertEquals(11, o.code());
        assertTrue(o.msg().startsWith("usePodCidr: cannot reach the Kubernetes API at https://127.0.0.1:"), o.msg());
        assertTrue(o.msg().contains("SSLHandshakeException"), o.msg());
        assertEquals(List.of(), seen, "no request got through");
        assertFalse(Files.exists(tmp.resolve("data")));
    }

    @Test
    void refusedCredentialsAreABadConfig() {
        Path kc =
                KubeApi.kubeconfig(tmp, https() + "\ncertificate-authority-data: " + b64(serverCaPem), "token: wrong");
        Cni.Outcome o = add(kc);
        assertEquals(7, o.code());
        assertEquals(
                "usePodCidr: the Kubernetes API refused to show node dual (HTTP 401) with the credentials of "
                        + tmp.resolve("calico-kubeconfig") + ": Unauthorized",
                o.msg());
        assertFalse(Files.exists(tmp.resolve("data")));
    }

    @Test
    void aServerErrorIsTryAgainLater() {
        Path kc = KubeApi.kubeconfig(
                tmp, https() + "\ncertificate-authority-data: " + b64(serverCaPem), "token: " + TOKEN);
        String conf = KubeApi.calicoConfig("1.0.0", tmp, "busy", kc, "\"subnet\": \"usePodCidr\"");
        Cni.Outcome o = Cni.run(new HostLocal(), "ADD", conf, "c1", "eth0", Map.of());
        assertEquals(11, o.code());
        assertEquals("usePodCidr: the Kubernetes API answered HTTP 503 for node busy: etcd is busy", o.msg());
        assertFalse(Files.exists(tmp.resolve("data")));
    }

    @Test
    void badTlsMaterialIsABadConfig() {
        Path kc = KubeApi.kubeconfig(
                tmp, https() + "\ncertificate-authority-data: " + b64("not a certificate"), "token: " + TOKEN);
        assertEquals(7, add(kc).code());
        Path both = KubeApi.kubeconfig(
                tmp,
                https() + "\ninsecure-skip-tls-verify: true\ncertificate-authority-data: " + b64(serverCaPem),
                "token: " + TOKEN);
        assertEquals(7, add(both).code());
        Path certOnly = KubeApi.kubeconfig(tmp, https(), "client-certificate-data: " + b64(clientCertPem));
        assertEquals(7, add(certOnly).code());
        assertFalse(Files.exists(tmp.resolve("data")));
    }

    @Test
    void aServerThatNeverAnswersIsTryAgainLaterWithinTheTimeout() throws IOException {
        // the kernel accepts the connection into the backlog; nobody ever reads or answers
        try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Path kc = KubeApi.kubeconfig(tmp, "server: http://127.0.0.1:" + silent.getLocalPort(), "token: " + TOKEN);
            long start = System.nanoTime();
            Cni.Outcome o = add(kc);
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(11, o.code());
            assertEquals(
                    "usePodCidr: the Kubernetes API at http://127.0.0.1:" + silent.getLocalPort()
                            + " did not answer within 5000 ms",
                    o.msg());
            assertTrue(millis >= 4_900 && millis < 8_000, millis + " ms");
            assertFalse(Files.exists(tmp.resolve("data")));
        }
    }
}
