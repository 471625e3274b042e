package dev.cni4j.cli;

import dev.cni4j.json.PrettyJson;
import dev.cni4j.linux.NetNs;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code netns add|del|list|exec}: named network namespaces under /run/netns, like
 * {@code ip netns}. {@code exec} forks the command from a thread inside the namespace (children
 * inherit the forking thread's netns), so unlike {@code ip netns exec} nothing is remounted.
 */
final class NetnsCommands {
    static final String USAGE = """
            usage: cni4j netns add NAME              create a named network namespace
                   cni4j netns del NAME              delete it
                   cni4j netns list [--json]         list named network namespaces
                   cni4j netns exec NETNS -- CMD...  run CMD inside NETNS (a name or a path);
                                                     exits with CMD's exit status
            """;

    private final PrintStream out;

    NetnsCommands(PrintStream out) {
        this.out = out;
    }

    int run(List<String> argv) {
        if (argv.isEmpty()) {
            throw CliException.usage("netns needs a command: add, del, list or exec");
        }
        String command = argv.get(0);
        Args args = Args.parse(
                argv.subList(1, argv.size()), command.equals("list") ? new String[] {"--json"} : new String[0]);
        if (args.help() || command.equals("--help") || command.equals("-h") || command.equals("help")) {
            out.print(USAGE);
            return 0;
        }
        switch (command) {
            case "add" -> out.println(NetNs.create(name(args, "netns add")));
            case "del" -> {
                String name = name(args, "netns del");
                if (!NetNs.delete(name)) {
                    throw CliException.failed("no network namespace named \"" + name + "\"");
                }
            }
            case "list" -> {
                args.expect("netns list");
                List<String> names = NetNs.list().stream().sorted().toList();
                if (args.flag("--json")) {
                    out.println(PrettyJson.write(names));
                } else {
                    names.forEach(out::println);
                }
            }
            case "exec" -> {
                return exec(args);
            }
            default -> throw CliException.usage("unknown netns command \"" + command + "\"");
        }
        return 0;
    }

    private static String name(Args args, String command) {
        String name = args.expect(command, "NAME").get(0);
        if (name.indexOf('/') >= 0) {
            throw CliException.usage(command + " takes a NAME, not a path: \"" + name + "\"");
        }
        Netns.resolve(name); // validates the name
        return name;
    }

    private int exec(Args args) {
        Path ns = Netns.resolve(args.expect("netns exec", "NETNS").get(0));
        List<String> command = args.rest();
        if (command.isEmpty()) {
            throw CliException.usage("netns exec needs a command after --");
        }
        out.flush();
        try (NetNs netns = NetNs.open(ns)) {
            return netns.run(() -> {
                try {
                    return new ProcessBuilder(command).inheritIO().start().waitFor();
                } catch (IOException e) {
                    throw CliException.failed("cannot run " + command.get(0) + ": " + e.getMessage());
                }
            });
        } catch (dev.cni4j.linux.NetNsNotFoundException e) {
            throw CliException.failed("network namespace " + ns + " does not exist");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw CliException.failed("interrupted");
        }
    }
}
