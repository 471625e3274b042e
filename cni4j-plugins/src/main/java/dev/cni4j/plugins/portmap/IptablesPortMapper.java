package dev.cni4j.plugins.portmap;

import dev.cni4j.linux.firewall.FirewallException;
import dev.cni4j.linux.firewall.IptablesBackend;
import dev.cni4j.net.IpPrefix;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Port mappings as the reference's iptables rules (see {@link PortMappingRules}), per address
 * family: one {@code iptables-save} to read the node and one {@code iptables-restore --noflush}
 * batch to change it, instead of one iptables process per rule.
 */
final class IptablesPortMapper implements PortMapper {
    private static final Pattern OWNER =
            Pattern.compile("--comment \"dnat name: \\\\\"(.*?)\\\\\" id: \\\\\"(.*?)\\\\\"\"");

    private static final Pattern UDP_PORT = Pattern.compile("-p udp -m udp --dport (\\d+) .*-j DNAT");

    private final IptablesBackend ipv4 = IptablesBackend.ipv4(null);
    private final IptablesBackend ipv6 = IptablesBackend.ipv6(null);

    @Override
    public void add(PortMapConfig config, PodAddresses pod) {
        for (IpPrefix addr : new IpPrefix[] {pod.v4(), pod.v6()}) {
            if (addr != null && !config.mappingsFor(addr.isIPv4()).isEmpty()) {
                IptablesBackend b = addr.isIPv4() ? ipv4 : ipv6;
                b.apply(PortMappingRules.addScript(config, addr, IptablesSave.parse(b.list())));
            }
        }
    }

    @Override
    public Set<Integer> del(PortMapConfig config) {
        String dn = PortMappingRules.dnatChain(config.networkName(), config.containerId());
        List<String> chains = List.of(dn, PortMappingRules.oldSnatChain(config.networkName(), config.containerId()));
        Set<Integer> udp = new java.util.HashSet<>();
        forEachUsableFamily(b -> {
            IptablesSave now = IptablesSave.parse(b.list());
            for (String rule : now.rules("nat", dn)) {
                Matcher m = UDP_PORT.matcher(rule);
                if (m.find()) {
                    udp.add(Integer.parseInt(m.group(1)));
                }
            }
            String script = PortMappingRules.removeScript(now, chains);
            if (!script.isEmpty()) {
                b.apply(script);
            }
        });
        return udp;
    }

    @Override
    public void gc(PortMapConfig config, Set<String> validContainerIds) {
        forEachUsableFamily(b -> {
            IptablesSave now = IptablesSave.parse(b.list());
            List<String> stale = new ArrayList<>();
            for (String line : now.rules("nat", PortMappingRules.DNAT)) {
                Matcher m = OWNER.matcher(line);
                if (m.find() && m.group(1).equals(config.networkName()) && !validContainerIds.contains(m.group(2))) {
                    stale.add(PortMappingRules.dnatChain(m.group(1), m.group(2)));
                }
            }
            String script = PortMappingRules.removeScript(now, stale);
            if (!script.isEmpty()) {
                b.apply(script);
            }
        });
    }

    @Override
    public String check(PortMapConfig config, PodAddresses pod) {
        String dn = PortMappingRules.dnatChain(config.networkName(), config.containerId());
        for (IpPrefix addr : new IpPrefix[] {pod.v4(), pod.v6()}) {
            List<PortMapping> mappings = addr == null ? List.of() : config.mappingsFor(addr.isIPv4());
            if (mappings.isEmpty()) {
                continue; // only the families the pod has are checked (the reference 1.1.1 checked both)
            }
            IptablesBackend b = addr.isIPv4() ? ipv4 : ipv6;
            IptablesSave now = IptablesSave.parse(b.list());
            if (!now.hasChain("nat", dn)) {
                return b.name() + ": chain " + dn + " not found";
            }
            if (now.rules("nat", PortMappingRules.DNAT).stream().noneMatch(l -> l.endsWith("-j " + dn))) {
                return b.name() + ": no rule in " + PortMappingRules.DNAT + " jumps to " + dn;
            }
            String ip = addr.address().toString();
            for (PortMapping m : mappings) {
                String to = "--to-destination " + (addr.isIPv4() ? ip : "[" + ip + "]") + ":" + m.containerPort();
                boolean found = now.rules("nat", dn).stream()
                        .anyMatch(l -> l.contains("-p " + m.protocol() + " ")
                                && l.contains("--dport " + m.hostPort() + " ")
                                && l.endsWith(to));
                if (!found) {
                    return b.name() + ": no DNAT rule for " + m.protocol() + "/" + m.hostPort() + " in " + dn;
                }
            }
        }
        return null;
    }

    /**
     * Runs {@code work} (list, then one batch) for IPv4 and IPv6 where usable and a nat table
     * exists (DEL and GC only find and remove rules); fails only if neither family is usable. A failed batch is
     * retried with a fresh listing: a concurrent DEL of the same attachment may have removed some of the rules in
     * between.
     */
    private void forEachUsableFamily(java.util.function.Consumer<IptablesBackend> work) {
        List<RuntimeException> failures = new ArrayList<>();
        for (IptablesBackend b : List.of(ipv4, ipv6)) {
            if (!b.mayHaveTable("nat")) {
                continue; // no nat table, so none of our rules: spare the -save exec (5-15 ms)
            }
            try {
                for (int attempt = 1; ; attempt++) {
                    try {
                        work.accept(b);
                        break;
                    } catch (FirewallException e) {
                        if (attempt >= 3 || !e.getMessage().contains("-restore ")) {
                            throw e; // a listing that fails (no ip6tables) fails again
                        }
                    }
                }
            } catch (FirewallException | java.io.UncheckedIOException e) {
                failures.add(e);
            }
        }
        if (failures.size() == 2) {
            throw failures.get(0);
        }
    }
}
