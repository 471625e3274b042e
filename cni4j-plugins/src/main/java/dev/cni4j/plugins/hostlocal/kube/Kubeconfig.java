package dev.cni4j.plugins.hostlocal.kube;

import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * The parts of a kubeconfig file that one GET needs, for the cluster and user of its current
 * context: {@code server}, {@code certificate-authority(-data)}, {@code insecure-skip-tls-verify},
 * {@code token}/{@code tokenFile}, {@code client-certificate(-data)} and
 * {@code client-key(-data)}. Relative file paths are taken from the kubeconfig's directory, as
 * kubectl does. Not supported: {@code exec} and {@code auth-provider} credential plugins,
 * {@code username}/{@code password}, {@code proxy-url}, {@code tls-server-name}.
 *
 * <p>Every problem is a bad network config (code 7): nothing here gets better by retrying.
 *
 * @param server        API server URL, {@code http} or {@code https}, without a trailing slash
 * @param caPem         PEM certificates to trust instead of the JDK's roots, or null
 * @param insecure      {@code insecure-skip-tls-verify}: no server certificate check at all
 * @param token         bearer token, or null
 * @param clientCertPem PEM client certificate chain, or null
 * @param clientKeyPem  PEM private key of the client certificate, or null
 */
record Kubeconfig(URI server, String caPem, boolean insecure, String token, String clientCertPem, String clientKeyPem) {

    /** Reads and resolves {@code file}. SnakeYAML is only loaded here, off the usual exec path. */
    static Kubeconfig load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw error(file, "does not exist");
        } catch (IOException e) {
            throw error(file, "cannot be read: " + e);
        }
        Object root;
        try {
            // SafeConstructor: plain maps, lists and scalars only, never arbitrary classes
            root = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
        } catch (YAMLException e) {
            throw error(
                    file,
                    "is not valid YAML: "
                            + String.valueOf(e.getMessage()).lines().findFirst().orElse(""));
        }
        if (!(root instanceof Map<?, ?> doc)) {
            throw error(file, "is not a YAML mapping");
        }
        return resolve(file, doc);
    }

    private static Kubeconfig resolve(Path file, Map<?, ?> doc) {
        String contextName = scalar(doc, "current-context");
        Map<?, ?> context = named(file, doc, "contexts", contextName, "context");
        if (context == null && doc.get("contexts") instanceof List<?> l && !l.isEmpty()) {
            throw error(file, "has no current-context"); // several contexts: guessing one would be wrong
        }
        Map<?, ?> cluster =
                named(file, doc, "clusters", context == null ? null : scalar(context, "cluster"), "cluster");
        if (cluster == null) {
            throw error(
                    file, contextName == null ? "has no current-context" : "has no cluster for context " + contextName);
        }
        Map<?, ?> user = named(file, doc, "users", context == null ? null : scalar(context, "user"), "user");
        user = user == null ? Map.of() : user;

        String server = scalar(cluster, "server");
        URI uri;
        try {
            uri = server == null ? null : URI.create(server.replaceAll("/+$", ""));
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        if (uri == null
                || uri.getHost() == null
                || !("https".equalsIgnoreCase(uri.getScheme()) || "http".equalsIgnoreCase(uri.getScheme()))) {
            throw error(file, "has no http(s) server URL for its cluster (server: " + server + ")");
        }
        boolean insecure = "true".equalsIgnoreCase(scalar(cluster, "insecure-skip-tls-verify"));
        String ca = pem(file, cluster, "certificate-authority");
        if (insecure && ca != null) {
            // kubectl refuses this combination too: which one did the author mean?
            throw error(file, "sets both insecure-skip-tls-verify and a certificate authority");
        }
        String token = scalar(user, "token");
        if (token == null && scalar(user, "tokenFile") != null) {
            token = read(file, scalar(user, "tokenFile")).strip();
        }
        String cert = pem(file, user, "client-certificate");
        String key = pem(file, user, "client-key");
        if ((cert == null) != (key == null)) {
            throw error(file, "needs both client-certificate and client-key, or neither");
        }
        return new Kubeconfig(uri, ca, insecure, token == null || token.isEmpty() ? null : token, cert, key);
    }

    /**
     * The {@code inner} map of the entry called {@code name} in the list {@code listKey}; with
     * no name, the only entry if there is exactly one. Null when there is none to take.
     */
    private static Map<?, ?> named(Path file, Map<?, ?> doc, String listKey, String name, String inner) {
        Object list = doc.get(listKey);
        if (list == null) {
            return null;
        }
        if (!(list instanceof List<?> entries)) {
            throw error(file, "has a " + listKey + " that is not a list");
        }
        if (name == null || name.isEmpty()) {
            return entries.size() == 1 ? innerMap(file, entries.getFirst(), listKey, inner) : null;
        }
        for (Object e : entries) {
            if (e instanceof Map<?, ?> m && name.equals(scalar(m, "name"))) {
                return innerMap(file, e, listKey, inner);
            }
        }
        throw error(file, "has no entry named " + name + " in " + listKey);
    }

    private static Map<?, ?> innerMap(Path file, Object entry, String listKey, String inner) {
        if (entry instanceof Map<?, ?> m && m.get(inner) instanceof Map<?, ?> value) {
            return value;
        }
        throw error(file, "has an entry in " + listKey + " without a " + inner + " mapping");
    }

    /** {@code <key>-data} (base64 of PEM) or the file {@code <key>}, as text; null if neither. */
    private static String pem(Path file, Map<?, ?> map, String key) {
        String data = scalar(map, key + "-data");
        if (data != null && !data.isEmpty()) {
            try {
                return new String(Base64.getMimeDecoder().decode(data), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw error(file, "has invalid base64 in " + key + "-data");
            }
        }
        String path = scalar(map, key);
        return path == null || path.isEmpty() ? null : read(file, path);
    }

    private static String read(Path kubeconfig, String path) {
        Path p = kubeconfig.toAbsolutePath().getParent().resolve(path);
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw error(kubeconfig, "names " + p + ", which cannot be read: " + e);
        }
    }

    /** A scalar as text (YAML may have typed it as a boolean or number); null if absent. */
    private static String scalar(Map<?, ?> map, String key) {
        Object v = map.get(key);
        return v == null || v instanceof Map || v instanceof List ? null : v.toString();
    }

    /** Without the secrets: a record's default would print the token and the key. */
    @Override
    public String toString() {
        return "Kubeconfig[server=" + server + ", ca=" + (caPem != null) + ", insecure=" + insecure + ", token="
                + (token != null) + ", clientCert=" + (clientCertPem != null) + "]";
    }

    static CniException error(Path file, String what) {
        return new CniException(
                ErrorCode.INVALID_NETWORK_CONFIG,
                "usePodCidr: the kubeconfig " + file + " " + what,
                "kubernetes.kubeconfig of the plugin config is used to read the node's pod CIDR from the Kubernetes API");
    }
}
