package dev.tern.queue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.protocol.MailAddress;
import dev.tern.protocol.ReversePath;
import dev.tern.store.StagedMessage;

class QueueSpoolTest {

    private static final Instant ARRIVAL = Instant.parse("2026-03-01T12:00:00Z");
    private static final String RETURN_PATH = "Return-Path: <alice@example.com>\r\n";
    private static final byte[] MESSAGE = (RETURN_PATH
            + "Received: from client by mx\r\nSubject: hi\r\n\r\nbody \u00e9\r\n")
            .getBytes(StandardCharsets.ISO_8859_1);
    private static final ReversePath ALICE = new ReversePath.Sender(new MailAddress("alice", "example.com"));
    private static final MailAddress BOB = new MailAddress("bob", "example.org");
    private static final MailAddress CAROL = new MailAddress("carol", "example.net");
    private static final MailAddress DAN = new MailAddress("Dan", "EXAMPLE.org");

    @TempDir
    Path temp;

    private Path queueDir;
    private QueueSpool spool;
    private StagedMessage staged;

    @BeforeEach
    void setUp() throws IOException {
        Path incoming = Files.createDirectories(temp.resolve("incoming"));
        queueDir = temp.resolve("queue");
        spool = new QueueSpool(queueDir);
        staged = new StagedMessage(Files.write(incoming.resolve("M1"), MESSAGE), MESSAGE.length, RETURN_PATH.length());
    }

    private List<QueueEntry> enqueueTwoDomains() throws IOException {
        return spool.enqueue("M1", ALICE, List.of(BOB, CAROL, DAN, BOB), staged, ARRIVAL);
    }

    private static byte[] relayed(QueueSpool spool, QueueEntry e) throws IOException {
        byte[] all = Files.readAllBytes(spool.body(e));
        return Arrays.copyOfRange(all, (int) e.bodyOffset(), (int) (e.bodyOffset() + e.bodySize()));
    }

