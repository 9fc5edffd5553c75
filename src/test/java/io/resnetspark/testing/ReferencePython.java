package io.resnetspark.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the independent reference: Debian's python3-torch / python3-torchvision under
 * /usr/bin/python3 (jobs/install-test-deps installs them). A missing reference fails the test; it
 * never skips it.
 */
public final class ReferencePython {

    public static final Path PYTHON = Path.of("/usr/bin/python3");
    public static final Path PROJECT = Path.of(System.getProperty("user.dir"));

    private ReferencePython() {}

    /** Runs a script of the project (path relative to the project root) and returns its stdout. */
    public static String runScript(String script, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(PYTHON.toString());
        command.add(PROJECT.resolve(script).toString());
        command.addAll(List.of(args));
        return run(command);
    }

    /** Runs an inline python program and returns its stdout. */
    public static String runInline(String program, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(PYTHON.toString(), "-c", program));
        command.addAll(List.of(args));
        return run(command);
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        if (!Files.isExecutable(PYTHON)) {
            fail(PYTHON + " is missing: run jobs/install-test-deps (Debian python3-torch, python3-torchvision)");
        }
        Path log = Files.createTempFile("reference-python", ".log");
        try {
            Process process =
                    new ProcessBuilder(command)
                            .redirectError(log.toFile())
                            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                            .start();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(10, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                fail("reference script timed out: " + command);
            }
            String err = Files.readString(log);
            assertEquals(0, process.exitValue(), () -> "reference script failed: " + command + "\n" + err
                    + "\n(jobs/install-test-deps installs python3-torch and python3-torchvision)");
            return out;
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
