package dev.tern.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The real Tern service as a separate OS process ({@code dev.tern.service.Main run}) on
 * free loopback ports, with its own data directory; stdout and stderr go to
 * {@code <dataDir>/tern.log} so that failures can show the log tail.
 */
public final class TernProcess implements AutoCloseable {

    public static final String MAIN = "dev.tern.service.Main";
    public static final String DOMAIN = "example.test";
    public static final String HOSTNAME = "tern.test";
    static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(45);
    static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(60);

    /** The server JVM: small stacks and heap, as the ./tern launcher uses. */
    /** The discard port: no DNS server on loopback answers there. */
    static final int UNANSWERED_DNS_PORT = 9;
    static final List<String> SERVER_JVM = List.of("-Xss512k", "-Xms64m", "-Xmx384m", "-XX:+ExitOnOutOfMemoryError");
    /** Admin commands start, edit a file and exit: favour start-up time over peak speed. */
    static final List<String> ADMIN_JVM = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx128m");

    private static final AtomicInteger USERS = new AtomicInteger();

    /** How to start Tern; the defaults are the contract's test set-up. */
    public static final class Options {
        private String store;
        private Long maxMessageSize;
        private String inboundHost = "127.0.0.1";
        private Path configFile;
        private String umask;
        private boolean http;
        private final List<String> extraArgs = new ArrayList<>();

        /** Binds the web page and JSON API too ({@code --http 127.0.0.1:PORT}, a fresh port each start). */
        public Options http() {
            http = true;
            return this;
        }

        public Options numberedStore() {
            store = "numbered";
            return this;
        }

        public Options maxMessageSize(long bytes) {
            maxMessageSize = bytes;
            return this;
        }

        /** "127.0.0.1" or "::1". */
        public Options inboundHost(String host) {
            inboundHost = host;
            return this;
        }

        public Options config(Path file) {
            configFile = file;
            return this;
        }

        /** Runs Tern and its admin commands under this umask (e.g. "000"), through /bin/sh's umask builtin. */
        public Options umask(String mask) {
            umask = mask;
            return this;
        }

        public Options extra(String... args) {
            extraArgs.addAll(List.of(args));
            return this;
        }
    }

    private final Path dataDir;
    private final boolean ownsDataDir;
    private final Options options;
    private final Path log;
    private int inboundPort;
    private int outboundPort;
    private int smtpsPort;
    private int httpPort;
    private Process process;
    private int starts;

    private TernProcess(Path dataDir, boolean ownsDataDir, Options options) {
        this.dataDir = dataDir;
        this.ownsDataDir = ownsDataDir;
        this.options = options;
        this.log = dataDir.resolve("tern.log");
    }

    /** Starts Tern on fresh ports in a fresh data directory and waits for "ready". */
    public static TernProcess launch(Options options) {
        TernProcess tern = new TernProcess(TestDirs.create("tern"), true, options);
        tern.start();
        return tern;
    }

    public static TernProcess launch() {
        return launch(new Options());
    }

