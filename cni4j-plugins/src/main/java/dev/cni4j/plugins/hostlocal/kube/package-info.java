/**
 * host-local's hand-written Kubernetes client, used only by {@code "subnet": "usePodCidr"} when the
 * node agent's pod CIDR file does not exist: one GET of the Node object
 * ({@link dev.cni4j.plugins.hostlocal.kube.KubernetesNodeSource}) with the JDK's HTTP client,
 * the kubeconfig read with SnakeYAML ({@code Kubeconfig}, loaded on this path only), TLS from its
 * PEM data ({@code KubeTls}, {@code Pem}). It knows nothing of host-local's ranges or store.
 */
package dev.cni4j.plugins.hostlocal.kube;
