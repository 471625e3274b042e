/** The Linux kernel layer: natives through FFM, network namespaces, rtnetlink, tc, sysctl, packet filtering. */
package dev.cni4j.linux;
