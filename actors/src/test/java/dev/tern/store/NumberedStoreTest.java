package dev.tern.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NumberedStoreTest {

    @TempDir
    Path temp;

    private Path spool;
    private Path mailRoot;
    private NumberedStore store;

    @BeforeEach
    void setUp() throws IOException {
        spool = Files.createDirectories(temp.resolve("incoming"));
        mailRoot = Files.createDirectories(temp.resolve("mail"));
        store = new NumberedStore(mailRoot);
    }

    private StagedMessage stage(String name, String content) throws IOException {
        byte[] bytes = content.getBytes(StandardCharsets.US_ASCII);
        return new StagedMessage(Files.write(spool.resolve(name), bytes), bytes.length);
    }

    /** The message numbers in a mailbox, sorted. */
    private List<Long> numbers(String user) throws IOException {
        try (Stream<Path> entries = Files.list(mailRoot.resolve(user))) {
            return entries.map(p -> p.getFileName().toString())
                    .filter(name -> name.matches("[0-9]+"))
                    .map(Long::parseLong)
                    .sorted()
                    .toList();
        }
    }

    private static List<Long> oneTo(long n) {
        return LongStream.rangeClosed(1, n).boxed().toList();
    }

    private void writeHint(String user, String text) throws IOException {
        Files.writeString(mailRoot.resolve(user).resolve(NumberedStore.LAST_FILE), text, StandardCharsets.US_ASCII);
    }

    @Test
    void deliveriesAreNumberedOneTwoThreeWithARecentStatusFile() throws IOException {
        Path mailbox = mailRoot.resolve("alice");
        for (int i = 1; i <= 3; i++) {
            Path delivered = store.deliver("alice", stage("M" + i, "message " + i + "\r\n"));

            assertThat(delivered).isEqualTo(mailbox.resolve(Integer.toString(i)));
            assertThat(Files.readString(delivered)).isEqualTo("message " + i + "\r\n");
            assertThat(Files.readString(mailbox.resolve(i + ".status"))).isEqualTo("\\Recent\n");
        }
        assertThat(numbers("alice")).containsExactly(1L, 2L, 3L);
        assertThat(Files.readString(mailbox.resolve(NumberedStore.LAST_FILE)).strip()).isEqualTo("3");
    }

    @Test
    void mailboxesAreNumberedIndependently() throws IOException {
        StagedMessage staged = stage("M", "x\r\n");
        store.deliver("alice", staged);
        store.deliver("alice", staged);
        assertThat(store.deliver("bob", staged)).isEqualTo(mailRoot.resolve("bob").resolve("1"));
    }

    @Test
    void noTemporaryFilesAreLeftBehind() throws IOException {
        StagedMessage staged = stage("M", "x\r\n");
        for (int i = 0; i < 3; i++) {
            store.deliver("alice", staged);
        }
        try (Stream<Path> entries = Files.list(mailRoot.resolve("alice"))) {
            assertThat(entries.map(p -> p.getFileName().toString()).collect(Collectors.toSet()))
                    .containsExactlyInAnyOrder("1", "2", "3", "1.status", "2.status", "3.status",
                            NumberedStore.LAST_FILE, NumberedStore.LOCK_FILE);
        }
    }

    @Test
    void fiftyConcurrentDeliveriesThroughSeparateStoresGiveOneToFiftyWithoutGapsOrDuplicates() throws Exception {
        // Each task has its own NumberedStore over the same root, as two Tern processes would.
        StagedMessage staged = stage("M", "concurrent\r\n");
        int deliveries = 50;
        ExecutorService pool = Executors.newFixedThreadPool(6);
        CountDownLatch start = new CountDownLatch(1);
        List<Path> delivered = new ArrayList<>();
        try {
            List<Callable<Path>> tasks = new ArrayList<>();
            for (int i = 0; i < deliveries; i++) {
                NumberedStore separate = new NumberedStore(mailRoot);
                tasks.add(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    return separate.deliver("alice", staged);
                });
            }
            List<Future<Path>> futures = new ArrayList<>();
            for (Callable<Path> task : tasks) {
                futures.add(pool.submit(task));
            }
            start.countDown();
            for (Future<Path> future : futures) {
                delivered.add(future.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(delivered.stream().map(p -> Long.parseLong(p.getFileName().toString())).sorted().toList())
                .isEqualTo(oneTo(deliveries));
        assertThat(numbers("alice")).isEqualTo(oneTo(deliveries));
        for (long n = 1; n <= deliveries; n++) {
            assertThat(Files.readString(mailRoot.resolve("alice").resolve(n + ".status"))).isEqualTo("\\Recent\n");
        }
    }

    @Test
    void twoRealProcessesDeliveringAtOnceGiveOneToFiftyWithoutGapsOrDuplicates() throws Exception {
        StagedMessage staged = stage("M", "from another process\r\n");
        Path go = temp.resolve("go");
        List<Process> processes = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            processes.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-cp", System.getProperty("java.class.path"), DeliverInAnotherProcess.class.getName(),
                    mailRoot.toString(), staged.file().toString(), "25", go.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(temp.resolve("process-" + i + ".log").toFile())
                    .start());
        }
        try {
            Files.createFile(go); // both JVMs are up (or nearly): let them race
            for (Process process : processes) {
                assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("child process finished").isTrue();
            }
            for (int i = 0; i < processes.size(); i++) {
                assertThat(processes.get(i).exitValue())
                        .as("exit of process %d: %s", i, Files.readString(temp.resolve("process-" + i + ".log")))
                        .isZero();
            }
        } finally {
            processes.forEach(Process::destroyForcibly);
        }
        assertThat(numbers("alice")).isEqualTo(oneTo(50));
    }

    /** A second Tern, as far as the mailbox can tell: delivers {@code count} copies once {@code go} exists. */
    public static final class DeliverInAnotherProcess {
        public static void main(String[] args) throws Exception {
            Path mailRoot = Path.of(args[0]);
            Path staged = Path.of(args[1]);
            int count = Integer.parseInt(args[2]);
            Path go = Path.of(args[3]);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(go) && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            NumberedStore store = new NumberedStore(mailRoot);
            for (int i = 0; i < count; i++) {
                store.deliver("alice", new StagedMessage(staged, Files.size(staged)));
            }
        }
    }

    @Test
    void deliveriesFromSeveralThreadsOfOneProcessInTurnThroughSeparateStores() throws Exception {
        // what the service does: one writer per mailbox, so a mailbox sees one delivery at a time
        StagedMessage staged = stage("M", "x\r\n");
        ExecutorService pool = Executors.newFixedThreadPool(4);
        Object oneAtATime = new Object();
        try {
            List<Future<Path>> futures = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                NumberedStore separate = new NumberedStore(mailRoot);
                futures.add(pool.submit(() -> {
                    synchronized (oneAtATime) {
                        return separate.deliver("alice", staged);
                    }
                }));
            }
            for (Future<Path> future : futures) {
                future.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(numbers("alice")).isEqualTo(oneTo(20));
    }

    @Test
    void aHintPointingLowerThanRealityStillGivesTheNextFreeNumber() throws IOException {
        StagedMessage staged = stage("M", "x\r\n");
        for (int i = 0; i < 3; i++) {
            store.deliver("alice", staged);
        }
        writeHint("alice", "1"); // 1 exists but so does 2: the hint is stale

        assertThat(store.deliver("alice", staged).getFileName().toString()).isEqualTo("4");
        assertThat(numbers("alice")).isEqualTo(oneTo(4));
    }

    @Test
    void aZeroHintWithMessagesPresentStillGivesTheNextFreeNumber() throws IOException {
        StagedMessage staged = stage("M", "x\r\n");
        store.deliver("alice", staged);
        store.deliver("alice", staged);
        writeHint("alice", "0");

        assertThat(store.deliver("alice", staged).getFileName().toString()).isEqualTo("3");
    }

    @Test
    void aHintPointingHigherThanRealityDoesNotLeaveAGap() throws IOException {
        StagedMessage staged = stage("M", "x\r\n");
        store.deliver("alice", staged);
        store.deliver("alice", staged);
        writeHint("alice", "7"); // 7 does not exist

        assertThat(store.deliver("alice", staged).getFileName().toString()).isEqualTo("3");
    }

    @Test
    void aCorruptHintStillGivesTheNextFreeNumber() throws IOException {
        StagedMessage staged = stage("M", "x\r\n");
        for (int i = 0; i < 3; i++) {
            store.deliver("alice", staged);
        }
        for (String corrupt : List.of("garbage", "", "-", "99999999999999999999999")) {
            writeHint("alice", corrupt);
            Path next = store.deliver("alice", staged);
            assertThat(next.getFileName().toString()).as("after hint '%s'", corrupt)
                    .isEqualTo(Integer.toString(numbers("alice").size()));
        }
        assertThat(numbers("alice")).isEqualTo(oneTo(7));
    }

    @Test
    void aMissingHintWithMessagesPresentScansTheMailbox() throws IOException {
        StagedMessage staged = stage("M", "x\r\n");
        store.deliver("alice", staged);
        store.deliver("alice", staged);
        Files.delete(mailRoot.resolve("alice").resolve(NumberedStore.LAST_FILE));

        assertThat(store.deliver("alice", staged).getFileName().toString()).isEqualTo("3");
    }

    @Test
    void continuesAfterARestart() throws IOException {
        StagedMessage staged = stage("M", "x\r\n");
        store.deliver("alice", staged);
        store.deliver("alice", staged);

        NumberedStore restarted = new NumberedStore(mailRoot);

        assertThat(restarted.deliver("alice", staged).getFileName().toString()).isEqualTo("3");
        assertThat(numbers("alice")).isEqualTo(oneTo(3));
    }

    @Test
    void retractOfTheNewestMessageFreesItsNumber() throws IOException {
        StagedMessage staged = stage("M", "x\r\n");
        store.deliver("alice", staged);
        Path second = store.deliver("alice", staged);

        store.retract(second);

        assertThat(second).doesNotExist();
        assertThat(mailRoot.resolve("alice").resolve("2.status")).doesNotExist();
        assertThat(store.deliver("alice", staged).getFileName().toString()).isEqualTo("2");
        assertThat(numbers("alice")).isEqualTo(oneTo(2));
    }

    @Test
    void retractOfAnOlderMessageKeepsItRatherThanLeaveAGap() throws IOException {
        StagedMessage staged = stage("M", "x\r\n");
        Path first = store.deliver("alice", staged);
        store.deliver("alice", staged);

        store.retract(first);

        assertThat(numbers("alice")).isEqualTo(oneTo(2));
    }

    @Test
    void createMakesAnEmptyMailbox() throws IOException {
        store.create("carol");
        store.create("carol");
        assertThat(mailRoot.resolve("carol")).isEmptyDirectory();
    }
}
