package dev.cni4j.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.cni4j.spec.CniException;
import java.util.List;
import org.junit.jupiter.api.Test;

class VersionSelectionTest {
    @Test
    void highestImplementedVersionWins() {
        assertEquals("1.1.0", VersionSelection.select("1.0.0", List.of("0.4.0", "1.1.0")));
        assertEquals("1.1.0", VersionSelection.select("1.1.0", List.of("0.4.0")));
        assertEquals("1.0.0", VersionSelection.select("0.3.1", List.of("1.0.0", "0.4.0")));
    }

    @Test
    void versionsAboveWhatWeImplementAreIgnoredInTheList() {
        assertEquals("1.1.0", VersionSelection.select("1.0.0", List.of("1.1.0", "2.0.0")));
        assertEquals("1.0.0", VersionSelection.select("1.0.0", List.of("1.2.0")));
        assertEquals("1.0.0", VersionSelection.select("1.5.0", List.of("1.0.0", "1.3.0")));
    }

    @Test
    void missingCniVersionIs010() {
        assertEquals("0.1.0", VersionSelection.select(null, null));
        assertEquals("0.1.0", VersionSelection.select("", List.of()));
        assertEquals("0.4.0", VersionSelection.select(null, List.of("0.4.0")));
    }

    @Test
    void aLoneCniVersionIsKeptAsLibcniDoes() {
        assertEquals("0.3.1", VersionSelection.select("0.3.1", null));
        assertEquals("2.0.0", VersionSelection.select("2.0.0", null));
    }

    @Test
    void unparseableVersionsAreErrors() {
        assertThrows(CniException.class, () -> VersionSelection.select("1.0", null));
        assertThrows(CniException.class, () -> VersionSelection.select("1.0.0", List.of("latest")));
    }
}
