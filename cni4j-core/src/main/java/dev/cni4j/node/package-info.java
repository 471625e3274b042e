/**
 * Facts about a CNI node that several modules share, each with one owner: the default paths
 * ({@link dev.cni4j.node.NodeLayout}), atomic file replacement ({@link dev.cni4j.node.AtomicFiles}),
 * the pod CIDR file host-local reads for usePodCidr ({@link dev.cni4j.node.PodCidrFile}).
 */
package dev.cni4j.node;
