package dev.cni4j.testing;

import static org.junit.jupiter.api.Assertions.*;

import dev.cni4j.linux.LinuxException;
import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.NetNsNotFoundException;
import dev.cni4j.linux.NotANetNsException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** NetNs against the real kernel, in throwaway namespaces. */
class NetNsPrivilegedTest {
    @BeforeAll
    static void privileged() {
        TestNetworks.assumePrivileged();
    }

    static String inode(Path p) throws Exception {
        return Files.readSymbolicLink(p).toString(); // "net:[4026532...]"
    }

    @Test
    void createListRunDelete() throws Exception {
        String name = TestNetworks.PREFIX + ProcessHandle.current().pid() + "-nsx";
        NetNs.delete(name);
        Path p = NetNs.create(name);
        try {
            assertTrue(NetNs.list().contains(name));
            LinuxException e = assertThrows(LinuxException.class, () -> NetNs.create(name));
            assertEquals("EEXIST", e.errnoName());
            String outside = inode(Path.of("/proc/thread-self/ns/net"));
            try (NetNs ns = NetNs.open(p);
                    NetNs again = NetNs.open(p);
                    NetNs here = NetNs.current()) {
                assertTrue(ns.isSameNamespace(again));
                assertFalse(ns.isSameNamespace(here));
                assertEquals("net:[" + ns.inode() + "]", ns.run(() -> inode(Path.of("/proc/thread-self/ns/net"))));
                String inside = ns.run(() -> inode(Path.of("/proc/thread-self/ns/net")));
                assertNotEquals(outside, inside);
                // the caller's thread never moved
                assertEquals(outside, inode(Path.of("/proc/thread-self/ns/net")));
                // ip sees the same namespace as the bind mount
                assertTrue(new String(new ProcessBuilder("ip", "netns", "list")
                                .start()
                                .getInputStream()
                                .readAllBytes())
                        .contains(name));
                // a thrown exception crosses back unchanged
                IllegalStateException thrown = assertThrows(
                        IllegalStateException.class,
                        () -> ns.run(() -> {
                            throw new IllegalStateException("boom");
                        }));
                assertEquals("boom", thrown.getMessage());
                assertEquals(outside, inode(Path.of("/proc/thread-self/ns/net")), "back after a throw");
                // nested: inner work in `here`, then the outer work is still in `ns`
                String[] seen = ns.run(() -> new String[] {
                    here.run(() -> inode(Path.of("/proc/thread-self/ns/net"))),
                    inode(Path.of("/proc/thread-self/ns/net"))
                });
                assertEquals(outside, seen[0]);
                assertEquals(inside, seen[1]);
                assertEquals(outside, inode(Path.of("/proc/thread-self/ns/net")));
                // a virtual thread's work runs on a platform thread of its own: its carrier never moves
                String[] fromVirtual = new String[2];
                Thread.ofVirtual()
                        .start(() -> {
                            try {
                                fromVirtual[0] = ns.run(() -> inode(Path.of("/proc/thread-self/ns/net")));
                                fromVirtual[1] = inode(Path.of("/proc/thread-self/ns/net"));
                            } catch (Exception failed) {
                                fromVirtual[0] = failed.toString();
                            }
                        })
                        .join();
                assertEquals(inside, fromVirtual[0]);
                assertEquals(outside, fromVirtual[1]);
            }
        } finally {
            assertTrue(NetNs.delete(name));
        }
        assertFalse(NetNs.list().contains(name));
        assertFalse(NetNs.delete(name), "second delete reports absence");
    }

    @Test
    void vanishedNamespaceIsNotFound() {
        String name = TestNetworks.PREFIX + ProcessHandle.current().pid() + "-gone";
        Path p = NetNs.create(name);
        NetNs.delete(name);
        NetNsNotFoundException e = assertThrows(NetNsNotFoundException.class, () -> NetNs.open(p));
        assertEquals("ENOENT", e.errnoName());
        assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
    }

    @Test
    void nonNamespaceFilesAreRejected() throws Exception {
        NotANetNsException e = assertThrows(NotANetNsException.class, () -> NetNs.open(Path.of("/proc/version")));
        assertEquals("EINVAL", e.errnoName());
        assertTrue(e.getMessage().contains("not a namespace file"), e.getMessage());
        assertFalse(e.isStaleMountPoint());
        NotANetNsException mnt =
                assertThrows(NotANetNsException.class, () -> NetNs.open(Path.of("/proc/thread-self/ns/mnt")));
        assertTrue(mnt.getMessage().contains("not a network namespace"), mnt.getMessage());

        // a /run/netns entry whose bind mount is gone: an empty tmpfs file
        String name = TestNetworks.PREFIX + ProcessHandle.current().pid() + "-stale";
        Path p = NetNs.create(name);
        try {
            Process umount = new ProcessBuilder("umount", p.toString()).start();
            assertEquals(0, umount.waitFor());
            NotANetNsException stale = assertThrows(NotANetNsException.class, () -> NetNs.open(p));
            assertTrue(stale.isStaleMountPoint(), stale.getMessage());
        } finally {
            NetNs.delete(name);
        }
    }

    @Test
    void currentIsTheCallingThreadsNamespace() throws Exception {
        try (NetNs ns = NetNs.current()) {
            assertTrue(ns.fd() >= 0);
            String inside = ns.run(() -> inode(Path.of("/proc/thread-self/ns/net")));
            assertEquals(inode(Path.of("/proc/thread-self/ns/net")), inside);
        }
    }

    @Test
    void currentInodeIsTheCallingThreadsNamespaces() throws Exception {
        String name = "cni4jt-inode-" + ProcessHandle.current().pid();
        Path path = NetNs.create(name);
        try (NetNs here = NetNs.current();
                NetNs other = NetNs.open(path)) {
            assertEquals(here.inode(), NetNs.currentInode());
            assertEquals(other.inode(), (long) other.run(NetNs::currentInode));
            assertNotEquals(here.inode(), other.inode());
            assertEquals(here.inode(), NetNs.currentInode(), "switched back");
        } finally {
            NetNs.delete(name);
        }
    }
}
