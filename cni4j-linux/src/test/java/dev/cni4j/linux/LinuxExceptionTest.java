package dev.cni4j.linux;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class LinuxExceptionTest {
    @Test
    void messageNamesErrnoAndOperation() {
        LinuxException e = new LinuxException(17, "create link veth0");
        assertEquals("EEXIST", e.errnoName());
        assertEquals("create link veth0: EEXIST (File exists)", e.getMessage());
        assertFalse(e.isNotFound());
        assertTrue(new LinuxException(19, "x").isNotFound());
        assertEquals("E#4242", LinuxException.errnoName(4242));
    }

    @Test
    void netNsNotFoundIsEnoent() {
        NetNsNotFoundException e = new NetNsNotFoundException("open netns /x");
        assertEquals(LinuxException.ENOENT, e.errno());
        assertTrue(e.isNotFound());
    }
}
