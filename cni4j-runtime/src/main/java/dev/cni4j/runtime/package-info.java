/** The runtime side of CNI (what libcni is for Go): config loading, plugin exec, chains, result cache, GC, STATUS. */
package dev.cni4j.runtime;
