import dev.cni4j.linux.NetNs;
import dev.cni4j.linux.rtnl.Link;
import dev.cni4j.linux.rtnl.Rtnl;
import dev.cni4j.linux.rtnl.Veth;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * What a CNI ADD+DEL does to links: create a veth pair with its peer placed straight into the
 * pod namespace, bring the pod end up, then delete the pair. Run inside the "node" namespace.
 *
 * <pre>java VethBench POD_NETNS_PATH [iterations]</pre>
 * One iteration prints the in-process time; more print the median after a warm-up.
 */
public class VethBench {
    public static void main(String[] args) throws Exception {
        long t0 = System.nanoTime();
        Path podPath = Path.of(args[0]);
        int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 1;
        long[] times = new long[iterations];
        for (int i = 0; i < iterations; i++) {
            long s = System.nanoTime();
            once(podPath);
            times[i] = System.nanoTime() - s;
        }
        if (iterations == 1) {
            System.out.printf(
                    "in-process: first ADD+DEL %.2f ms (main start to done %.2f ms)%n",
                    times[0] / 1e6, (System.nanoTime() - t0) / 1e6);
        } else {
            long[] warm = Arrays.copyOfRange(times, Math.min(50, iterations / 2), iterations);
            Arrays.sort(warm);
            System.out.printf(
                    "warm: first %.2f ms, median of last %d: %.3f ms, p90 %.3f ms%n",
                    times[0] / 1e6, warm.length, warm[warm.length / 2] / 1e6, warm[(int) (warm.length * 0.9)] / 1e6);
        }
    }

    static void once(Path podPath) {
        try (NetNs pod = NetNs.open(podPath);
                Rtnl node = Rtnl.openCurrent();
                Rtnl inPod = Rtnl.open(pod)) {
            String host = node.links().createVethWithRandomName(Veth.intoNamespace(null, "eth0", pod, 1500));
            node.links().setUp(host);
            Link eth0 = inPod.links().require("eth0");
            inPod.links().setUp(eth0.index());
            node.links().delete(host); // DEL: deleting the host end removes the pod end too
        }
    }
}
