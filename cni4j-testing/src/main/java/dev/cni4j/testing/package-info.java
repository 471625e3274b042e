/** Test support: throwaway network namespaces for privileged tests; the fuzzer in {@code fuzz}. */
package dev.cni4j.testing;