    private static List<String> tree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString()).sorted().toList();
        }
    }

    @Test
    void enqueueCreatesOneEntryPerDomainWithTheRelayableBytes() throws IOException {
        List<QueueEntry> entries = enqueueTwoDomains();

        assertThat(entries).extracting(QueueEntry::id).containsExactly("M1-1", "M1-2");
        assertThat(entries).extracting(QueueEntry::domain).containsExactly("example.org", "example.net");
        assertThat(entries.get(0).pendingAddresses()).containsExactly(BOB, DAN); // BOB once
        assertThat(entries.get(1).pendingAddresses()).containsExactly(CAROL);
        assertThat(tree(queueDir)).containsExactly(
                "example.net/M1-2.env", "example.net/M1-2.msg", "example.org/M1-1.env", "example.org/M1-1.msg");
        byte[] expected = Arrays.copyOfRange(MESSAGE, RETURN_PATH.length(), MESSAGE.length);
        for (QueueEntry e : entries) {
            assertThat(e.bodyOffset()).isEqualTo(RETURN_PATH.length());
            assertThat(e.bodySize()).isEqualTo(MESSAGE.length - RETURN_PATH.length());
            assertThat(e.messageId()).isEqualTo("M1");
            assertThat(e.sender()).isEqualTo(ALICE);
            assertThat(e.arrival()).isEqualTo(ARRIVAL);
            assertThat(relayed(spool, e)).isEqualTo(expected);
            assertThat(new String(relayed(spool, e), StandardCharsets.ISO_8859_1)).startsWith("Received:");
        }
    }

    @Test
    void theBodyIsAHardLinkOfTheStagedFile() throws IOException {
        QueueEntry e = enqueueTwoDomains().get(0);

        assertThat(Files.getAttribute(spool.body(e), "unix:ino")).isEqualTo(Files.getAttribute(staged.file(), "unix:ino"));
        assertThat((Integer) Files.getAttribute(staged.file(), "unix:nlink")).isEqualTo(3);
    }

    @Test
    void theBodyIsCopiedFromAnotherFileSystem() throws IOException {
        Path shm = Path.of("/dev/shm");
        assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm)
                && !Files.getFileStore(shm).equals(Files.getFileStore(temp)));
        Path elsewhere = Files.createTempFile(shm, "tern-queue-test", ".eml");
        try {
            Files.write(elsewhere, MESSAGE);
            StagedMessage remote = new StagedMessage(elsewhere, MESSAGE.length, RETURN_PATH.length());

            QueueEntry e = spool.enqueue("M2", ALICE, List.of(BOB), remote, ARRIVAL).get(0);

            assertThat(Files.getAttribute(spool.body(e), "unix:ino")).isNotEqualTo(Files.getAttribute(elsewhere, "unix:ino"));
            assertThat(Files.readAllBytes(spool.body(e))).isEqualTo(MESSAGE);
        } finally {
            Files.deleteIfExists(elsewhere);
        }
    }

    @Test
    void aNewSpoolReadsBackIdenticalEntries() throws IOException {
        List<QueueEntry> entries = enqueueTwoDomains();
        Files.delete(staged.file()); // the session drops its staged file once the 250 is sent

        QueueSpool reopened = new QueueSpool(queueDir);

        assertThat(reopened.domains()).containsExactly("example.net", "example.org");
        assertThat(reopened.load("example.org")).containsExactly(entries.get(0));
        assertThat(reopened.load("example.net")).containsExactly(entries.get(1));
        assertThat(reopened.all()).containsExactlyInAnyOrderElementsOf(entries);
        assertThat(reopened.find("M1-2")).hasValue(entries.get(1));
        assertThat(reopened.find("M9-1")).isEmpty();
        assertThat(reopened.find("../x")).isEmpty();
        assertThat(relayed(reopened, entries.get(0))).isEqualTo(Arrays.copyOfRange(MESSAGE, RETURN_PATH.length(), MESSAGE.length));
    }

    @Test
    void loadSortsByArrival() throws IOException {
        spool.enqueue("LATE", ALICE, List.of(BOB), staged, ARRIVAL.plusSeconds(60));
        spool.enqueue("EARLY", ALICE, List.of(BOB), staged, ARRIVAL);
        spool.enqueue("MID", ALICE, List.of(BOB, CAROL), staged, ARRIVAL.plusSeconds(30));

        assertThat(spool.load("example.org")).extracting(QueueEntry::id).containsExactly("EARLY-1", "MID-1", "LATE-1");
        assertThat(spool.all()).extracting(QueueEntry::id).containsExactly("EARLY-1", "MID-1", "MID-2", "LATE-1");
    }

    @Test
    void updateRoundTripsEveryField() throws IOException {
        QueueEntry queued = spool.enqueue("1ABC", ALICE, List.of(
                MailAddress.parse("\"john \\\"q\\\" smith@home\"@example.org").orElseThrow(),
                new MailAddress("x+tag", "example.org"), new MailAddress("p", "example.org")), staged, ARRIVAL).get(0);
        QueueEntry nasty = QueueRecordsTest.nastyEntry();
        QueueEntry changed = new QueueEntry(queued.id(), queued.domain(), queued.messageId(), queued.sender(),
                queued.arrival(), queued.bodyOffset(), queued.bodySize(), nasty.recipients());

        spool.update(changed);

        assertThat(new QueueSpool(queueDir).load("example.org")).containsExactly(changed);
        assertThat(tree(queueDir)).containsExactly("example.org/1ABC-1.env", "example.org/1ABC-1.msg");
    }

    @Test
    void updateOfARemovedEntryFailsInsteadOfResurrectingIt() throws IOException {
        QueueEntry e = enqueueTwoDomains().get(0);
        assertThat(spool.remove("M1-1")).isTrue();

        assertThatThrownBy(() -> spool.update(e.delivered(BOB, "mx", ARRIVAL))).isInstanceOf(NoSuchFileException.class);
        assertThat(tree(queueDir.resolve("example.org"))).isEmpty();
    }

    @Test
    void removeLeavesNothingBehind() throws IOException {
        List<QueueEntry> entries = enqueueTwoDomains();

        spool.remove(entries.get(0));
        assertThat(spool.remove("M1-2")).isTrue();
        assertThat(spool.remove("M1-2")).isFalse();
        assertThat(spool.remove("../../etc/passwd")).isFalse();

        assertThat(tree(queueDir)).isEmpty();
        assertThat(spool.all()).isEmpty();
        assertThat(Files.readAllBytes(staged.file())).isEqualTo(MESSAGE); // the staged file is untouched
    }

    @Test
    void aCorruptRecordIsQuarantinedWithItsBody() throws IOException {
        List<QueueEntry> entries = spool.enqueue("M1", ALICE, List.of(BOB), staged, ARRIVAL);
        spool.enqueue("M2", ALICE, List.of(DAN), staged, ARRIVAL.plusSeconds(1));
        Path env = queueDir.resolve("example.org/M1-1.env");
        byte[] good = Files.readAllBytes(env);
        Files.write(env, Arrays.copyOf(good, good.length / 2)); // torn

        assertThat(spool.all()).extracting(QueueEntry::id).containsExactly("M2-1"); // read-only: skipped, not moved
        assertThat(Files.exists(env)).isTrue();

        assertThat(spool.load("example.org")).extracting(QueueEntry::id).containsExactly("M2-1");

        assertThat(tree(queueDir)).containsExactly(".corrupt/example.org/M1-1.env", ".corrupt/example.org/M1-1.msg",
                "example.org/M2-1.env", "example.org/M2-1.msg");
        assertThat(Files.readAllBytes(queueDir.resolve(".corrupt/example.org/M1-1.msg"))).isEqualTo(MESSAGE);
        assertThat(entries).hasSize(1);
        assertThat(spool.domains()).containsExactly("example.org");
    }

    @Test
    void invalidUtf8AndMissingBodiesAreQuarantinedToo() throws IOException {
        spool.enqueue("M1", ALICE, List.of(BOB), staged, ARRIVAL);
        spool.enqueue("M2", ALICE, List.of(BOB), staged, ARRIVAL);
        spool.enqueue("M3", ALICE, List.of(BOB), staged, ARRIVAL);
        Path m1 = queueDir.resolve("example.org/M1-1.env");
        String text = Files.readString(m1);
        Files.write(m1, text.replace("bob", "b\u00ffb").getBytes(StandardCharsets.ISO_8859_1));
        Files.delete(queueDir.resolve("example.org/M2-1.msg"));

        assertThat(spool.load("example.org")).extracting(QueueEntry::id).containsExactly("M3-1");
        assertThat(tree(queueDir.resolve(".corrupt"))).containsExactly(
                "example.org/M1-1.env", "example.org/M1-1.msg", "example.org/M2-1.env");
    }

    @Test
    void sweepRemovesOrphanBodiesTempFilesAndEmptyDomains() throws IOException {
        enqueueTwoDomains();
        Path org = queueDir.resolve("example.org");
        Files.write(org.resolve("CRASHED-1.msg"), MESSAGE);                // linked, record never written
        Files.writeString(org.resolve(".CRASHED-1.env.12345.tmp"), "tern"); // AtomicFiles' temp name
        Path empty = Files.createDirectories(queueDir.resolve("example.com"));
        Path net = queueDir.resolve("example.net");
        spool.remove(spool.find("M1-2").orElseThrow());

        int cleaned = new QueueSpool(queueDir).sweep();

        assertThat(cleaned).isEqualTo(4); // orphan, temp file, two empty domain directories
        assertThat(tree(queueDir)).containsExactly("example.org/M1-1.env", "example.org/M1-1.msg");
        assertThat(empty).doesNotExist();
        assertThat(net).doesNotExist();
        assertThat(new QueueSpool(queueDir).sweep()).isZero();
        // a swept domain directory comes back on the next enqueue
        assertThat(spool.enqueue("M5", ALICE, List.of(CAROL), staged, ARRIVAL)).hasSize(1);
        assertThat(tree(net)).containsExactly("M5-1.env", "M5-1.msg");
    }

    @Test
    void sweepQuarantinesCorruptRecords() throws IOException {
        enqueueTwoDomains();
        Files.writeString(queueDir.resolve("example.net/M1-2.env"), "garbage\n");

        assertThat(spool.sweep()).isEqualTo(2); // the record, and its now empty directory
        assertThat(tree(queueDir)).containsExactly(".corrupt/example.net/M1-2.env", ".corrupt/example.net/M1-2.msg",
                "example.org/M1-1.env", "example.org/M1-1.msg");
    }

    @Test
    void aFailedEnqueueRemovesWhatItCreated() throws IOException {
        Files.createDirectories(queueDir);
        Files.writeString(queueDir.resolve("example.net"), "not a directory"); // the second domain cannot be created

        assertThatThrownBy(this::enqueueTwoDomains).isInstanceOf(IOException.class);

        assertThat(tree(queueDir)).containsExactly("example.net");
        assertThat(spool.all()).isEmpty();
        assertThat((Integer) Files.getAttribute(staged.file(), "unix:nlink")).isEqualTo(1);
    }

    @Test
    void anEnqueueNeverOverwritesAnExistingEntry() throws IOException {
        enqueueTwoDomains();
        byte[] before = Files.readAllBytes(queueDir.resolve("example.org/M1-1.env"));

        assertThatThrownBy(this::enqueueTwoDomains).isInstanceOf(FileAlreadyExistsException.class);

        assertThat(Files.readAllBytes(queueDir.resolve("example.org/M1-1.env"))).isEqualTo(before);
        assertThat(tree(queueDir)).hasSize(4);
    }

    @Test
    void addressLiteralsAreDomainDirectoriesAndPathsAreNot() throws IOException {
        List<QueueEntry> entries = spool.enqueue("L", ReversePath.NULL, List.of(
                MailAddress.parse("a@[127.0.0.1]").orElseThrow(),
                MailAddress.parse("b@[IPv6:::1]").orElseThrow()), staged, ARRIVAL);

        assertThat(spool.domains()).containsExactly("[127.0.0.1]", "[ipv6:::1]");
        assertThat(new QueueSpool(queueDir).load("[ipv6:::1]")).containsExactly(entries.get(1));
        assertThatThrownBy(() -> spool.load("../etc")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> spool.load(".corrupt")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> spool.enqueue("X", ALICE, List.of(new MailAddress("a", "x/y")), staged, ARRIVAL))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(tree(queueDir)).hasSize(4);
    }

    @Test
    void concurrentEnqueuesToTheSameDomainsAllLand() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<List<QueueEntry>>> results = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String id = "C" + i;
                results.add(pool.submit(() -> spool.enqueue(id, ALICE, List.of(BOB, CAROL), staged, ARRIVAL)));
            }
            for (Future<List<QueueEntry>> result : results) {
                assertThat(result.get(30, TimeUnit.SECONDS)).hasSize(2);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(spool.load("example.org")).hasSize(40);
        assertThat(spool.load("example.net")).hasSize(40);
        assertThat(tree(queueDir)).hasSize(160);
    }

    @Test
    void aSweepWhileMailArrivesLosesNothing() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            AtomicBoolean done = new AtomicBoolean();
            Future<Integer> sweeper = pool.submit(() -> {
                int sweeps = 0;
                while (!done.get()) {
                    spool.sweep();
                    sweeps++;
                }
                return sweeps;
            });
            List<Future<List<QueueEntry>>> results = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                String id = "S" + i;
                results.add(pool.submit(() -> spool.enqueue(id, ALICE, List.of(BOB, CAROL), staged, ARRIVAL)));
            }
            for (Future<List<QueueEntry>> result : results) {
                result.get(30, TimeUnit.SECONDS);
            }
            done.set(true);
            assertThat(sweeper.get(30, TimeUnit.SECONDS)).isPositive();
        } finally {
            pool.shutdownNow();
        }

        assertThat(spool.load("example.org")).hasSize(100);
        assertThat(spool.load("example.net")).hasSize(100);
        assertThat(queueDir.resolve(QueueSpool.CORRUPT_DIR)).doesNotExist();
    }

    @Test
    void readingAMissingQueueFindsNothing() throws IOException {
        assertThat(spool.domains()).isEmpty();
        assertThat(spool.all()).isEmpty();
        assertThat(spool.load("example.org")).isEmpty();
        assertThat(spool.find("M1-1")).isEmpty();
        assertThat(spool.remove("M1-1")).isFalse();
        assertThat(spool.sweep()).isZero();
        assertThat(spool.enqueue("M0", ALICE, List.of(), staged, ARRIVAL)).isEmpty();
    }

    @Test
    void queueDirectoriesAre0700AndItsFiles0600() throws IOException {
        java.nio.file.Files.setPosixFilePermissions(staged.file(),
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        List<QueueEntry> entries = enqueueTwoDomains();

        assertThat(mode(queueDir)).isEqualTo("rwx------");
        for (QueueEntry entry : entries) {
            Path body = spool.body(entry);
            assertThat(mode(body.getParent())).as("domain directory").isEqualTo("rwx------");
            assertThat(mode(body)).as("body").isEqualTo("rw-------");
            assertThat(mode(body.resolveSibling(entry.id() + ".env"))).as("envelope").isEqualTo("rw-------");
        }
        spool.update(entries.get(0));
        assertThat(mode(spool.body(entries.get(0)).resolveSibling(entries.get(0).id() + ".env")))
                .as("envelope rewritten").isEqualTo("rw-------");
    }

    private static String mode(Path path) throws IOException {
        return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }

    @Test
    void openBodyStreamsTheOctetsToRelay() throws IOException {
        QueueEntry entry = spool.enqueue("M1", ALICE, List.of(BOB), staged, ARRIVAL).get(0);

        try (InputStream in = spool.openBody(entry)) {
            assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(MESSAGE, RETURN_PATH.length(), MESSAGE.length));
            assertThat(in.read()).isEqualTo(-1);
        }
    }
}
