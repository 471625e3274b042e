package dev.cni4j.plugins.hostlocal;

import dev.cni4j.net.IpPrefix;
import dev.cni4j.node.AtomicFiles;
import dev.cni4j.node.PodCidrFile;
import dev.cni4j.plugins.hostlocal.kube.KubernetesNodeSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * usePodCidr from the Kubernetes API, kept: a node's pod CIDRs do not change while its Node object
 * lives, so what the API said is written to {@code <podCidrFile>.d/<node>} (beside the node
 * agent's file, in its format: one CIDR a line, {@code #} comments) and read first. A burst of
 * ADDs costs at most one API call: the first caller asks under the file's lock while the others
 * wait for it and read its answer.
 *
 * <p>The file's comment line names the Node's {@code uid} and the machine's boot id. It is used
 * while it is younger than {@link #MAX_AGE} and written in this boot (a reboot empties /run
 * anyway); after that the next ADD asks again and replaces it, so a node deleted and re-created
 * under the same name (a new uid, maybe another pod CIDR) is noticed within that time. When
 * the API cannot be reached then, the old answer stands in (a live node keeps its CIDRs) and the
 * next try waits another {@link #MAX_AGE}; an API that answers "no such node" or "no podCIDR"
 * is believed. Deleting the file forgets it. The directory is root's (0700), the files 0600. When
 * the cache cannot be written (a read-only /run) the API is asked every time, as before.
 */
final class PodCidrCache implements PodCidrSource {
    /** How long an answer is used before the API is asked again. */
    static final Duration MAX_AGE = Duration.ofMinutes(10);

    private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");
    private static final Pattern FIELD = Pattern.compile("(\\w+)=(\\S+)");

    private final Path file;
    private final String nodeName;
    private final Supplier<KubernetesNodeSource.Node> api;
    private final Duration maxAge;
    private final String bootId;

    /** The cache of {@code api}'s answers for node {@code nodeName}, beside {@code podCidrFile}. */
    static PodCidrCache of(Path podCidrFile, KubernetesNodeSource api) {
        return new PodCidrCache(
                fileFor(podCidrFile, api.nodeName()), api.nodeName(), api::lookup, MAX_AGE, currentBootId());
    }

    PodCidrCache(Path file, String nodeName, Supplier<KubernetesNodeSource.Node> api, Duration maxAge, String bootId) {
        this.file = file;
        this.nodeName = nodeName;
        this.api = api;
        this.maxAge = maxAge;
        this.bootId = bootId;
    }

    /** {@code /run/cni4j/podcidr} and node n1: {@code /run/cni4j/podcidr.d/n1}. */
    static Path fileFor(Path podCidrFile, String nodeName) {
        return podCidrFile.resolveSibling(podCidrFile.getFileName() + ".d").resolve(nodeName);
    }

    @Override
    public List<IpPrefix> podCidrs() {
        if (!KubernetesNodeSource.isValidNodeName(nodeName)) {
            return api.get().podCidrs(); // never a file name; the lookup says what is wrong with it
        }
        Entry cached = read();
        if (cached != null && cached.fresh()) {
            return cached.podCidrs();
        }
        try {
            privateDirectory();
            return StoreLock.run(file.resolveSibling(nodeName + ".lock"), this::askOnce);
        } catch (UncheckedIOException e) {
            return api.get().podCidrs(); // no cache here; every caller asks
        }
    }

    /** Under the lock: another caller may have asked while this one waited. */
    private List<IpPrefix> askOnce() {
        Entry cached = read();
        if (cached != null && cached.fresh()) {
            return cached.podCidrs();
        }
        KubernetesNodeSource.Node node;
        try {
            node = api.get();
        } catch (KubernetesNodeSource.Unreachable e) {
            if (cached == null) {
                throw e;
            }
            touch();
            return cached.podCidrs();
        }
        write(node);
        return node.podCidrs();
    }

    private record Entry(List<IpPrefix> podCidrs, Instant written, Duration maxAge) {
        boolean fresh() {
            return Instant.now().isBefore(written.plus(maxAge));
        }
    }

    /** The cached answer when it is this node's and this boot's; null when there is none. */
    private Entry read() {
        try {
            PodCidrFile.Contents contents = new PodCidrFile(file).read();
            Map<String, String> fields = new HashMap<>();
            if (contents.comment() != null) {
                Matcher m = FIELD.matcher(contents.comment());
                while (m.find()) {
                    fields.put(m.group(1), m.group(2));
                }
            }
            if (!nodeName.equals(fields.get("node"))
                    || !Objects.equals(bootId, fields.get("boot"))
                    || contents.cidrs().isEmpty()) {
                return null;
            }
            return new Entry(contents.cidrs(), Files.getLastModifiedTime(file).toInstant(), maxAge);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | RuntimeException e) {
            return null; // unreadable or malformed: ask again and replace it
        }
    }

    private void write(KubernetesNodeSource.Node node) {
        String comment = "pod CIDRs from the Kubernetes API (cni4j host-local): node=" + node.name() + " uid="
                + (node.uid() == null ? "-" : node.uid()) + (bootId == null ? "" : " boot=" + bootId);
        try {
            new PodCidrFile(file).write(comment, node.podCidrs(), AtomicFiles.PRIVATE);
        } catch (UncheckedIOException e) {
            // not kept: the next ADD asks again
        }
    }

    private void touch() {
        try {
            Files.setLastModifiedTime(file, FileTime.from(Instant.now()));
        } catch (IOException e) {
            // the next ADD asks again
        }
    }

    /** The cache's directory, root's only; a symbolic link or a file there means no cache. */
    private void privateDirectory() {
        Path dir = file.getParent();
        try {
            Files.createDirectories(
                    dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException(dir + " is not a directory");
            }
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The kernel's id of this boot, or null where /proc does not tell. */
    static String currentBootId() {
        try {
            return Files.readString(BOOT_ID, StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            return null;
        }
    }
}
