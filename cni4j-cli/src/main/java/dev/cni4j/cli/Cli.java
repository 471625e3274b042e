package dev.cni4j.cli;

import dev.cni4j.linux.LinuxException;
import dev.cni4j.linux.NetNs;
import dev.cni4j.spec.CniVersion;
import java.io.PrintStream;
import java.util.Arrays;

/**
 * The {@code cni4j} command. User errors print one line on stderr and exit non-zero, never a
 * stack trace.
 */
public final class Cli {
    static final String USAGE = """
            usage: cni4j <command> [args]

            commands:
              netns add NAME      create a named network namespace (like ip netns add)
              netns del NAME      delete a named network namespace
              netns list          list named network namespaces
              version             print the cni4j and CNI spec versions
              help                this text
            """;

    private final PrintStream out;
    private final PrintStream err;

    Cli(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        System.exit(new Cli(System.out, System.err).run(args));
    }

    int run(String[] args) {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
            out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        try {
            return switch (args[0]) {
                case "version" -> {
                    out.println("cni4j 0.1.0, CNI spec " + String.join(", ", CniVersion.ALL));
                    yield 0;
                }
                case "netns" -> netns(Arrays.copyOfRange(args, 1, args.length));
                default -> usageError("unknown command \"" + args[0] + "\"");
            };
        } catch (LinuxException e) {
            err.println("cni4j: " + e.getMessage());
            return 1;
        }
    }

    private int netns(String[] args) {
        if (args.length == 0 || args[0].equals("--help")) {
            out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        switch (args[0]) {
            case "add" -> {
                if (args.length != 2) {
                    return usageError("netns add takes one NAME");
                }
                out.println(NetNs.create(args[1]));
            }
            case "del" -> {
                if (args.length != 2) {
                    return usageError("netns del takes one NAME");
                }
                if (!NetNs.delete(args[1])) {
                    err.println("cni4j: no network namespace named \"" + args[1] + "\"");
                    return 1;
                }
            }
            case "list" -> NetNs.list().forEach(out::println);
            default -> {
                return usageError("unknown netns command \"" + args[0] + "\"");
            }
        }
        return 0;
    }

    private int usageError(String message) {
        err.println("cni4j: " + message + " (see cni4j help)");
        return 2;
    }
}
