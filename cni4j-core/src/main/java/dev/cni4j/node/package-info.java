/**
 * Facts about a CNI node that several modules share, each with one owner: the default paths
 * ({@link dev.cni4j.node.NodeLayout}), atomic file replacement ({@link dev.cni4j.node.AtomicFiles}),
 * the pod CIDR file host-local reads for usePodCidr ({@link dev.cni4j.node.PodCidrFile}),
 * host-local's reservations on disk ({@link dev.cni4j.node.HostLocalReservations}), which
 * host-local writes and the CLI's doctor and the node agent's IPAM metric read, and the default
 * conflist of {@code cni4j install} and the node agent ({@link dev.cni4j.node.DefaultConflist}).
 */
package dev.cni4j.node;
