package dev.tern.queuedb;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import org.slf4j.LoggerFactory;

import dev.tern.protocol.DsnRequest;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.MessageEncoding;
import dev.tern.protocol.ReversePath;
import dev.tern.queue.QueueEntry;
import dev.tern.store.StagedMessage;

/**
 * Run by {@link QueueDatabaseTest} in a JVM with a small heap: enqueues a staged file as message {@code LARGE} and
 * reads its body back, printing the body's SHA-256. Arguments: JDBC URL, file, size.
 */
final class BoundedHeapRoundTrip {

    private BoundedHeapRoundTrip() {
    }

    public static void main(String[] args) throws Exception {
        QueueDatabase queue = QueueDatabase.open(Connections.driverManager(args[0]));
        StagedMessage message = new StagedMessage(Path.of(args[1]), Long.parseLong(args[2]), 0);
        QueueEntry entry = queue.enqueue("LARGE", ReversePath.NULL, List.of(new MailAddress("bob", "example.org")),
                message, Instant.now(), MessageEncoding.PLAIN, DsnRequest.NONE, Map.of()).get(0);
        try (InputStream in = queue.openBody(entry)) {
            System.out.println("sha256 " + sha256(in));
        }
        System.out.println("max heap " + Runtime.getRuntime().maxMemory());
    }

    /**
     * Where this class and what it uses come from (test and main classes, the protocol module, the JDBC driver,
     * SLF4J), wherever the test runs: Surefire's manifest-only jar and an IDE's class path differ.
     */
    static String classPath(String url) throws SQLException, URISyntaxException {
        List<Class<?>> used = List.of(BoundedHeapRoundTrip.class, QueueDatabase.class, MailAddress.class,
                LoggerFactory.class, DriverManager.getDriver(url).getClass());
        Set<String> entries = new LinkedHashSet<>();
        for (Class<?> type : used) {
            entries.add(Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
        }
        return String.join(File.pathSeparator, entries);
    }

    /** Writes {@code size} pseudo-random octets in 64 KiB blocks; returns their SHA-256. */
    static String writeRandom(Path file, long size, Random random) throws IOException, NoSuchAlgorithmException {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] block = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long left = size; left > 0; left -= block.length) {
                random.nextBytes(block);
                int n = (int) Math.min(block.length, left);
                out.write(block, 0, n);
                digest.update(block, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    static String sha256(InputStream in) throws IOException, NoSuchAlgorithmException {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        byte[] block = new byte[64 * 1024];
        for (int n = in.read(block); n >= 0; n = in.read(block)) {
            digest.update(block, 0, n);
        }
        return HexFormat.of().formatHex(digest.digest());
    }
}
