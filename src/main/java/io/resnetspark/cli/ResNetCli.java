package io.resnetspark.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code jobs/resnet}: checks a model without Spark. Exit codes: 0 success, 2 bad usage or bad
 * input (with a one-line reason on standard error), 1 any other failure.
 */
@Command(
        name = "resnet",
        mixinStandardHelpOptions = true,
        version = "resnet-spark 0.1.0",
        description = "ResNet (torchvision-exact, DJL PyTorch engine) from the command line.",
        subcommands = {ForwardCommand.class, SaveCommand.class, InfoCommand.class, BenchCommand.class, DemoCommand.class,
            SettingsCommand.class, GpuCheckCommand.class})
public final class ResNetCli implements Runnable {

    static final int EXIT_BAD_INPUT = 2;
    static final int EXIT_FAILURE = 1;
    private static final int MAX_DETAIL_LINES = 5;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required");
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the CLI and returns its exit code (for tests and embedding). */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new ResNetCli());
        cli.setExecutionExceptionHandler(ResNetCli::report);
        return cli.execute(args);
    }

    private static int report(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        err.println(cmd.getCommandName() + ": error: " + oneLine(e));
        err.flush();
        boolean badInput = e instanceof IllegalArgumentException || e instanceof java.io.IOException;
        return badInput ? EXIT_BAD_INPUT : EXIT_FAILURE;
    }

    private static String oneLine(Throwable e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "file not found: " + e.getMessage();
        }
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        String[] lines = message.split("\n");
        StringBuilder line = new StringBuilder(lines[0]);
        // Long problem lists (a whole state_dict that does not fit) are cut to their first entries.
        for (int i = 1; i < Math.min(lines.length, MAX_DETAIL_LINES + 1); i++) {
            line.append("; ").append(lines[i].trim());
        }
        if (lines.length > MAX_DETAIL_LINES + 1) {
            line.append("; ... and ").append(lines.length - 1 - MAX_DETAIL_LINES).append(" more");
        }
        return line.toString();
    }
}
