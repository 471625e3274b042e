package dev.cni4j.plugins.bridge;

import dev.cni4j.linux.firewall.FirewallBackend;
import dev.cni4j.linux.firewall.IptablesBackend;
import dev.cni4j.linux.firewall.NftLayout;
import dev.cni4j.linux.firewall.NftablesBackend;
import dev.cni4j.linux.firewall.ScriptText;
import dev.cni4j.net.IpPrefix;
import dev.cni4j.skel.Request;
import dev.cni4j.spec.Result;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * {@code ipMasq}: masquerade traffic from a pod's addresses to destinations outside its subnet
 * (multicast excluded). The rule layout is the reference plugin's, so either plugin can remove
 * the other's rules: nftables table {@code inet cni_plugins_masquerade} with commented per-address
 * rules, or an iptables chain {@code CNI-<hash>} per attachment jumped to from POSTROUTING.
 * Teardown uses the addresses in {@code prevResult}, so rules never leak when the interface is
 * already gone.
 */
final class IpMasq {
    static final String NFT_TABLE = "inet cni_plugins_masquerade";

    private final String backend;
    private final String network;
    private final String containerId;
    private final String ifname;

    private IpMasq(String backend, String network, String containerId, String ifname) {
        this.backend = backend;
        this.network = network;
        this.containerId = containerId;
        this.ifname = ifname;
    }

    static IpMasq forConfig(BridgeConfig cfg, Request request) {
        String backend = cfg.ipMasqBackend() != null
                ? cfg.ipMasqBackend()
                : FirewallBackend.detect(null).name();
        return new IpMasq(
                backend.startsWith("ip") ? "iptables" : "nftables",
                request.networkName(),
                request.containerId(),
                request.ifname());
    }

    void setup(List<Result.IpConfig> ips) {
        if (backend.equals("nftables")) {
            StringBuilder rules = new StringBuilder();
            for (Result.IpConfig ip : ips) {
                IpPrefix addr = ip.prefix();
                String fam = addr.isIPv4() ? "ip" : "ip6";
                rules.append("add rule ")
                        .append(NFT_TABLE)
                        .append(" masq_checks ")
                        .append(fam)
                        .append(" saddr ")
                        .append(addr.address())
                        .append(' ')
                        .append(fam)
                        .append(" daddr != ")
                        .append(addr.masked())
                        .append(" masquerade comment ")
                        .append(ScriptText.nftQuoted(comment()))
                        .append('\n');
            }
            NFT_LAYOUT.apply(new NftablesBackend(null), rules.toString());
            return;
        }
        for (boolean v6 : new boolean[] {false, true}) {
            StringBuilder s = new StringBuilder("*nat\n:" + chain() + " - [0:0]\n");
            int n = 0;
            for (Result.IpConfig ip : ips) {
                IpPrefix addr = ip.prefix();
                if (addr.isIPv4() == v6) {
                    continue;
                }
                String c = " -m comment --comment " + ScriptText.iptablesQuoted(iptComment());
                s.append("-A ")
                        .append(chain())
                        .append(" -d ")
                        .append(addr.masked())
                        .append(c)
                        .append(" -j ACCEPT\n");
                s.append("-A ")
                        .append(chain())
                        .append(" ! -d ")
                        .append(v6 ? "ff00::/8" : "224.0.0.0/4")
                        .append(c)
                        .append(" -j MASQUERADE\n");
                s.append("-A POSTROUTING -s ")
                        .append(addr.address())
                        .append(v6 ? "/128" : "/32")
                        .append(c)
                        .append(" -j ")
                        .append(chain())
                        .append('\n');
                n++;
            }
            if (n > 0) {
                iptables(v6).apply(s.append("COMMIT\n").toString());
            }
        }
    }

    /**
     * {@link #setup} on a thread of its own, started now in the calling thread's network namespace
     * (a new thread inherits it): the rules need only the addresses, so their transaction (~1 ms
     * in the daemon, more in a standalone exec) runs beside the pod's link work.
     */
    Started start(List<Result.IpConfig> ips) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofPlatform().daemon(true).name("cni4j-ipmasq").start(() -> {
            try {
                setup(ips);
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        });
        return new Started(done, ips);
    }

    /** A {@link #start}ed setup. */
    final class Started {
        private final CompletableFuture<Void> done;
        private final List<Result.IpConfig> ips;

        private Started(CompletableFuture<Void> done, List<Result.IpConfig> ips) {
            this.done = done;
            this.ips = ips;
        }

        /** Returns once the rules are in; throws what setup threw. */
        void await() {
            try {
                done.join();
            } catch (CompletionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                if (e.getCause() instanceof Error err) {
                    throw err;
                }
                throw e;
            }
        }

        /** Undo: lets the setup end either way, then removes whatever of it got in. */
        void undo() {
            try {
                done.join();
            } catch (CompletionException ignored) {
                // failed or not, teardown removes what may be there
            }
            teardown(ips);
        }
    }

