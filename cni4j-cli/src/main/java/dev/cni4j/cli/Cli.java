package dev.cni4j.cli;

import dev.cni4j.json.PrettyJson;
import dev.cni4j.linux.LinuxException;
import dev.cni4j.runtime.PluginFailedException;
import dev.cni4j.spec.CniException;
import dev.cni4j.spec.CniVersion;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The {@code cni4j} command: dispatches to one class per command group. Every failure prints
 * one line on stderr ({@code cni4j: ...}) and exits non-zero, never a stack trace (set
 * {@code CNI4J_DEBUG=1} to see one): 2 for a mistake in the command line, 1 otherwise.
 */
public final class Cli {
    static final String VERSION = "0.1.0";
    static final String USAGE = """
            usage: cni4j <command> [args]   (cni4j <command> --help for details)

            networks:
              add NETWORK NETNS      attach NETNS to a network of the conf dir; prints the result
              del NETWORK NETNS      detach it
              check NETWORK NETNS    check the attachment (CNI CHECK)
              status NETWORK         is the network ready for new containers (CNI STATUS)
              gc NETWORK             clean up stale attachments (CNI GC)
            namespaces:
              netns add|del|list     named network namespaces, like ip netns
              netns exec NETNS -- CMD...
            node:
              install                install the cni4j plugins and a network config
              uninstall              remove exactly what install wrote
              doctor                 check the node for common CNI problems
              policy explain SRC DST PORT[/PROTO]
                                     ask the node agent whether NetworkPolicy lets it through, and why
            other:
              version                print the cni4j and CNI spec versions
              help [COMMAND]         this text, or the help of COMMAND
            """;

    private final PrintStream out;
    private final PrintStream err;
    private final Map<String, String> env;

    Cli(PrintStream out, PrintStream err, Map<String, String> env) {
        this.out = out;
        this.err = err;
        this.env = env;
    }

    public static void main(String[] args) {
        int status = new Cli(System.out, System.err, System.getenv()).run(args);
        System.out.flush();
        System.exit(status);
    }

    int run(String... argv) {
        if (argv.length == 0) {
            err.print(USAGE);
            return CliException.USAGE;
        }
        List<String> rest = Arrays.asList(argv).subList(1, argv.length);
        try {
            return switch (argv[0]) {
                case "help", "--help", "-h" -> {
                    if (argv.length > 1 && !argv[1].startsWith("-")) {
                        yield run(argv[1], "--help"); // cni4j help add
                    }
                    out.print(USAGE);
                    yield 0;
                }
                case "version", "--version" -> version(rest);
                case "add", "del", "check" -> networks().attachment(argv[0], rest);
                case "status" -> networks().status(rest);
                case "gc" -> networks().gc(rest);
                case "netns" -> new NetnsCommands(out).run(rest);
                case "install" -> new InstallCommands(out, err).install(rest);
                case "uninstall" -> new InstallCommands(out, err).uninstall(rest);
                case "doctor" -> new DoctorCommand(out, env).run(rest);
                case "policy" -> new PolicyCommand(out).run(rest);
                default -> throw CliException.usage("unknown command \"" + argv[0] + "\"");
            };
        } catch (CliException e) {
            return fail(
                    e.getMessage() + (e.exitStatus() == CliException.USAGE ? helpHint(argv[0]) : ""),
                    e.exitStatus(),
                    e);
        } catch (CniException e) {
            return fail(describe(e), 1, e);
        } catch (LinuxException | UncheckedIOException e) {
            return fail(e.getMessage(), 1, e);
        } catch (RuntimeException e) {
            return fail("internal error: " + e, 1, e);
        }
    }

    private int version(List<String> argv) {
        Args args = Args.parse(argv, "--json");
        if (args.flag("--json")) {
            out.println(PrettyJson.write(Map.of("version", VERSION, "cniVersions", CniVersion.ALL)));
        } else {
            out.println("cni4j " + VERSION + ", CNI spec " + String.join(", ", CniVersion.ALL));
        }
        return 0;
    }

    private NetworkCommands networks() {
        return new NetworkCommands(out, err, env);
    }

    /** A CNI error on one line: which plugin failed, its message, code and details. */
    static String describe(CniException e) {
        if (e instanceof PluginFailedException p) {
            return p.toString();
        }
        return e.getMessage() + " (code " + e.code() + (e.details() == null ? "" : ", " + e.details()) + ")";
    }

    private static String helpHint(String command) {
        boolean known = List.of(
                        "add", "del", "check", "status", "gc", "netns", "install", "uninstall", "doctor", "policy")
                .contains(command);
        return known ? " (see cni4j " + command + " --help)" : " (see cni4j help)";
    }

    private int fail(String message, int status, Throwable e) {
        err.println("cni4j: " + message.replace('\n', ' '));
        if ("1".equals(env.get("CNI4J_DEBUG"))) {
            e.printStackTrace(err);
        }
        return status;
    }
}
