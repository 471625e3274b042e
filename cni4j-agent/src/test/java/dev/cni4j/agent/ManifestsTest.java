package dev.cni4j.agent;

import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.agent.api.ApiAccess;
import dev.cni4j.agent.install.CniInstaller;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The manifests in deploy/ parse into the fabric8 model and agree with the agent. */
class ManifestsTest {
    static final Path DEPLOY = Path.of("..", "deploy");

    static <T> T load(String file, Class<T> type) throws Exception {
        try (InputStream in = Files.newInputStream(DEPLOY.resolve(file))) {
            Object o = Serialization.unmarshal(in);
            assertInstanceOf(type, o, file);
            return type.cast(o);
        }
    }

    @Test
    void clusterRoleGrantsExactlyWhatTheAgentCalls() throws Exception {
        ClusterRole role = load("clusterrole.yaml", ClusterRole.class);
        Map<String, Map<String, Set<String>>> granted = new HashMap<>();
        for (PolicyRule r : role.getRules()) {
            assertEquals(1, r.getApiGroups().size(), "one API group per rule");
            assertTrue(r.getResourceNames() == null || r.getResourceNames().isEmpty());
            for (String res : r.getResources()) {
                granted.computeIfAbsent(r.getApiGroups().get(0), k -> new HashMap<>())
                        .computeIfAbsent(res, k -> new HashSet<>())
                        .addAll(r.getVerbs());
            }
        }
        assertEquals(Map.of("", ApiAccess.CORE_VERBS, "networking.k8s.io", ApiAccess.NETWORKING_VERBS), granted);
        assertFalse(granted.values().stream().flatMap(m -> m.values().stream()).anyMatch(v -> v.contains("*")));
    }

    @Test
    void bindingTiesRoleToTheDaemonSetsServiceAccount() throws Exception {
        ServiceAccount sa = load("serviceaccount.yaml", ServiceAccount.class);
        ClusterRoleBinding b = load("clusterrolebinding.yaml", ClusterRoleBinding.class);
        DaemonSet ds = load("daemonset.yaml", DaemonSet.class);
        assertEquals("kube-system", sa.getMetadata().getNamespace());
        assertEquals("ClusterRole", b.getRoleRef().getKind());
        assertEquals(
                load("clusterrole.yaml", ClusterRole.class).getMetadata().getName(),
                b.getRoleRef().getName());
        assertEquals(1, b.getSubjects().size());
        assertEquals(sa.getMetadata().getName(), b.getSubjects().get(0).getName());
        assertEquals("kube-system", b.getSubjects().get(0).getNamespace());
        assertEquals(
                sa.getMetadata().getName(), ds.getSpec().getTemplate().getSpec().getServiceAccountName());
    }

    @Test
    void daemonSetRunsOnTheHostNetworkWithInstallStepAndHostPaths() throws Exception {
        DaemonSet ds = load("daemonset.yaml", DaemonSet.class);
        var pod = ds.getSpec().getTemplate().getSpec();
        assertEquals("kube-system", ds.getMetadata().getNamespace());
        assertTrue(pod.getHostNetwork());
        assertEquals(1, pod.getInitContainers().size());
        assertTrue(pod.getInitContainers().get(0).getCommand().contains("install"));
        Container agent = pod.getContainers().get(0);
        assertTrue(agent.getCommand().contains("run"));
        for (Container c : List.of(pod.getInitContainers().get(0), agent)) {
            assertTrue(
                    c.getCommand().contains(AgentMain.class.getName()),
                    c.getCommand().toString());
            assertTrue(c.getCommand().contains("--enable-native-access=ALL-UNNAMED"), "FFM without warnings");
        }
        EnvVar nodeName = agent.getEnv().stream()
                .filter(e -> e.getName().equals("NODE_NAME"))
                .findFirst()
                .orElseThrow();
        assertEquals("spec.nodeName", nodeName.getValueFrom().getFieldRef().getFieldPath());
        assertEquals("/readyz", agent.getReadinessProbe().getHttpGet().getPath());
        assertEquals("/healthz", agent.getLivenessProbe().getHttpGet().getPath());

        Map<String, String> hostPaths = new HashMap<>();
        for (Volume v : pod.getVolumes()) {
            if (v.getHostPath() != null) {
                hostPaths.put(v.getName(), v.getHostPath().getPath());
            }
        }
        assertTrue(
                hostPaths.values().containsAll(List.of("/etc/cni/net.d", "/opt/cni/bin", "/run/cni4j")),
                hostPaths.toString());
        assertMounted(pod.getInitContainers().get(0), hostPaths, "/opt/cni/bin");
        assertMounted(agent, hostPaths, "/etc/cni/net.d");
        assertMounted(agent, hostPaths, "/run/cni4j");
    }

    private static void assertMounted(Container c, Map<String, String> hostPaths, String path) {
        for (VolumeMount m : c.getVolumeMounts()) {
            if (path.equals(hostPaths.get(m.getName())) && path.equals(m.getMountPath())) {
                return;
            }
        }
        fail(c.getName() + " does not mount host " + path);
    }

