package dev.cni4j.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CniVersionTest {
    @Test
    void parsesAndOrders() {
        assertTrue(CniVersion.isValid("0.3.1"));
        assertTrue(CniVersion.isValid("10.20.30"));
        for (String bad : new String[] {"", "1", "1.0", "1.0.0.0", "v1.0.0", "1..0", "1.0.x", "1.0.0-rc1"}) {
            assertFalse(CniVersion.isValid(bad), bad);
        }
        assertTrue(CniVersion.compare("0.10.0", "0.4.0") > 0);
        assertTrue(CniVersion.atLeast("1.1.0", "1.1.0"));
        assertFalse(CniVersion.atLeast("1.0.0", "1.1.0"));
        assertEquals(7, CniVersion.ALL.size());
        assertEquals(
                CniVersion.ALL.stream()
                        .filter(v -> CniVersion.atLeast(v, "0.3.0"))
                        .toList(),
                CniVersion.LISTS,
                "conflists began with 0.3.0");
    }

    @Test
    void schemaFamilies() {
        assertEquals(CniVersion.Schema.V02, CniVersion.schemaOf("0.1.0"));
        assertEquals(CniVersion.Schema.V02, CniVersion.schemaOf("0.2.0"));
        assertEquals(CniVersion.Schema.V04, CniVersion.schemaOf("0.3.0"));
        assertEquals(CniVersion.Schema.V04, CniVersion.schemaOf("0.4.0"));
        assertEquals(CniVersion.Schema.V1, CniVersion.schemaOf("1.0.0"));
        assertEquals(CniVersion.Schema.V1, CniVersion.schemaOf("1.1.0"));
    }
}