    /** A Tern that is not started yet, for tests of the command line itself. */
    public static TernProcess unstarted(Options options) {
        return new TernProcess(TestDirs.create("tern"), true, options);
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path mailRoot() {
        return dataDir.resolve("mail");
    }

    public Path usersFile() {
        return dataDir.resolve("users");
    }

    public Path logFile() {
        return log;
    }

    public int inboundPort() {
        return inboundPort;
    }

    public int outboundPort() {
        return outboundPort;
    }

    /**
     * The implicit-TLS listener's port ({@code --smtps 127.0.0.1:PORT}): always given, since
     * its default {@code [::]:4465} would make every Tern of the run collide on one port.
     */
    public int smtpsPort() {
        return smtpsPort;
    }

    /** The HTTP listener's port, with {@link Options#http()}. */
    public int httpPort() {
        return httpPort;
    }

    /** {@code http://127.0.0.1:PORT} of the web page and JSON API, with {@link Options#http()}. */
    public String httpBase() {
        return "http://127.0.0.1:" + httpPort;
    }

    /** The self-signed certificate Tern generates when no --tls-cert is given. */
    public Path generatedCertificate() {
        return dataDir.resolve("tls").resolve("cert.pem");
    }

    /** The address tests connect to: the inbound listener's host. */
    public String host() {
        return options.inboundHost;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** The data-dir options every command (run and admin) takes, so they act on the same files. */
    private List<String> fileOptions() {
        List<String> args = new ArrayList<>(List.of("--data-dir", dataDir.toString(), "-u", usersFile().toString(),
                "-m", mailRoot().toString()));
        if (options.store != null) {
            args.add("--store");
            args.add(options.store);
        }
        if (options.configFile != null) {
            args.add("-c");
            args.add(options.configFile.toString());
        }
        return args;
    }

    /** The full {@code run} command line (fresh ports are chosen by {@link #start()}). */
    public List<String> runArguments() {
        String inbound = options.inboundHost.contains(":") ? "[" + options.inboundHost + "]" : options.inboundHost;
        List<String> args = new ArrayList<>(List.of("run"));
        args.addAll(fileOptions());
        args.addAll(List.of("--inbound", inbound + ":" + inboundPort, "--outbound", "127.0.0.1:" + outboundPort,
                "--smtps", "127.0.0.1:" + smtpsPort, "-d", DOMAIN, "--hostname", HOSTNAME));
        if (options.http) {
            args.addAll(List.of("--http", "127.0.0.1:" + httpPort));
        }
        if (options.maxMessageSize != null) {
            args.add("--max-message-size");
            args.add(Long.toString(options.maxMessageSize));
        }
        if (!options.extraArgs.contains("--dns")) {
            // Tests never ask the machine's resolvers: mail relayed by a test that has no fake DNS
            // of its own meets a loopback port where nothing answers, and just stays queued.
            args.addAll(List.of("--dns", "127.0.0.1:" + UNANSWERED_DNS_PORT));
        }
        args.addAll(options.extraArgs);
        return args;
    }

    /** The command, run under the options' umask if one is set; exec keeps java's PID the process's. */
    private List<String> underUmask(List<String> command) {
        if (options.umask == null) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of("/bin/sh", "-c", "umask " + options.umask + " && exec \"$@\"", "sh"));
        wrapped.addAll(command);
        return wrapped;
    }

    /** Starts (or restarts, on new ports) the process and waits until it prints "ready". */
    public synchronized void start() {
        if (isAlive()) {
            throw new IllegalStateException("Tern is running already");
        }
        inboundPort = TestDirs.freePort(options.inboundHost);
        outboundPort = TestDirs.freePort();
        smtpsPort = TestDirs.freePort();
        httpPort = options.http ? TestDirs.freePort() : 0;
        starts++;
        try {
            appendLog("\n===== test harness: start #" + starts + " " + runArguments() + "\n");
            process = new ProcessBuilder(underUmask(Exec.java(SERVER_JVM, MAIN, runArguments())))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
        awaitReady();
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        int readyLinesBefore = starts - 1;
        while (System.nanoTime() < deadline) {
            if (readyLines() > readyLinesBefore) {
                return;
            }
            if (!process.isAlive()) {
                throw new AssertionError("Tern exited with " + process.exitValue() + " before printing 'ready'"
                        + logTail());
            }
            sleep(50);
        }
        process.destroyForcibly();
        throw new AssertionError("Tern printed no 'ready' within " + READY_TIMEOUT + logTail());
    }

    private long readyLines() {
        return log().lines().filter(line -> line.strip().equals("ready")).count();
    }

    /** SIGTERM, then waits (bounded) and returns the exit code. */
    public synchronized int stop() {
        if (process == null) {
            return 0;
        }
        process.destroy();
        return awaitExit(STOP_TIMEOUT);
    }

    /** Sends SIGTERM and returns at once (see {@link #awaitExit}). */
    public synchronized void terminate() {
        process.destroy();
    }

    /** SIGKILL: the kill -9 case. Returns the exit code (137 on Linux). */
    public synchronized int kill() {
        process.destroyForcibly();
        return awaitExit(Duration.ofSeconds(15));
    }

    /** Waits for the process to end by itself (e.g. after a usage error). */
    public int awaitExit(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                throw new AssertionError("Tern did not exit within " + timeout + logTail());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
        return process.exitValue();
    }

    /** Stops Tern (expecting exit code 0 after SIGTERM) and removes its data directory. */
    @Override
    public void close() {
        try {
            if (isAlive()) {
                int exit = stop();
                if (exit != 0) {
                    throw new AssertionError("Tern exited with " + exit + " after SIGTERM" + logTail());
                }
            }
        } finally {
            if (ownsDataDir && (process == null || !process.isAlive())) {
                TestDirs.deleteQuietly(dataDir);
            }
        }
    }

    /** The whole log (stdout and stderr) so far. */
    public String log() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** The last lines of the log, formatted for an assertion message. */
    public String logTail() {
        List<String> lines = log().lines().toList();
        int from = Math.max(0, lines.size() - 60);
        return "\n----- tail of " + log + " -----\n" + String.join("\n", lines.subList(from, lines.size()))
                + "\n-----";
    }

    /** Waits (bounded) until the log contains the text; returns whether it did. */
    public boolean awaitLog(String text, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        do {
            if (log().contains(text)) {
                return true;
            }
            sleep(50);
        } while (System.nanoTime() < deadline);
        return false;
    }

    private void appendLog(String text) throws IOException {
        Files.writeString(log, text, StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.APPEND);
    }

    // ----- administration -----

    /** Runs {@code Main <args> <the same file options>} as its own process. */
    public Exec.Result admin(byte[] stdin, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(fileOptions());
        return Exec.run(ADMIN_TIMEOUT, stdin, underUmask(Exec.java(ADMIN_JVM, MAIN, all)));
    }

    /** {@code user add NAME}, expecting exit 0 and a Maildir (or numbered mailbox) for NAME. */
    public String addUser(String name) {
        Exec.Result result = admin(null, "user", "add", name);
        if (result.exitCode() != 0) {
            throw new AssertionError("user add " + name + " failed: " + result.describe());
        }
        return name;
    }

    /** {@code user add NAME --password-stdin}, the password given on stdin. */
    public String addUser(String name, String password) {
        Exec.Result result = admin((password + "\n").getBytes(StandardCharsets.UTF_8), "user", "add", name,
                "--password-stdin");
        if (result.exitCode() != 0) {
            throw new AssertionError("user add " + name + " --password-stdin failed: " + result.describe());
        }
        return name;
    }

    /** Adds a user whose name no other test uses: {@code prefix} plus a counter. */
    public String newUser(String prefix) {
        return addUser(prefix + USERS.incrementAndGet());
    }

    public static String address(String user) {
        return user + "@" + DOMAIN;
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }
}
