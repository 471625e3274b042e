package dev.cni4j.plugins.bridge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cni4j.linux.firewall.ScriptText;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The masquerade rule comment: the reference's layout, always one nft string within nft's limit. */
class IpMasqCommentTest {
    @Test
    void referenceLayout() {
        String c = IpMasq.comment("podnet", "eth0", "pod-a");
        assertTrue(c.matches("[0-9a-f]{16}-[0-9a-f]{16}, net: podnet, if: eth0, id: pod-a"), c);
        assertTrue(c.startsWith(IpMasq.hashForInstance("podnet", "eth0", "pod-a")));
        assertTrue(c.startsWith(IpMasq.hashForNetwork("podnet") + "-"));
    }

    @Test
    void anyInterfaceNameOrIdGivesOneStringWithinTheLimitAndDistinctHashes() {
        String big = "c".repeat(64 * 1024);
        for (String name : List.of(";", "\n", "\"", "#", "{", "}", "a\"b;c#d{e}", big)) {
            String c = IpMasq.comment("podnet", name, name.equals(big) ? big : "pod-a");
            assertNull(ScriptText.nftStringProblem(c), c);
            assertTrue(c.getBytes(StandardCharsets.UTF_8).length <= ScriptText.NFT_COMMENT_MAX, c);
        }
        // names that differ only by what the comment drops still have their own rules
        assertNotEquals(IpMasq.comment("podnet", "e\"th0", "pod-a"), IpMasq.comment("podnet", "eth0", "pod-a"));
        assertEquals(
                ScriptText.NFT_COMMENT_MAX,
                IpMasq.comment("podnet", "eth0", big).length());
    }
}
