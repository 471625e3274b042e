/**
 * The chained {@code portmap} plugin ({@link dev.cni4j.plugins.portmap.Portmap}): hostPorts from the
 * {@code portMappings} capability, with all reference options.
 *
 * <p>Backends ({@link dev.cni4j.plugins.portmap.PortMapper}):
 * <ul>
 * <li>nftables: table {@code inet cni4j_hostport}; DNAT through maps keyed by
 * {@code proto . port} (or {@code hostIP . proto . port}), masquerade through sets of
 * {@code source . pod} pairs restricted to {@code ct status dnat}; every element carries the
 * owner comment {@code network/containerID}. One {@code nft -f -} per ADD (the table is read first
 * only when a key is already taken), one listing and one transaction per DEL. A hostPort goes to
 * the newest attachment; every attachment also has standby elements (keyed by pod address), from
 * which DEL gives the port back to an older attachment that still wants it.</li>
 * <li>iptables: the reference's chains and rules byte for byte ({@code CNI-HOSTPORT-DNAT},
 * {@code -SETMARK}, {@code -MASQ}, {@code CNI-DN-<sha512(network+containerID), 21 hex>}, same comments
 * and mark), one {@code iptables-save} and one {@code iptables-restore --noflush} per family, so the
 * reference plugin and this one can remove each other's rules.</li>
 * </ul>
 * Default backend: the config's {@code backend}, else what {@code conditionsV4/V6} or
 * {@code markMasqBit}/{@code externalSetMarkChain} imply, else nftables when {@code nft} works on the
 * node (the reference defaults to iptables). DEL and GC without a configured backend clean both.
 *
 * <p>Beyond the reference: DEL works without re-sent mappings (rules are found by owner); UDP
 * conntrack entries of mapped ports are flushed on ADD and DEL (with the conntrack tool: one listing
 * per family, then one delete per port that has entries); GC removes the network's rules of
 * attachments not in {@code cni.dev/valid-attachments}; only locally destined traffic is
 * intercepted; packets to 127/8 arriving on any interface but lo are dropped (route_localnet);
 * CHECK checks only the families the pod has. Not done: IPv6 localhost (::1) forwarding, like the
 * reference; conntrack through netlink instead of the tool. Known gap (nftables): a second ADD of
 * the same attachment whose mappings share no key with the first keeps the first ones until DEL.
 */
package dev.cni4j.plugins.portmap;
