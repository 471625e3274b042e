/* A CNI plugin that does nothing, for the containerd benchmark's floor column (ContainerdPodBenchmark):
 * ADD answers an interface and an address without touching the kernel, everything else succeeds
 * silently. RunPodSandbox with a chain of these is containerd's own work plus four execs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    char buf[65536];
    while (read(0, buf, sizeof buf) > 0) {}
    const char *cmd = getenv("CNI_COMMAND"), *ifname = getenv("CNI_IFNAME"), *netns = getenv("CNI_NETNS");
    int pid = getpid();
    if (cmd && !strcmp(cmd, "ADD"))
        printf("{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"%s\",\"sandbox\":\"%s\"}],"
               "\"ips\":[{\"address\":\"10.88.%d.%d/16\",\"interface\":0}]}",
               ifname ? ifname : "eth0", netns ? netns : "", (pid >> 8) & 255, pid & 255);
    else if (cmd && !strcmp(cmd, "VERSION"))
        printf("{\"cniVersion\":\"1.0.0\",\"supportedVersions\":[\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\"]}");
    return 0;
}