    @Test
    void configMapIsAValidAgentConfigAndTheDefaultConflist() throws Exception {
        ConfigMap cm = load("configmap.yaml", ConfigMap.class);
        Properties p = new Properties();
        p.load(new StringReader(cm.getData().get("agent.properties")));
        Map<String, String> settings = new HashMap<>();
        p.stringPropertyNames().forEach(k -> settings.put(k, p.getProperty(k).trim()));
        settings.put("nodeName", "from-downward-api");
        AgentConfig c = AgentConfig.of(settings);
        assertTrue(c.valid(), c.problems().toString());
        assertNull(c.clusterCidrV6(), "IPv6 masquerade is opt-in");
        String example = cm.getData()
                .get("agent.properties")
                .lines()
                .filter(l -> l.startsWith("#clusterCidrV6="))
                .findFirst()
                .orElseThrow()
                .substring(1);
        settings.put("clusterCidrV6", example.substring(example.indexOf('=') + 1));
        assertTrue(AgentConfig.of(settings).valid(), "the commented-out example is valid: " + example);
        String version = cm.getData()
                .get("agent.properties")
                .lines()
                .filter(l -> l.startsWith("#conflistCniVersion="))
                .findFirst()
                .orElseThrow()
                .substring(1);
        settings.put("conflistCniVersion", version.substring(version.indexOf('=') + 1));
        assertTrue(AgentConfig.of(settings).valid(), "the commented-out example is valid: " + version);
        settings.remove("conflistCniVersion");
        for (String key : List.of("networkPolicyEstablished", "networkPolicyLogDrops")) {
            String line = cm.getData()
                    .get("agent.properties")
                    .lines()
                    .filter(l -> l.startsWith("#" + key + "="))
                    .findFirst()
                    .orElseThrow()
                    .substring(1);
            Map<String, String> with = new HashMap<>(settings);
            with.put(key, line.substring(line.indexOf('=') + 1));
            assertTrue(AgentConfig.of(with).valid(), "the commented-out example is valid: " + line);
        }
        assertEquals(Path.of("/etc/cni4j/10-cni4j.conflist"), c.conflistFile());
        String file = c.conflistFile().getFileName().toString();
        assertEquals(
                Serialization.jsonMapper()
                        .readTree(CniInstaller.defaultConflist(
                                "cni4j",
                                c.conflistCniVersion(),
                                1450,
                                c.podCidrFile().toString(),
                                c.hostLocalDataDir().toString(),
                                c.networkPolicy())),
                Serialization.jsonMapper().readTree(cm.getData().get(file)),
                "ConfigMap conflist = the agent's default for vxlan");
        DaemonSet ds = load("daemonset.yaml", DaemonSet.class);
        assertTrue(ds.getSpec().getTemplate().getSpec().getVolumes().stream()
                .anyMatch(v -> v.getConfigMap() != null
                        && v.getConfigMap().getName().equals(cm.getMetadata().getName())));
        assertTrue(ds.getSpec().getTemplate().getSpec().getContainers().get(0).getVolumeMounts().stream()
                .anyMatch(m ->
                        m.getMountPath().equals(c.conflistFile().getParent().toString())));
    }

    /** What the agent needs to run the plugins for the host's runtime (fastPathSocket in the ConfigMap). */
    @Test
    void theFastPathHasWhatThePluginsNeedInTheAgentsContainer() throws Exception {
        ConfigMap cm = load("configmap.yaml", ConfigMap.class);
        Properties p = new Properties();
        p.load(new StringReader(cm.getData().get("agent.properties")));
        assertEquals("/run/cni4j/cni.sock", p.getProperty("fastPathSocket"), "the launchers' default socket");
        assertEquals(
                "true",
                p.getProperty("fastPathOtherMountNamespaces"),
                "the runtime is outside the container's mount namespace");
        var pod =
                load("daemonset.yaml", DaemonSet.class).getSpec().getTemplate().getSpec();
        assertTrue(pod.getHostPID(), "the launchers' /proc/<pid>/fd/<n>");
        Container agent = pod.getContainers().get(0);
        assertTrue(agent.getSecurityContext().getPrivileged(), "setns into pods, their sysctls");
        Map<String, String> hostPaths = new HashMap<>();
        for (Volume v : pod.getVolumes()) {
            if (v.getHostPath() != null) {
                hostPaths.put(v.getName(), v.getHostPath().getPath());
            }
        }
        assertMounted(agent, hostPaths, "/var/lib/cni/networks");
        assertMounted(agent, hostPaths, "/opt/cni/bin");
        for (VolumeMount m : agent.getVolumeMounts()) {
            if ("/var/lib/cni/networks".equals(m.getMountPath())) {
                assertTrue(m.getReadOnly() == null || !m.getReadOnly(), "host-local writes");
            }
        }
    }
}
