/**
 * The {@code host-local} IPAM plugin, drop-in compatible with the reference Go plugin: same
 * config keys, same results, same on-disk reservations under {@code <dataDir>/<network>}.
 *
 * <p>Entry: {@link dev.cni4j.plugins.hostlocal.HostLocal}. Config:
 * {@link dev.cni4j.plugins.hostlocal.IpamConfig} (ranges assembled by {@code ConfiguredRanges},
 * requested IPs by {@code RequestedIps}, pod CIDRs from a
 * {@link dev.cni4j.plugins.hostlocal.PodCidrSource}: the node agent's file, else the Node object
 * through {@link dev.cni4j.plugins.hostlocal.kube.KubernetesNodeSource} (the subpackage {@code kube}: the hand-written
 * Kubernetes client, with {@code Kubeconfig}, {@code KubeTls} and {@code Pem}, asked once per node and kept by {@code
 * PodCidrCache}). Allocation: {@code Allocator} over {@link dev.cni4j.plugins.hostlocal.RangeSet}s of {@link
 * dev.cni4j.plugins.hostlocal.IpRange}s, persisted by {@link dev.cni4j.plugins.hostlocal.HostLocalStore} under {@code
 * StoreLock}.
 */
package dev.cni4j.plugins.hostlocal;
