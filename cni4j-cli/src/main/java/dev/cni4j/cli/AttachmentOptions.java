package dev.cni4j.cli;

import dev.cni4j.json.Json;
import dev.cni4j.json.JsonObject;
import dev.cni4j.runtime.BandwidthAnnotations;
import dev.cni4j.runtime.RuntimeConf;
import dev.cni4j.skel.Names;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The per-attachment options of {@code add}, {@code del} and {@code check}, turned into the
 * runtime's {@link RuntimeConf}: container ID, interface, {@code CNI_ARGS} and the capability
 * arguments a Kubernetes runtime would send ({@code portMappings} from {@code -p},
 * {@code bandwidth} and {@code io.kubernetes.cri.pod-annotations} from {@code --annotation},
 * anything else from {@code --runtime-config}). Everything is validated before a plugin runs.
 */
final class AttachmentOptions {
    static final String[] DECLARED = {
        "--container-id=", "--ifname=", "-p|--publish=", "--annotation=", "--args=", "--runtime-config="
    };
    static final String POD_ANNOTATIONS = "io.kubernetes.cri.pod-annotations";

    private AttachmentOptions() {}

    /**
     * @param netns the resolved netns path (the default container ID is derived from it)
     * @param env the process environment: {@code CNI_ARGS} applies when {@code --args} is absent
     * @param adding for ADD the pod annotations are always sent (an empty map too, as containerd
     *        does); for DEL and CHECK only when given, so the cached ADD's stay in force
     */
    static RuntimeConf runtimeConf(Args args, Path netns, Map<String, String> env, boolean adding) {
        String containerId = args.value("--container-id", defaultContainerId(netns));
        String ifName = args.value("--ifname", "eth0");
        if (!Names.isValidContainerId(containerId)) {
            throw CliException.usage("invalid --container-id \"" + containerId
                    + "\": letters, digits, '_', '.' and '-', starting with a letter or digit");
        }
        String ifProblem = Names.interfaceNameProblem(ifName);
        if (ifProblem != null) {
            throw CliException.usage("invalid --ifname \"" + ifName + "\": " + ifProblem);
        }
        List<RuntimeConf.Arg> cniArgs = cniArgs(args.value("--args", env.getOrDefault("CNI_ARGS", "")));
        return new RuntimeConf(containerId, netns.toString(), ifName, cniArgs, capabilityArgs(args, adding));
    }

    /**
     * Like cnitool, a stable ID from the netns path, so add and del of the same namespace agree:
     * {@code cni4j-} and the first 20 hex digits of its SHA-512.
     */
    static String defaultContainerId(Path netns) {
        try {
            byte[] hash =
                    MessageDigest.getInstance("SHA-512").digest(netns.toString().getBytes(StandardCharsets.UTF_8));
            return "cni4j-" + HexFormat.of().formatHex(hash).substring(0, 20);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code K=V;K2=V2}; like skel, each pair must split into exactly a key and a value. */
    static List<RuntimeConf.Arg> cniArgs(String text) {
        List<RuntimeConf.Arg> out = new ArrayList<>();
        if (text.isEmpty()) {
            return out;
        }
        for (String pair : text.split(";")) {
            String[] kv = pair.split("=", -1);
            if (kv.length != 2 || kv[0].isEmpty()) {
                throw CliException.usage("invalid --args pair \"" + pair + "\": expected KEY=VALUE (no '=' in values)");
            }
            out.add(new RuntimeConf.Arg(kv[0], kv[1]));
        }
        return out;
    }

    static Map<String, Object> capabilityArgs(Args args, boolean adding) {
        Map<String, Object> caps = new LinkedHashMap<>();
        List<Object> ports = new ArrayList<>();
        for (String p : args.values("--publish")) {
            ports.add(PortMapping.parse(p).toCapability());
        }
        if (!ports.isEmpty()) {
            caps.put("portMappings", ports);
        }
        Map<String, String> annotations = annotations(args.values("--annotation"));
        try {
            BandwidthAnnotations.capability(annotations).ifPresent(b -> caps.put("bandwidth", b));
        } catch (IllegalArgumentException e) {
            throw CliException.usage("invalid annotation " + e.getMessage());
        }
        if (adding || !annotations.isEmpty()) {
            caps.put(POD_ANNOTATIONS, new LinkedHashMap<String, Object>(annotations));
        }
        String extra = args.value("--runtime-config", null);
        if (extra != null) {
            caps.putAll(runtimeConfig(extra));
        }
        return caps;
    }

    static Map<String, String> annotations(List<String> values) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String a : values) {
            int eq = a.indexOf('=');
            if (eq <= 0) {
                throw CliException.usage("invalid --annotation \"" + a + "\": expected KEY=VALUE");
            }
            out.put(a.substring(0, eq), a.substring(eq + 1));
        }
        return out;
    }

    private static JsonObject runtimeConfig(String json) {
        try {
            return Json.parseObject(json);
        } catch (RuntimeException e) {
            throw CliException.usage("invalid --runtime-config: not a JSON object: " + e.getMessage());
        }
    }
}