    /** Removes this attachment's rules from both backends; missing rules are fine. */
    void teardown(List<Result.IpConfig> ips) {
        NftablesBackend nft = new NftablesBackend(null);
        String mine = hashForInstance(network, ifname, containerId);
        String legacy = legacyComment();
        // one listing: a chain that is not there deletes nothing
        nft.deleteRules(NFT_TABLE, "masq_checks", c -> c.startsWith(mine) || c.equals(legacy));
        for (boolean v6 : new boolean[] {false, true}) {
            try {
                IptablesBackend ipt = iptables(v6);
                if (!ipt.mayHaveTable("nat")) {
                    continue; // no nat table, so none of our rules: spare the iptables-save exec
                }
                // as iptables-save prints it inside "...": quotes and backslashes escaped
                ipt.deleteRulesWithComment(
                        "nat", "POSTROUTING", iptComment().replace("\\", "\\\\").replace("\"", "\\\""));
                ipt.deleteChain("nat", chain());
            } catch (RuntimeException e) {
                // no iptables here: nothing of ours can be there either
            }
        }
    }

    /** Removes nftables masquerade rules of this network whose attachment is not valid. */
    void gc(List<Request.Attachment> valid) {
        NftablesBackend nft = new NftablesBackend(null);
        if (!nft.chainExists(NFT_TABLE, "masq_checks")) {
            return;
        }
        java.util.Set<String> keep = new java.util.HashSet<>();
        for (Request.Attachment a : valid) {
            keep.add(comment(network, a.ifname(), a.containerId()));
            keep.add("net: " + network + ", if: " + a.ifname() + ", id: " + a.containerId());
        }
        String ours = hashForNetwork(network) + "-";
        String legacyOurs = "net: " + network + ", if: ";
        nft.deleteRules(
                NFT_TABLE, "masq_checks", c -> (c.startsWith(ours) || c.startsWith(legacyOurs)) && !keep.contains(c));
    }

    /** The reference's layout of the table (re-declaring it flushes and refills postrouting). */
    private static final String NFT_BASE = "add table " + NFT_TABLE + "\n"
            + "add chain " + NFT_TABLE + " postrouting { type nat hook postrouting priority srcnat; policy accept; }\n"
            + "add chain " + NFT_TABLE + " masq_checks\n"
            + "flush chain " + NFT_TABLE + " postrouting\n"
            + "add rule " + NFT_TABLE + " postrouting ip daddr 224.0.0.0/4 return\n"
            + "add rule " + NFT_TABLE + " postrouting ip6 daddr ff00::/8 return\n"
            + "add rule " + NFT_TABLE + " postrouting goto masq_checks\n";

    /**
     * Declared only when our marker is missing ({@link NftLayout}): the reference re-declares it
     * in every ADD (2-3 ms) and leaves no marker, and only ever touches its own chains and
     * commented rules, so our marker set in the shared table is inert.
     */
    static final NftLayout NFT_LAYOUT = new NftLayout(NFT_TABLE, NFT_BASE);

    private String comment() {
        return comment(network, ifname, containerId);
    }

    /**
     * The reference's rule comment: {@code <hash16(network)>-<hash16(ifname:containerID)>, net: N,
     * if: I, id: C}, where the names lose what an nft string cannot hold ({@code "}, control
     * characters) and the whole is cut to nft's 128 bytes; the hashes keep it unique.
     */
    static String comment(String network, String ifname, String containerId) {
        return ScriptText.utf8Prefix(
                hashForInstance(network, ifname, containerId) + ", net: "
                        + ScriptText.nftCommentText(network, 4096) + ", if: " + ScriptText.nftCommentText(ifname, 4096)
                        + ", id: " + ScriptText.nftCommentText(containerId, 4096),
                ScriptText.NFT_COMMENT_MAX);
    }

    /** The comment of rules made before cni4j used the reference's (removed on DEL, never made). */
    private String legacyComment() {
        return "net: " + network + ", if: " + ifname + ", id: " + containerId;
    }

    static String hashForNetwork(String network) {
        return sha512Hex(network).substring(0, 16);
    }

    static String hashForInstance(String network, String ifname, String containerId) {
        return hashForNetwork(network) + "-"
                + sha512Hex(ifname + ":" + containerId).substring(0, 16);
    }

    /**
     * The iptables comment {@code name: "N" id: "C"} as one restore parameter (N and C follow the
     * spec's name rules, checked by the entry point; quoting keeps any other text one parameter),
     * cut to iptables' 255 characters.
     */
    private String iptComment() {
        String c = "name: \"" + network + "\" id: \"" + containerId + "\"";
        return c.length() <= 255 ? c : c.substring(0, 252) + "...";
    }

    /** {@code CNI-} + 24 hex digits of sha512(network + containerID), the reference's chain name. */
    String chain() {
        return "CNI-" + sha512Hex(network + containerId).substring(0, 24);
    }

    private static String sha512Hex(String s) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-512").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static IptablesBackend iptables(boolean v6) {
        return v6 ? IptablesBackend.ipv6(null) : IptablesBackend.ipv4(null);
    }
}
