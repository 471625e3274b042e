package dev.cni4j.plugins.hostlocal.kube;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonException;
import dev.cni4j.json.JsonObject;
import dev.cni4j.json.JsonTypeException;
import dev.cni4j.net.IpPrefix;
import dev.cni4j.skel.Request;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.ErrorCode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The node's pod CIDRs from its Node object in the Kubernetes API: {@code GET
 * /api/v1/nodes/<name>}, then {@code spec.podCIDRs} (dual-stack) or else {@code spec.podCIDR},
 * through the kubeconfig at {@code kubernetes.kubeconfig} of the plugin config (Calico's key).
 * One request with the JDK's HTTP client, bounded by one overall timeout.
 *
 * <p>The node is {@code nodename} of the plugin config (Calico's key), else the
 * {@code K8S_NODE_NAME} or {@code NODE_NAME} environment variable, else the host name in lower
 * case (what the kubelet registers by default).
 *
 * <p>Errors: a kubeconfig that is missing, unreadable or wrong, or credentials the API refuses,
 * are code 7; an API server that cannot be reached or does not answer in time, a Node that is not
 * registered yet or has no pod CIDR yet, are code 11 so that the runtime retries.
 */
public final class KubernetesNodeSource {
    /** The overall bound on the API call: a pod ADD must not hang on an unreachable server. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    private static final Path HOSTNAME = Path.of("/proc/sys/kernel/hostname");

    private final Path kubeconfig;
    private final String nodeName;
    private final Duration timeout;

    public KubernetesNodeSource(Path kubeconfig, String nodeName, Duration timeout) {
        this.kubeconfig = kubeconfig;
        this.nodeName = nodeName;
        this.timeout = timeout;
    }

    /**
     * The source for this request's plugin config, used when the node agent's {@code podCidrFile}
     * does not exist.
     *
     * @throws CniException code 7 when the config names no kubeconfig
     */
    public static KubernetesNodeSource of(Request request, Path podCidrFile) {
        JsonObject k8s = request.config().object("kubernetes");
        String kubeconfig = k8s == null ? null : k8s.string("kubeconfig");
        if (kubeconfig == null || kubeconfig.isBlank()) {
            throw new CniException(
                    ErrorCode.INVALID_NETWORK_CONFIG,
                    "usePodCidr: the node agent's pod CIDR file "
                            + podCidrFile
                            + " does not exist and the plugin config has no \"kubernetes\": {\"kubeconfig\": ...}"
                            + " to read the node's pod CIDR from the Kubernetes API",
                    "set kubernetes.kubeconfig (top level of the plugin config) to a kubeconfig allowed to get nodes,"
                            + " or run the cni4j node agent, or set ipam.podCidrFile");
        }
        return new KubernetesNodeSource(Path.of(kubeconfig), nodeName(request), DEFAULT_TIMEOUT);
    }

    /** {@code nodename}, else {@code K8S_NODE_NAME}, else {@code NODE_NAME}, else the host name. */
    public static String nodeName(Request request) {
        for (String candidate : new String[] {
            request.config().string("nodename"),
            request.env().get("K8S_NODE_NAME"),
            request.env().get("NODE_NAME")
        }) {
            if (candidate != null && !candidate.isBlank()) {
                return candidate.strip();
            }
        }
        try {
            // what Go's os.Hostname reads; InetAddress would ask the resolver
            return Files.readString(HOSTNAME, StandardCharsets.UTF_8).strip().toLowerCase(Locale.ROOT);
        } catch (IOException e) {
            throw new CniException(
                    ErrorCode.INVALID_NETWORK_CONFIG,
                    "usePodCidr: no node name: set \"nodename\" in the plugin config or K8S_NODE_NAME (" + e + ")");
        }
    }

    /** The Node object's identity and pod CIDRs, as one API answer told them. */
    public record Node(String name, String uid, List<IpPrefix> podCidrs) {}

    /** The node's pod CIDRs, from one GET of its Node object. */
    public List<IpPrefix> podCidrs() {
        return lookup().podCidrs();
    }

    /** Node names are DNS subdomains; anything else could change the URL's or a file name's meaning. */
    public static boolean isValidNodeName(String name) {
        return name.matches("[A-Za-z0-9][A-Za-z0-9.-]*");
    }

    /** One GET of the Node object: its uid (null when the answer has none) and pod CIDRs. */
    public Node lookup() {
        Kubeconfig config;
        try {
            config = Kubeconfig.load(kubeconfig);
        } catch (NoClassDefFoundError e) {
            // a packaging mistake, not the node's: say which jar is missing rather than a bare 999
            throw new CniException(
                    ErrorCode.INTERNAL,
                    "usePodCidr: cannot read the kubeconfig " + kubeconfig
                            + ": the YAML parser (org.yaml:snakeyaml) is not on the plugin's class path",
                    e.toString());
        }
        if (!isValidNodeName(nodeName)) {
            throw new CniException(
                    ErrorCode.INVALID_NETWORK_CONFIG, "usePodCidr: invalid node name \"" + nodeName + "\"");
        }
        URI uri = URI.create(config.server() + "/api/v1/nodes/" + nodeName);
        HttpResponse<byte[]> response = get(config, uri);
        return switch (response.statusCode()) {
            case 200 -> nodeOf(response.body());
            case 404 -> throw notReady("node " + nodeName + " is not registered with the Kubernetes API (yet)");
            case 401, 403 ->
                throw new CniException(
                        ErrorCode.INVALID_NETWORK_CONFIG,
                        "usePodCidr: the Kubernetes API "
                                + "refused to show node " + nodeName + " (HTTP " + response.statusCode()
                                + ") with the credentials of "
                                + kubeconfig + ": " + apiMessage(response.body()));
            default ->
                throw notReady("the Kubernetes API answered HTTP " + response.statusCode() + " for node " + nodeName
                        + ": " + apiMessage(response.body()));
        };
    }

    private HttpResponse<byte[]> get(Kubeconfig config, URI uri) {
        HttpClient.Builder client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1) // one small GET: no h2c upgrade or ALPN surprises
                .followRedirects(HttpClient.Redirect.NEVER)
                .proxy(HttpClient.Builder.NO_PROXY)
                .connectTimeout(timeout);
        if ("https".equalsIgnoreCase(uri.getScheme())) {
            try {
                client.sslContext(KubeTls.context(config));
            } catch (GeneralSecurityException e) {
                throw Kubeconfig.error(kubeconfig, "has unusable TLS material: " + e.getMessage());
            }
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .GET()
                .timeout(timeout)
                .header("Accept", "application/json")
                .header("User-Agent", "cni4j-host-local");
        if (config.token() != null) {
            request.header("Authorization", "Bearer " + config.token());
        }
        HttpClient http = client.build();
        try {
            // get() with a deadline bounds everything: connect, TLS handshake, headers and body
            return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray())
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new Unreachable(notReady("the Kubernetes API at " + config.server() + " did not answer within "
                    + timeout.toMillis() + " ms"));
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof java.net.http.HttpTimeoutException) {
                // the client's own timeout (the same length) fired first: the same event, one message
                throw new Unreachable(notReady("the Kubernetes API at " + config.server() + " did not answer within "
                        + timeout.toMillis() + " ms"));
            }
            throw new Unreachable(
                    notReady("cannot reach the Kubernetes API at " + config.server() + ": " + describe(cause)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw notReady("interrupted while asking the Kubernetes API for node " + nodeName);
        } finally {
            http.shutdownNow(); // a request still in flight after a timeout is abandoned
        }
    }

    private Node nodeOf(byte[] body) {
        List<String> raw;
        String uid;
        try {
            JsonObject node = Json.parseObject(body);
            JsonObject metadata = node.object("metadata");
            uid = metadata == null ? null : metadata.string("uid");
            JsonObject spec = node.object("spec");
            raw = spec == null ? null : spec.strings("podCIDRs");
            if ((raw == null || raw.isEmpty()) && spec != null && spec.string("podCIDR") != null) {
                raw = List.of(spec.string("podCIDR"));
            }
        } catch (JsonException | JsonTypeException e) {
            throw notReady("the Kubernetes API sent an unexpected Node object for " + nodeName + ": " + e.getMessage());
        }
        List<IpPrefix> cidrs = new ArrayList<>();
        for (String s : raw == null ? List.<String>of() : raw) {
            IpPrefix net = s.isEmpty() ? null : IpPrefix.tryParse(s);
            if (net == null && !s.isEmpty() || net != null && net.address().isIPv4Mapped()) {
                throw notReady("node " + nodeName + " has an invalid podCIDR \"" + s + "\""
                        + (net == null ? "" : ": IPv4-mapped IPv6 text"));
            }
            if (net != null) {
                cidrs.add(net);
            }
        }
        if (cidrs.isEmpty()) {
            throw notReady("node " + nodeName + " has no podCIDR yet");
        }
        return new Node(nodeName, uid, List.copyOf(cidrs));
    }

    public String nodeName() {
        return nodeName;
    }

    /** The failure's type and the first message down its causes (the JDK client's are often empty). */
    private static String describe(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c.getMessage() != null && !c.getMessage().isBlank()) {
                return t.getClass().getSimpleName() + ": " + c.getMessage();
            }
        }
        return t.getClass().getSimpleName();
    }

    /** The {@code message} of a Kubernetes Status object, else the start of the body. */
    private static String apiMessage(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        try {
            String msg = Json.parseObject(text).string("message");
            if (msg != null) {
                return msg;
            }
        } catch (RuntimeException e) {
            // not a Status object
        }
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }

    /**
     * Code 11 because no answer came (connection refused, timeout, TLS failure), as opposed to an
     * answer that says the node is not ready: a cached answer may stand in for the first only.
     */
    public static final class Unreachable extends CniException {
        private static final long serialVersionUID = 1L;

        public Unreachable(CniException e) {
            super(e.code(), e.msg(), e.details(), e.getCause());
        }
    }

    private CniException notReady(String msg) {
        return new CniException(
                ErrorCode.TRY_AGAIN_LATER,
                "usePodCidr: " + msg,
                "pod CIDRs of node " + nodeName + " read from the Kubernetes API with " + kubeconfig
                        + ", as the node agent's file does not exist");
    }
}
