package dev.cni4j.agent;

import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.agent.install.CniInstaller;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The settings networkPolicy (and its conflist key), networkPolicyEstablished and networkPolicyLogDrops. */
class PolicyStrictSettingsTest {
    static AgentConfig with(String key, String value) {
        Map<String, String> v = new HashMap<>(Map.of("nodeName", "n1", "networkPolicy", "on"));
        if (value != null) {
            v.put(key, value);
        }
        return AgentConfig.of(v);
    }

    @Test
    void establishedConnectionsAreKeptByDefaultAndCutOnRequest() {
        assertFalse(with("networkPolicyEstablished", null).networkPolicyCutEstablished());
        assertFalse(with("networkPolicyEstablished", "keep").networkPolicyCutEstablished());
        assertTrue(with("networkPolicyEstablished", "cut").networkPolicyCutEstablished());
        AgentConfig bad = with("networkPolicyEstablished", "drop");
        assertEquals(java.util.List.of("networkPolicyEstablished: \"drop\" is not keep or cut"), bad.problems());
        assertEquals("CNI4J_NETWORK_POLICY_ESTABLISHED", AgentConfig.envName("networkPolicyEstablished"));
        assertTrue(AgentConfig.load(null, Map.of("NODE_NAME", "n", "CNI4J_NETWORK_POLICY_ESTABLISHED", "cut"))
                .networkPolicyCutEstablished());
    }

    @Test
    void dropLogIsOffByDefaultOnIsTenASecondOrARate() {
        assertEquals(0, with("networkPolicyLogDrops", null).networkPolicyLogDropsPerSecond());
        assertEquals(0, with("networkPolicyLogDrops", "off").networkPolicyLogDropsPerSecond());
        assertEquals(10, with("networkPolicyLogDrops", "on").networkPolicyLogDropsPerSecond());
        assertEquals(3, with("networkPolicyLogDrops", "3").networkPolicyLogDropsPerSecond());
        for (String bad : new String[] {"0", "-1", "10001", "yes", "5/second"}) {
            AgentConfig c = with("networkPolicyLogDrops", bad);
            assertFalse(c.valid(), bad);
            assertEquals(0, c.networkPolicyLogDropsPerSecond());
        }
        assertEquals("CNI4J_NETWORK_POLICY_LOG_DROPS", AgentConfig.envName("networkPolicyLogDrops"));
    }

    @Test
    void networkPolicySettingAndConflistKey() {
        AgentConfig off = AgentConfig.of(Map.of("nodeName", "n1"));
        assertFalse(off.networkPolicy(), "off by default");
        AgentConfig on = AgentConfig.of(Map.of("nodeName", "n1", "networkPolicy", "on"));
        assertTrue(on.valid() && on.networkPolicy(), on.problems().toString());
        assertEquals("CNI4J_NETWORK_POLICY", AgentConfig.envName("networkPolicy"));
        assertTrue(AgentConfig.load(null, Map.of("NODE_NAME", "n1", "CNI4J_NETWORK_POLICY", "on"))
                .networkPolicy());
        AgentConfig bad = AgentConfig.of(Map.of("nodeName", "n1", "networkPolicy", "yes"));
        assertTrue(
                bad.problems().stream().anyMatch(p -> p.startsWith("networkPolicy")),
                bad.problems().toString());

        var mapper = io.fabric8.kubernetes.client.utils.Serialization.jsonMapper();
        var with = mapper.readTree(
                CniInstaller.defaultConflist("cni4j", null, 0, "/run/cni4j/podcidr", "/var/lib/cni/networks", true));
        assertEquals("k8s", with.get("plugins").get(0).get("policy").get("type").asString());
        var without = mapper.readTree(
                CniInstaller.defaultConflist("cni4j", null, 0, "/run/cni4j/podcidr", "/var/lib/cni/networks", false));
        assertFalse(without.get("plugins").get(0).has("policy"));
    }
}
