package dev.cni4j.plugins.bridge;

import dev.cni4j.linux.firewall.FirewallBackend;
import dev.cni4j.linux.firewall.IptablesBackend;
import dev.cni4j.linux.firewall.NftablesBackend;
import dev.cni4j.plugins.common.Cidr;
import dev.cni4j.skel.Request;
import dev.cni4j.spec.Result;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

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
        String backend = cfg.ipMasqBackend() != null ? cfg.ipMasqBackend() : FirewallBackend.detect(null).name();
        return new IpMasq(backend.startsWith("ip") ? "iptables" : "nftables", request.networkName(),
                request.containerId(), request.ifname());
    }

    void setup(List<Result.IpConfig> ips) {
        if (backend.equals("nftables")) {
            StringBuilder s = new StringBuilder(nftBase());
            for (Result.IpConfig ip : ips) {
                Cidr addr = Cidr.parse(ip.address(), "address");
                String fam = addr.isIPv4() ? "ip" : "ip6";
                s.append("add rule ").append(NFT_TABLE).append(" masq_checks ").append(fam).append(" saddr ")
                        .append(addr.address().getHostAddress()).append(' ').append(fam).append(" daddr != ")
                        .append(addr.network()).append(" masquerade comment \"").append(comment()).append("\"\n");
            }
            new NftablesBackend(null).apply(s.toString());
            return;
        }
        for (boolean v6 : new boolean[] {false, true}) {
            StringBuilder s = new StringBuilder("*nat\n:" + chain() + " - [0:0]\n");
            int n = 0;
            for (Result.IpConfig ip : ips) {
                Cidr addr = Cidr.parse(ip.address(), "address");
                if (addr.isIPv4() == v6) {
                    continue;
                }
                String c = " -m comment --comment \"" + iptComment() + "\"";
                s.append("-A ").append(chain()).append(" -d ").append(addr.network()).append(c).append(" -j ACCEPT\n");
                s.append("-A ").append(chain()).append(" ! -d ").append(v6 ? "ff00::/8" : "224.0.0.0/4").append(c).append(" -j MASQUERADE\n");
                s.append("-A POSTROUTING -s ").append(addr.address().getHostAddress()).append(v6 ? "/128" : "/32").append(c)
                        .append(" -j ").append(chain()).append('\n');
                n++;
            }
            if (n > 0) {
                iptables(v6).apply(s.append("COMMIT\n").toString());
            }
        }
    }

    /** Removes this attachment's rules from both backends; missing rules are fine. */
    void teardown(List<Result.IpConfig> ips) {
        NftablesBackend nft = new NftablesBackend(null);
        if (nft.chainExists(NFT_TABLE, "masq_checks")) {
            nft.deleteRulesWithComment(NFT_TABLE, "masq_checks", comment());
        }
        for (boolean v6 : new boolean[] {false, true}) {
            try {
                IptablesBackend ipt = iptables(v6);
                ipt.deleteRulesWithComment("nat", "POSTROUTING", iptComment());
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
        String marker = "comment \"net: " + network + ", if: ";
        java.util.Set<String> stale = new java.util.LinkedHashSet<>();
        for (String line : nft.list().split("\n")) {
            int c = line.indexOf(marker);
            if (c < 0) {
                continue;
            }
            String comment = line.substring(c + 9, line.indexOf('"', c + 9));
            int idAt = comment.indexOf(", id: ");
            String ifn = comment.substring(comment.indexOf(", if: ") + 6, idAt);
            if (!valid.contains(new Request.Attachment(comment.substring(idAt + 6), ifn))) {
                stale.add(comment);
            }
        }
        for (String comment : stale) {
            nft.deleteRulesWithComment(NFT_TABLE, "masq_checks", comment);
        }
    }

    private static String nftBase() {
        return "add table " + NFT_TABLE + "\n"
                + "add chain " + NFT_TABLE + " postrouting { type nat hook postrouting priority srcnat; policy accept; }\n"
                + "add chain " + NFT_TABLE + " masq_checks\n"
                + "flush chain " + NFT_TABLE + " postrouting\n"
                + "add rule " + NFT_TABLE + " postrouting ip daddr 224.0.0.0/4 return\n"
                + "add rule " + NFT_TABLE + " postrouting ip6 daddr ff00::/8 return\n"
                + "add rule " + NFT_TABLE + " postrouting goto masq_checks\n";
    }

    private String comment() {
        return "net: " + network + ", if: " + ifname + ", id: " + containerId;
    }

    private String iptComment() {
        return "name: \\\"" + network + "\\\" id: \\\"" + containerId + "\\\"";
    }

    /** {@code CNI-} + 24 hex digits of sha512(network + containerID), the reference's chain name. */
    String chain() {
        try {
            byte[] d = MessageDigest.getInstance("SHA-512").digest((network + containerId).getBytes(StandardCharsets.UTF_8));
            return "CNI-" + HexFormat.of().formatHex(d).substring(0, 24);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static IptablesBackend iptables(boolean v6) {
        return v6 ? IptablesBackend.ipv6(null) : IptablesBackend.ipv4(null);
    }
}
