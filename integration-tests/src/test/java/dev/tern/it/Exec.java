package dev.tern.it;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs an external program to completion (bounded), its output captured in files. */
public final class Exec {
    private Exec() {
    }

    /** How a program ended. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public String describe() {
            return "command " + command + " exited " + exitCode + "\n--- stdout:\n" + stdout + "\n--- stderr:\n" + stderr;
        }

        public List<String> stderrLines() {
            return stderr.lines().filter(line -> !line.isBlank()).toList();
        }
    }

    public static Result run(Duration timeout, byte[] stdin, List<String> command) {
        Path out = null;
        Path err = null;
        Path in = null;
        try {
            out = Files.createTempFile("tern-it-exec", ".out");
            err = Files.createTempFile("tern-it-exec", ".err");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectOutput(out.toFile())
                    .redirectError(err.toFile());
            if (stdin != null) {
                in = Files.createTempFile("tern-it-exec", ".in");
                Files.write(in, stdin);
                builder.redirectInput(in.toFile());
            } else {
                builder.redirectInput(new File("/dev/null"));
            }
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("command " + command + " did not finish within " + timeout
                        + "\n--- stdout:\n" + Files.readString(out, StandardCharsets.ISO_8859_1)
                        + "\n--- stderr:\n" + Files.readString(err, StandardCharsets.ISO_8859_1));
            }
            return new Result(List.copyOf(command), process.exitValue(),
                    Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + command, e);
        } finally {
            for (Path p : new Path[] {out, err, in}) {
                if (p != null) {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException ignored) {
                        // a temp file left behind
                    }
                }
            }
        }
    }

    public static Result run(Duration timeout, String... command) {
        return run(timeout, null, List.of(command));
    }

    /** Whether an executable of that name is on the PATH. */
    public static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    /** {@code java -cp <the test class path> <jvmOptions> <mainClass> <args>}. */
    public static List<String> java(List<String> jvmOptions, String mainClass, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(testClassPath());
        command.add(mainClass);
        command.addAll(args);
        return command;
    }

    /**
     * The class path that holds tern-actors and its dependencies. Surefire may run tests
     * from a manifest-only jar; surefire.test.class.path is then the real path (the jar
     * would work too, its Class-Path is honoured, but it disappears with the fork).
     */
    static String testClassPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }
}
