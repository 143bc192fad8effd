package dev.tern.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.attribute.UserPrincipalNotFoundException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;

/**
 * A PostgreSQL server of the tests' own: {@code initdb} into a temporary directory, {@code postgres} on 127.0.0.1 and
 * a free port (fsync on, no Unix socket), a password for its one role, and on {@link #close()} a fast shutdown and
 * the directory deleted. Never the system's service, its data directory or port 5432.
 *
 * <p>The binaries are Debian's ({@code apt-get install postgresql}: {@code /usr/lib/postgresql/<version>/bin}, not
 * on the PATH), or {@code initdb} on the PATH, or {@code $TERN_PG_BIN}. Without them the calling test is skipped
 * ({@link #startOrSkip()}). PostgreSQL refuses to run as root, so under root both programs run as the
 * {@code postgres} user that Debian's package creates (else {@code nobody}) through {@code setpriv}, and the
 * directory is handed to that user.
 */
public final class PrivatePostgres implements AutoCloseable {

    private static final String ROLE = "tern";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final Path bin;
    private final List<String> runAs;
    private final int port;
    private final String password;
    private final Process server;
    private final Thread shutdownHook;

    private PrivatePostgres(Path dir, Path bin, List<String> runAs, int port, String password, Process server) {
        this.dir = dir;
        this.bin = bin;
        this.runAs = runAs;
        this.port = port;
        this.password = password;
        this.server = server;
        // a JVM that ends without close() (a killed fork) must not leave a postmaster behind
        this.shutdownHook = new Thread(server::destroyForcibly, "private-postgres-" + port);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /** Starts a private server, or skips the calling test (JUnit assumption) when PostgreSQL is not installed. */
    public static PrivatePostgres startOrSkip() throws IOException, InterruptedException {
        Optional<Path> bin = binaries();
        Assumptions.assumeTrue(bin.isPresent(),
                "PostgreSQL is not installed (apt-get install postgresql; .ci/run does; or set TERN_PG_BIN)");
        return start(bin.get());
    }

    /** The directory holding initdb and postgres, if any. */
    static Optional<Path> binaries() {
        return binaries(System.getenv("TERN_PG_BIN"), Path.of("/usr/lib/postgresql"), System.getenv("PATH"));
    }

    /** {@code env} first, then {@code debian/<version>/bin} newest first, then the {@code path}'s directories. */
    static Optional<Path> binaries(String env, Path debian, String path) {
        List<Path> candidates = new ArrayList<>();
        if (env != null && !env.isBlank()) {
            candidates.add(Path.of(env));
        }
        if (Files.isDirectory(debian)) {
            try (Stream<Path> versions = Files.list(debian)) {
                // the newest major version first: "15" > "13", and "9.6" last
                versions.filter(v -> v.getFileName().toString().matches("\\d+(\\.\\d+)?"))
                        .sorted(Comparator.comparingDouble((Path v) -> Double.parseDouble(v.getFileName().toString()))
                                .reversed())
                        .forEach(v -> candidates.add(v.resolve("bin")));
            } catch (IOException e) {
                // as if absent
            }
        }
        if (path != null) {
            for (String entry : path.split(":")) {
                if (!entry.isEmpty()) {
                    candidates.add(Path.of(entry));
                }
            }
        }
        return candidates.stream()
                .filter(d -> Files.isExecutable(d.resolve("initdb")) && Files.isExecutable(d.resolve("postgres")))
                .findFirst()
                .map(d -> d.resolve("initdb").toAbsolutePath())
                .map(initdb -> resolved(initdb).getParent());
    }

    private static Path resolved(Path file) {
        try {
            return file.toRealPath(); // /usr/local/bin/initdb may link to /usr/lib/postgresql/15/bin/initdb
        } catch (IOException e) {
            return file;
        }
    }

    private static PrivatePostgres start(Path bin) throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("tern-postgres-");
        try {
            List<String> runAs = unprivileged(dir);
            String password = UUID.randomUUID().toString();
            Path passwordFile = Files.writeString(dir.resolve("password"), password + "\n", StandardCharsets.UTF_8);
            handOver(dir, passwordFile);
            Path data = dir.resolve("data");
            run(dir, runAs, List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", ROLE,
                    "--auth=scram-sha-256", "--pwfile=" + passwordFile, "--encoding=UTF8", "--locale=C"));
            Files.delete(passwordFile);
            int port = LoopbackPorts.free();
            List<String> command = new ArrayList<>(runAs);
            command.addAll(List.of(bin.resolve("postgres").toString(), "-D", data.toString(),
                    "-c", "listen_addresses=127.0.0.1", "-p", Integer.toString(port),
                    "-c", "unix_socket_directories=", "-c", "fsync=on", "-c", "max_connections=40"));
            Process server = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("postgres.log").toFile())
                    .start();
            PrivatePostgres postgres = new PrivatePostgres(dir, bin, runAs, port, password, server);
            try {
                postgres.awaitReady();
                return postgres;
            } catch (IOException | InterruptedException | RuntimeException e) {
                try {
                    postgres.close();
                } catch (IOException suppressed) {
                    e.addSuppressed(suppressed);
                }
                throw e;
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            deleteTree(dir);
            throw e;
        }
    }

    /** The command prefix that runs a program unprivileged: none unless we are root. */
    private static List<String> unprivileged(Path dir) throws IOException {
        long uid = ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
        if (uid != 0) {
            return List.of();
        }
        UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
        for (String[] candidate : new String[][] {{"postgres", "postgres"}, {"nobody", "nogroup"}}) {
            try {
                UserPrincipal user = users.lookupPrincipalByName(candidate[0]);
                GroupPrincipal group = users.lookupPrincipalByGroupName(candidate[1]);
                PosixFileAttributeView view = Files.getFileAttributeView(dir, PosixFileAttributeView.class);
                view.setOwner(user);
                view.setGroup(group);
                return List.of("setpriv", "--reuid=" + candidate[0], "--regid=" + candidate[1], "--clear-groups",
                        "--");
            } catch (UserPrincipalNotFoundException e) {
                // try the next
            }
        }
        Assumptions.abort("running as root and there is neither a postgres nor a nobody user to run PostgreSQL as");
        throw new AssertionError("unreachable");
    }

    /** Gives the password file to the directory's owner (the unprivileged user, or ourselves). */
    private static void handOver(Path dir, Path file) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        view.setOwner(Files.getOwner(dir));
    }

    private static void run(Path dir, List<String> runAs, List<String> program) throws IOException,
            InterruptedException {
        List<String> command = new ArrayList<>(runAs);
        command.addAll(program);
        Path log = dir.resolve(Path.of(program.get(0)).getFileName() + ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!process.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException(command + " did not finish; " + tail(log));
        }
        if (process.exitValue() != 0) {
            throw new IOException(command + " exited " + process.exitValue() + ": " + tail(log));
        }
    }

    private void awaitReady() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        SQLException last = null;
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                throw new IOException("postgres exited " + server.exitValue() + ": "
                        + tail(dir.resolve("postgres.log")));
            }
            try {
                DriverManager.getConnection(url("postgres"), credentials()).close();
                return;
            } catch (SQLException e) {
                last = e;
                Thread.sleep(100);
            }
        }
        throw new IOException("postgres did not accept connections on 127.0.0.1:" + port + " within "
                + START_TIMEOUT + ": " + (last == null ? "" : last.getMessage()) + "; "
                + tail(dir.resolve("postgres.log")));
    }

    private static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private Properties credentials() {
        Properties properties = new Properties();
        properties.setProperty("user", ROLE);
        properties.setProperty("password", password);
        return properties;
    }

    /** A JDBC URL for {@code database}, credentials included, as {@code --queue-db} takes one. */
    public String url(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database + "?user=" + ROLE + "&password=" + password;
    }

    /** Creates an empty database and returns its JDBC URL. */
    public String createDatabase(String name) throws SQLException {
        if (!name.matches("[a-z][a-z0-9_]*")) {
            throw new IllegalArgumentException("database name " + name);
        }
        try (Connection connection = DriverManager.getConnection(url("postgres"));
             Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        }
        return url(name);
    }

    public int port() {
        return port;
    }

    /** Fast shutdown (SIGINT: open sessions are ended), then the directory goes. */
    @Override
    public void close() throws IOException {
        try {
            if (server.isAlive()) {
                try {
                    run(dir, runAs, List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(),
                            "-m", "fast", "-w", "-t", Long.toString(STOP_TIMEOUT.toSeconds()), "stop"));
                } catch (IOException e) {
                    server.destroyForcibly();
                }
                if (!server.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                    server.destroyForcibly().waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            server.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> tree = Files.walk(root)) {
            for (Path path : tree.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }
}
