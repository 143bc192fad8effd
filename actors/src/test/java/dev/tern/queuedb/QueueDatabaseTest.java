package dev.tern.queuedb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.protocol.BodyType;
import dev.tern.protocol.DsnRequest;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.MessageEncoding;
import dev.tern.protocol.OriginalRecipient;
import dev.tern.protocol.RecipientDsn;
import dev.tern.protocol.ReversePath;
import dev.tern.protocol.TlsRequirement;
import dev.tern.queue.BodyFile;
import dev.tern.queue.QueueEntry;
import dev.tern.store.StagedMessage;
import dev.tern.testing.PrivatePostgres;

/** The queue in PostgreSQL, against a private server of the tests' own (skipped where PostgreSQL is missing). */
class QueueDatabaseTest {

    private static final Instant ARRIVAL = Instant.parse("2026-03-01T12:00:00.123456Z");
    private static final String RETURN_PATH = "Return-Path: <alice@example.com>\r\n";
    private static final ReversePath ALICE = new ReversePath.Sender(new MailAddress("alice", "example.com"));
    private static final MailAddress BOB = new MailAddress("bob", "example.org");
    private static final MailAddress CAROL = new MailAddress("carol", "example.net");
    private static final MailAddress DAN = new MailAddress("dan", "example.org");
    private static final AtomicInteger DATABASES = new AtomicInteger();

    private static PrivatePostgres postgres;

    @TempDir
    Path temp;

    private String url;
    private QueueDatabase queue;

    @BeforeAll
    static void startPostgres() throws Exception {
        postgres = PrivatePostgres.startOrSkip();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }

    @BeforeEach
    void freshDatabase() throws Exception {
        url = postgres.createDatabase("queue" + DATABASES.incrementAndGet());
        queue = QueueDatabase.open(Connections.driverManager(url));
    }

    // ---------------------------------------------------------------- schema

    @Test
    void anEmptyDatabaseGetsTheSchemaAndASecondStartChangesNothing() throws Exception {
        String empty = postgres.createDatabase("empty" + DATABASES.incrementAndGet());
        try (Connection connection = DriverManager.getConnection(empty)) {
            assertThat(QueueSchema.version(connection)).isZero();
            assertThat(QueueSchema.migrate(connection)).containsExactly(1, 2);
            assertThat(QueueSchema.version(connection)).isEqualTo(QueueSchema.latest());
        }
        QueueDatabase first = QueueDatabase.open(Connections.driverManager(empty));
        List<QueueEntry> queued = plain(first, "M1", ALICE, List.of(BOB), staged("M1", "Subject: x\r\n\r\nhi\r\n"),
                ARRIVAL);

        QueueDatabase second = QueueDatabase.open(Connections.driverManager(empty));
        try (Connection connection = DriverManager.getConnection(empty)) {
            assertThat(QueueSchema.migrate(connection)).isEmpty();
            assertThat(count(connection, "queue_schema_version")).isEqualTo(2);
        }
        assertThat(second.all()).isEqualTo(queued);
    }

    @Test
    void migrationsApplyOnlyWhatIsMissingInOrder() throws Exception {
        String database = postgres.createDatabase("migrated" + DATABASES.incrementAndGet());
        Migration two = new Migration(2, "a test column",
                List.of("ALTER TABLE queue_entry ADD COLUMN test_note text NOT NULL DEFAULT 'v2'"));
        try (Connection connection = DriverManager.getConnection(database)) {
            assertThat(QueueSchema.migrate(connection, List.of(QueueSchema.MIGRATIONS.get(0)))).containsExactly(1);
            try (Statement statement = connection.createStatement()) {
                statement.execute("INSERT INTO queue_message VALUES ('M', 0, 1)");
                statement.execute("INSERT INTO queue_entry (id, domain, message_id, sender, arrival, body_offset, "
                        + "body_size, body_type, smtputf8) VALUES ('M-1', 'example.org', 'M', '<>', now(), 0, 0, "
                        + "'7BIT', false)");
            }
            assertThat(QueueSchema.migrate(connection, List.of(QueueSchema.MIGRATIONS.get(0), two)))
                    .containsExactly(2);
            assertThat(QueueSchema.version(connection)).isEqualTo(2);
            try (Statement statement = connection.createStatement();
                 ResultSet row = statement.executeQuery("SELECT test_note FROM queue_entry WHERE id = 'M-1'")) {
                assertThat(row.next()).isTrue();
                assertThat(row.getString(1)).isEqualTo("v2"); // the version-1 row survived the migration
            }
            assertThat(QueueSchema.migrate(connection, List.of(QueueSchema.MIGRATIONS.get(0), two))).isEmpty();
        }
    }

