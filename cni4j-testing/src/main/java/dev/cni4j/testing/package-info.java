/** Test support: throwaway network namespaces for privileged tests. */
package dev.cni4j.testing;
