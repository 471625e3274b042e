/**
 * Facts about a CNI node that several modules share, each with one owner: the default paths
 * ({@link dev.cni4j.node.NodeLayout}), atomic file replacement ({@link dev.cni4j.node.AtomicFiles}),
 * the pod CIDR file host-local reads for usePodCidr ({@link dev.cni4j.node.PodCidrFile}) and
 * host-local's reservations on disk ({@link dev.cni4j.node.HostLocalReservations}), which
 * host-local writes and the CLI's doctor and the node agent's IPAM metric read.
 */
package dev.cni4j.node;