    @Test
    void aSchemaNewerThanThisTernIsRefused() throws Exception {
        String database = postgres.createDatabase("newer" + DATABASES.incrementAndGet());
        try (Connection connection = DriverManager.getConnection(database)) {
            List<Migration> future = new ArrayList<>(QueueSchema.MIGRATIONS);
            int latest = QueueSchema.latest();
            future.add(new Migration(latest + 1, "from the future", List.of("CREATE TABLE queue_future (x integer)")));
            QueueSchema.migrate(connection, future);
        }
        int latest = QueueSchema.latest();
        assertThatThrownBy(() -> QueueDatabase.open(Connections.driverManager(database)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("version " + (latest + 1) + ", newer than this Tern knows (" + latest + ")");
    }

    @Test
    void aDatabaseWhoseCommitsAreNotDurableIsRefused() throws Exception {
        String database = postgres.createDatabase("careless" + DATABASES.incrementAndGet());
        try (Connection connection = DriverManager.getConnection(database);
             Statement statement = connection.createStatement()) {
            statement.execute("ALTER DATABASE " + connection.getCatalog() + " SET synchronous_commit = off");
        }

        assertThatThrownBy(() -> QueueDatabase.open(Connections.driverManager(database)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("synchronous_commit off");
        try (Connection connection = DriverManager.getConnection(database)) {
            assertThat(QueueSchema.version(connection)).isZero(); // refused before creating anything
        }
    }

    @Test
    void aFailedMigrationLeavesTheSchemaAsItWas() throws Exception {
        String database = postgres.createDatabase("broken" + DATABASES.incrementAndGet());
        List<Migration> withBroken = new ArrayList<>(QueueSchema.MIGRATIONS);
        withBroken.add(new Migration(QueueSchema.latest() + 1, "fails half-way",
                List.of("CREATE TABLE queue_half (x integer)", "ALTER TABLE no_such_table ADD COLUMN y integer")));
        try (Connection connection = DriverManager.getConnection(database)) {
            QueueSchema.migrate(connection);
            assertThatThrownBy(() -> QueueSchema.migrate(connection, withBroken))
                    .isInstanceOf(SQLException.class);
            assertThat(QueueSchema.version(connection)).isEqualTo(QueueSchema.latest());
            try (Statement statement = connection.createStatement();
                 ResultSet row = statement.executeQuery("SELECT to_regclass('queue_half') IS NULL")) {
                row.next();
                assertThat(row.getBoolean(1)).isTrue();
            }
        }
    }

    @Test
    void nodesStartingTogetherMigrateOnce() throws Exception {
        String database = postgres.createDatabase("together" + DATABASES.incrementAndGet());
        ExecutorService nodes = Executors.newFixedThreadPool(4);
        try {
            List<Future<QueueDatabase>> started = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                started.add(nodes.submit(() -> QueueDatabase.open(Connections.driverManager(database))));
            }
            for (Future<QueueDatabase> node : started) {
                assertThat(node.get(60, TimeUnit.SECONDS)).isNotNull();
            }
        } finally {
            nodes.shutdownNow();
        }
        try (Connection connection = DriverManager.getConnection(database)) {
            assertThat(count(connection, "queue_schema_version")).isEqualTo(2);
        }
    }

    // ---------------------------------------------------------------- entries

    @Test
    void entriesRoundTripWithEveryField() throws Exception {
        RecipientDsn bobDsn = new RecipientDsn(EnumSet.of(RecipientDsn.Notify.SUCCESS, RecipientDsn.Notify.DELAY),
                OriginalRecipient.parse("rfc822;bob+2Bx@example.org"));
        RecipientDsn carolDsn = new RecipientDsn(Set.of(), null); // NOTIFY=NEVER
        List<QueueEntry> queued = queue.enqueue("M1", ALICE, List.of(BOB, CAROL, DAN, BOB),
                staged("M1", "Subject: caf\u00e9\r\n\r\nbody\r\n"), ARRIVAL,
                new MessageEncoding(BodyType.EIGHT_BIT_MIME, true), new DsnRequest(DsnRequest.Ret.HDRS, "env+2Bid"),
                Map.of(BOB, bobDsn, CAROL, carolDsn));

        assertThat(queued).extracting(QueueEntry::id).containsExactly("M1-1", "M1-2");
        QueueEntry org = queued.get(0);
        assertThat(org.recipients()).extracting(r -> r.address()).containsExactly(BOB, DAN);
        assertThat(org.bodyOffset()).isEqualTo(RETURN_PATH.length());
        assertThat(queue.all()).isEqualTo(queued);

        Instant now = ARRIVAL.plusSeconds(60);
        // every field a recipient can have, free text with what PostgreSQL's text refuses (NUL, a lone surrogate)
        QueueEntry changed = org
                .deferred(BOB, "4.4.1", "X-Tern; line\nbreak \\ back\u0000slash \ud800", "mx.example.org[192.0.2.7]",
                        now, now.plusSeconds(300))
                .warned(List.of(BOB), now.plusSeconds(1))
                .relayed(DAN, "mx2.example.org", now.plusNanos(1_000));
        queue.update(changed);
        QueueEntry net = queued.get(1).failed(CAROL, "5.1.1", "smtp; 550 5.1.1 no such user", "mx.example.net", now);
        queue.update(net);

        assertThat(queue.find("M1-1")).contains(changed);
        assertThat(queue.find("M1-2")).contains(net);
        assertThat(queue.load("example.org")).containsExactly(changed);
        assertThat(queue.all()).containsExactly(changed, net);
        assertThat(queue.domains()).containsExactly("example.net", "example.org");
        assertThat(queue.find("NOPE-1")).isEmpty();
    }

    @Test
    void requireTlsRoundTripsAndMarksEveryEntryOfTheMessage() throws Exception {
        List<QueueEntry> queued = queue.enqueue("M1", ALICE, List.of(BOB, CAROL), staged("M1", "x\r\n"), ARRIVAL,
                MessageEncoding.PLAIN, DsnRequest.NONE, Map.of(), TlsRequirement.REQUIRETLS);

        assertThat(queued).extracting(QueueEntry::tls).containsExactly(TlsRequirement.REQUIRETLS,
                TlsRequirement.REQUIRETLS); // RFC 8689 §4.1: every copy tagged alike
        assertThat(queue.all()).isEqualTo(queued);
        QueueEntry deferred = queued.get(0).deferred(BOB, "4.4.1", "X-Tern; later", null, ARRIVAL, ARRIVAL);
        queue.update(deferred);
        assertThat(queue.find("M1-1")).map(QueueEntry::tls).contains(TlsRequirement.REQUIRETLS);
        assertThat(plain(queue, "M2", ALICE, List.of(BOB), staged("M2", "x\r\n"), ARRIVAL).get(0).tls())
                .isEqualTo(TlsRequirement.DEFAULT);
        assertThat(queue.find("M2-1")).map(QueueEntry::tls).contains(TlsRequirement.DEFAULT);
    }

    @Test
    void anEntryWrittenBySchemaVersionOneReadsWithoutRequireTls() throws Exception {
        String database = postgres.createDatabase("v1rows" + DATABASES.incrementAndGet());
        try (Connection connection = DriverManager.getConnection(database)) {
            QueueSchema.migrate(connection, List.of(QueueSchema.MIGRATIONS.get(0)));
            try (Statement statement = connection.createStatement()) {
                statement.execute("INSERT INTO queue_message VALUES ('M', 3, 1024)");
                statement.execute("INSERT INTO queue_entry (id, domain, message_id, sender, arrival, body_offset, "
                        + "body_size, body_type, smtputf8) VALUES ('M-1', 'example.org', 'M', '<>', now(), 0, 3, "
                        + "'7BIT', false)");
                statement.execute("INSERT INTO queue_recipient (entry_id, ordinal, address, status, attempts, "
                        + "relayed) VALUES ('M-1', 0, '<bob@example.org>', 'PENDING', 0, false)");
            }
        }
        QueueDatabase migrated = QueueDatabase.open(Connections.driverManager(database));

        assertThat(migrated.find("M-1")).map(QueueEntry::tls).contains(TlsRequirement.DEFAULT);
    }

    @Test
    void instantsAreKeptToTheMicrosecond() throws Exception {
        Instant fine = Instant.parse("2026-03-01T12:00:00.123456789Z");
        QueueEntry queued = plain(queue, "M1", ReversePath.NULL, List.of(BOB), staged("M1", "x\r\n"), fine).get(0);

        assertThat(queued.arrival()).isEqualTo(Instant.parse("2026-03-01T12:00:00.123456Z"));
        assertThat(queue.find(queued.id()).map(QueueEntry::arrival)).contains(queued.arrival());
    }

    @Test
    void loadGivesADomainsEntriesOldestFirst() throws Exception {
        plain(queue, "M2", ALICE, List.of(BOB), staged("M2", "two\r\n"), ARRIVAL.plusSeconds(2));
        plain(queue, "M1", ALICE, List.of(DAN, CAROL), staged("M1", "one\r\n"), ARRIVAL.plusSeconds(1));

        assertThat(queue.load("example.org")).extracting(QueueEntry::id).containsExactly("M1-1", "M2-1");
        assertThat(queue.load("example.net")).extracting(QueueEntry::id).containsExactly("M1-2");
        assertThat(queue.load("example.com")).isEmpty();
    }

    @Test
    void theBodyGoesOnceItsLastEntryIsRemoved() throws Exception {
        List<QueueEntry> queued = plain(queue, "M1", ALICE, List.of(BOB, CAROL), staged("M1", "body\r\n"), ARRIVAL);

        queue.remove(queued.get(0));
        assertThat(queue.all()).containsExactly(queued.get(1));
        assertThat(body(queued.get(1))).isEqualTo("body\r\n");

        assertThat(queue.remove("M1-2")).isTrue();
        assertThat(queue.remove("M1-2")).isFalse();
        assertThat(queue.all()).isEmpty();
        assertEmpty("queue_message", "queue_body_chunk", "queue_recipient");
    }

    @Test
    void entriesOfOneMessageRemovedAtOnceStillTakeTheBody() throws Exception {
        List<MailAddress> recipients = new ArrayList<>();
        for (int d = 0; d < 6; d++) {
            recipients.add(new MailAddress("user", "d" + d + ".example"));
        }
        ExecutorService relays = Executors.newFixedThreadPool(recipients.size());
        try {
            for (int round = 0; round < 10; round++) {
                List<QueueEntry> queued = plain(queue, "M" + round, ALICE, recipients, staged("M" + round, "x\r\n"),
                        ARRIVAL);
                CountDownLatch go = new CountDownLatch(1);
                List<Future<Void>> removals = new ArrayList<>();
                for (QueueEntry entry : queued) {
                    removals.add(relays.submit(() -> {
                        go.await();
                        queue.remove(entry);
                        return null;
                    }));
                }
                go.countDown();
                for (Future<Void> removal : removals) {
                    removal.get(60, TimeUnit.SECONDS);
                }
            }
        } finally {
            relays.shutdownNow();
        }
        assertEmpty("queue_entry", "queue_message", "queue_body_chunk");
    }

    @Test
    void updatingARemovedEntryFails() throws Exception {
        QueueEntry entry = plain(queue, "M1", ALICE, List.of(BOB), staged("M1", "x\r\n"), ARRIVAL).get(0);
        queue.remove(entry);

        assertThatThrownBy(() -> queue.update(entry.delivered(BOB, "mx", ARRIVAL)))
                .isInstanceOf(NoSuchFileException.class);
    }

    // ---------------------------------------------------------------- bodies and atomicity

    @Test
    void aBodyReadsBackFromItsOffsetAcrossChunkBoundaries() throws Exception {
        QueueDatabase smallChunks = new QueueDatabase(Connections.driverManager(url), 7);
        String content = "Subject: chunks\r\n\r\n" + "0123456789".repeat(13) + "\r\n";
        QueueEntry entry = plain(smallChunks, "M1", ALICE, List.of(BOB), staged("M1", content), ARRIVAL).get(0);

        assertThat(body(entry)).isEqualTo(content); // the Return-Path: line is not relayed
        try (InputStream in = queue.openBody(entry)) { // the chunk size is the stored message's, not the reader's
            assertThat(in.read()).isEqualTo('S');
            byte[] some = new byte[5];
            assertThat(in.read(some, 0, 5)).isEqualTo(5);
            assertThat(new String(some, StandardCharsets.US_ASCII)).isEqualTo("ubjec");
            assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo(content.substring(6));
            assertThat(in.read()).isEqualTo(-1);
        }
        try (Connection connection = DriverManager.getConnection(url)) {
            long size = RETURN_PATH.length() + content.length();
            assertThat(count(connection, "queue_body_chunk")).isEqualTo((size + 6) / 7);
        }
    }

    @Test
    void aStagedFileEndingMidBodyLeavesNeitherEntryNorBody() throws Exception {
        QueueDatabase smallChunks = new QueueDatabase(Connections.driverManager(url), 1024);
        Path file = Files.write(temp.resolve("short"), new byte[3000]);
        StagedMessage claimsMore = new StagedMessage(file, 10_000, 0); // the file ends inside the third chunk

        assertThatThrownBy(() -> plain(smallChunks, "M1", ALICE, List.of(BOB, CAROL), claimsMore, ARRIVAL))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("ended after 3000 of 10000 octets");

        assertThat(queue.all()).isEmpty();
        assertEmpty("queue_message", "queue_body_chunk", "queue_entry", "queue_recipient");
    }

    @Test
    void aSecondEnqueueOfOneMessageIdFailsWhole() throws Exception {
        List<QueueEntry> first = plain(queue, "M1", ALICE, List.of(BOB), staged("M1", "first\r\n"), ARRIVAL);

        StagedMessage second = staged("M1b", "second\r\n");
        assertThatThrownBy(() -> plain(queue, "M1", ALICE, List.of(CAROL), second, ARRIVAL))
                .isInstanceOf(IOException.class);

        assertThat(queue.all()).isEqualTo(first);
        assertThat(body(first.get(0))).isEqualTo("first\r\n");
    }

    @Test
    void aBodyReadAfterItsEntryWasRemovedFailsRatherThanEndingShort() throws Exception {
        QueueDatabase smallChunks = new QueueDatabase(Connections.driverManager(url), 4);
        QueueEntry entry = plain(smallChunks, "M1", ALICE, List.of(BOB), staged("M1", "0123456789abcdef"), ARRIVAL)
                .get(0);
        try (InputStream in = smallChunks.openBody(entry)) {
            assertThat(in.read()).isEqualTo('0');
            smallChunks.remove(entry);
            assertThatThrownBy(in::readAllBytes).isInstanceOf(IOException.class).hasMessageContaining("missing");
        }
    }

    /**
     * 20 MiB in and out, byte-exact, in a JVM whose whole heap is 16 MiB: a body held whole on either side could not
     * fit.
     */
    @Test
    void aTwentyMebibyteBodyStreamsThroughASixteenMebibyteHeap() throws Exception {
        Path file = temp.resolve("large");
        long size = 20L * 1024 * 1024;
        String digest = BoundedHeapRoundTrip.writeRandom(file, size, new Random(11));

        Path output = temp.resolve("child.out");
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx16m", "-cp", BoundedHeapRoundTrip.classPath(url), BoundedHeapRoundTrip.class.getName(),
                url, file.toString(), Long.toString(size))
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        boolean finished = child.waitFor(5, TimeUnit.MINUTES);
        if (!finished) {
            child.destroyForcibly();
        }
        String printed = Files.readString(output);
        assertThat(finished).as("child finished; it printed: %s", printed).isTrue();
        assertThat(child.exitValue()).as("child exit; it printed: %s", printed).isZero();
        assertThat(printed).contains("sha256 " + digest);
        // and it is really in the database, for another node to read
        Optional<QueueEntry> entry = queue.find("LARGE-1");
        assertThat(entry).isPresent();
        assertThat(entry.get().bodySize()).isEqualTo(size);
        try (InputStream in = queue.openBody(entry.get())) {
            assertThat(BoundedHeapRoundTrip.sha256(in)).isEqualTo(digest);
        }
    }

    // ---------------------------------------------------------------- body files, sweep, the pool

    @Test
    void aBodyFileIsAPrivateCopyOfExactlyTheEntrysOctetsGoneOnClose() throws Exception {
        QueueDatabase smallChunks = new QueueDatabase(Connections.driverManager(url), 5);
        String content = "Subject: copy\r\n\r\n" + "caf\u00e9 \u0000\u00ff".repeat(9) + "\r\n";
        QueueEntry entry = plain(smallChunks, "M1", ALICE, List.of(BOB), staged("M1", content), ARRIVAL).get(0);
        Path scratch = Files.createDirectories(temp.resolve("scratch"));

        BodyFile body = queue.bodyFile(entry, scratch);
        try (body) {
            assertThat(body.copy()).isTrue();
            assertThat(body.file().getParent()).isEqualTo(scratch);
            assertThat(body.offset()).isZero();
            assertThat(body.size()).isEqualTo(entry.bodySize());
            assertThat(Files.readAllBytes(body.file())).isEqualTo(content.getBytes(StandardCharsets.UTF_8));
            assertThat(Files.getPosixFilePermissions(body.file()))
                    .isEqualTo(PosixFilePermissions.fromString("rw-------"));
            assertThat(queue.bodyFile(entry, scratch).file()).as("a copy per attempt").isNotEqualTo(body.file());
        }
        assertThat(Files.exists(body.file())).as("deleted on close").isFalse();
    }

    @Test
    void aBodyFileOfARemovedEntryFailsAndLeavesNoCopy() throws Exception {
        QueueEntry entry = plain(queue, "M1", ALICE, List.of(BOB), staged("M1", "gone\r\n"), ARRIVAL).get(0);
        queue.remove(entry);
        Path scratch = Files.createDirectories(temp.resolve("scratch"));

        assertThatThrownBy(() -> queue.bodyFile(entry, scratch)).isInstanceOf(IOException.class);
        try (Stream<Path> left = Files.list(scratch)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void sweepFindsNothingToClear() throws Exception {
        plain(queue, "M1", ALICE, List.of(BOB), staged("M1", "x\r\n"), ARRIVAL);

        assertThat(queue.sweep()).isZero();
        assertThat(queue.all()).hasSize(1);
    }

    @Test
    void aPoolOfTwoServesTheQueueAndAThirdBorrowerFailsAfterTheWait() throws Exception {
        try (PooledConnections pool = new PooledConnections(url, 2, Duration.ofMillis(500))) {
            QueueDatabase pooled = QueueDatabase.open(pool);
            List<QueueEntry> queued = plain(pooled, "M1", ALICE, List.of(BOB, CAROL), staged("M1", "pooled\r\n"),
                    ARRIVAL);
            assertThat(pooled.load("example.org")).containsExactly(queued.get(0));
            assertThat(queue.all()).as("through the pool, durable for everyone").isEqualTo(queued);

            try (Connection first = pool.open(); Connection second = pool.open()) {
                assertThat(first.isValid(1) && second.isValid(1)).isTrue();
                long started = System.nanoTime();
                assertThatThrownBy(pool::open).isInstanceOf(SQLException.class);
                assertThat(Duration.ofNanos(System.nanoTime() - started)).as("waited for a connection")
                        .isGreaterThanOrEqualTo(Duration.ofMillis(450)).isLessThan(Duration.ofSeconds(5));
                assertThatThrownBy(() -> pooled.load("example.org")).as("the queue fails rather than waits on")
                        .isInstanceOf(IOException.class);
            }
            assertThat(pooled.load("example.net")).as("connections handed back are used again")
                    .containsExactly(queued.get(1));
        }
    }

    @Test
    void aThirdBorrowerGetsAConnectionOnceOneIsHandedBack() throws Exception {
        try (PooledConnections pool = new PooledConnections(url, 2, Duration.ofSeconds(5))) {
            Connection first = pool.open();
            try (Connection second = pool.open()) {
                ExecutorService borrower = Executors.newSingleThreadExecutor();
                try {
                    Future<Boolean> third = borrower.submit(() -> {
                        try (Connection connection = pool.open()) {
                            return connection.isValid(1);
                        }
                    });
                    Thread.sleep(200);
                    assertThat(third.isDone()).as("waits while both are out").isFalse();
                    first.close();
                    assertThat(third.get(5, TimeUnit.SECONDS)).isTrue();
                } finally {
                    borrower.shutdownNow();
                }
            }
        }
    }

    // ---------------------------------------------------------------- helpers

    private StagedMessage staged(String name, String content) throws IOException {
        byte[] octets = (RETURN_PATH + content).getBytes(StandardCharsets.UTF_8);
        return new StagedMessage(Files.write(temp.resolve(name), octets), octets.length, RETURN_PATH.length());
    }

    /** Enqueues a message without BODY=, SMTPUTF8 or DSN parameters. */
    private static List<QueueEntry> plain(QueueDatabase into, String messageId, ReversePath sender,
                                          List<MailAddress> recipients, StagedMessage message, Instant arrival)
            throws IOException {
        return into.enqueue(messageId, sender, recipients, message, arrival, MessageEncoding.PLAIN, DsnRequest.NONE,
                Map.of());
    }

    private void assertEmpty(String... tables) throws SQLException {
        try (Connection connection = DriverManager.getConnection(url)) {
            for (String table : tables) {
                assertThat(count(connection, table)).as(table).isZero();
            }
        }
    }

    private String body(QueueEntry entry) throws IOException {
        try (InputStream in = queue.openBody(entry)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static long count(Connection connection, String table) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT count(*) FROM " + table)) {
            row.next();
            return row.getLong(1);
        }
    }
}
