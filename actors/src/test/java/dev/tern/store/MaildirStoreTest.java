package dev.tern.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MaildirStoreTest {

    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final byte[] MESSAGE =
            "Return-Path: <a@example.org>\r\nSubject: hi\r\n\r\nbody \u00e9\r\n".getBytes(StandardCharsets.ISO_8859_1);

    @TempDir
    Path temp;

    private Path spool;
    private Path mailRoot;
    private MaildirStore store;

    @BeforeEach
    void setUp() throws IOException {
        spool = Files.createDirectories(temp.resolve("incoming"));
        mailRoot = Files.createDirectories(temp.resolve("mail"));
        store = new MaildirStore(mailRoot, "mx.example.org", Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private StagedMessage stage(String name, byte[] content) throws IOException {
        Path file = Files.write(spool.resolve(name), content);
        return new StagedMessage(file, content.length);
    }

    private static List<Path> list(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            return entries.toList();
        }
    }

    @Test
    void deliverPutsExactlyOneFileInNewAndNothingInTmp() throws IOException {
        StagedMessage staged = stage("M1", MESSAGE);

        Path delivered = store.deliver("alice", staged);

        Path maildir = mailRoot.resolve("alice");
        assertThat(list(maildir.resolve("new"))).containsExactly(delivered);
        assertThat(list(maildir.resolve("tmp"))).isEmpty();
        assertThat(list(maildir.resolve("cur"))).isEmpty();
        assertThat(delivered.getParent()).isEqualTo(maildir.resolve("new"));
    }

    @Test
    void nameFollowsTheMaildirSpecWithTimePidCounterHostAndSize() throws IOException {
        Path delivered = store.deliver("alice", stage("M1", MESSAGE));

        String name = delivered.getFileName().toString();
        assertThat(name).matches("\\d+\\.P\\d+Q\\d+\\..+,S=" + MESSAGE.length);
        assertThat(name).startsWith(NOW.getEpochSecond() + ".P" + ProcessHandle.current().pid() + "Q");
        assertThat(name).contains(".mx.example.org,S=");
        assertThat(name).doesNotContain(":").doesNotContain("/");
    }

    @Test
    void contentIsByteEqualToTheStagedFileAndTheStagedFileStays() throws IOException {
        StagedMessage staged = stage("M1", MESSAGE);

        Path delivered = store.deliver("alice", staged);

        assertThat(Files.readAllBytes(delivered)).isEqualTo(MESSAGE);
        assertThat(Files.size(delivered)).isEqualTo(staged.size());
        assertThat(Files.readAllBytes(staged.file())).as("the staged file is left for the other mailboxes").isEqualTo(MESSAGE);
    }

    @Test
    void oneStagedFileDeliveredToSeveralMailboxes() throws IOException {
        StagedMessage staged = stage("M1", MESSAGE);

        Path toAlice = store.deliver("alice", staged);
        Path toBob = store.deliver("bob", staged);

        assertThat(toAlice.getFileName()).isNotEqualTo(toBob.getFileName());
        assertThat(Files.readAllBytes(toAlice)).isEqualTo(MESSAGE);
        assertThat(Files.readAllBytes(toBob)).isEqualTo(MESSAGE);
    }

    @Test
    void aThousandDeliveriesFromEightThreadsGiveAThousandDistinctNames() throws Exception {
        StagedMessage staged = stage("M1", MESSAGE);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Path>> deliveries = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                String user = i % 2 == 0 ? "alice" : "bob";
                deliveries.add(() -> store.deliver(user, staged));
            }
            Set<String> names = new HashSet<>();
            for (Future<Path> delivery : pool.invokeAll(deliveries, 120, TimeUnit.SECONDS)) {
                names.add(delivery.get().getFileName().toString());
            }
            assertThat(names).hasSize(1000);
        } finally {
            pool.shutdownNow();
        }
        assertThat(list(mailRoot.resolve("alice/new"))).hasSize(500);
        assertThat(list(mailRoot.resolve("bob/new"))).hasSize(500);
        assertThat(list(mailRoot.resolve("alice/tmp"))).isEmpty();
        assertThat(list(mailRoot.resolve("bob/tmp"))).isEmpty();
    }

    @Test
    void twoStoresInOneProcessNeverCollide() throws Exception {
        // e.g. two listeners' routers: the counter is per process, not per store
        MaildirStore other = new MaildirStore(mailRoot, "mx.example.org", Clock.fixed(NOW, ZoneOffset.UTC));
        StagedMessage staged = stage("M1", MESSAGE);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            names.add(store.deliver("alice", staged).getFileName().toString());
            names.add(other.deliver("alice", staged).getFileName().toString());
        }
        assertThat(names).hasSize(40);
        assertThat(list(mailRoot.resolve("alice/new"))).hasSize(40);
    }

    @Test
    void retractRemovesTheDeliveredCopy() throws IOException {
        StagedMessage staged = stage("M1", MESSAGE);
        Path kept = store.deliver("alice", staged);
        Path retracted = store.deliver("alice", staged);

        store.retract(retracted);

        assertThat(retracted).doesNotExist();
        assertThat(list(mailRoot.resolve("alice/new"))).containsExactly(kept);
        assertThat(staged.file()).exists();
    }

    @Test
    void retractingTwiceIsHarmless() throws IOException {
        Path delivered = store.deliver("alice", stage("M1", MESSAGE));
        store.retract(delivered);
        store.retract(delivered);
        assertThat(delivered).doesNotExist();
    }

    @Test
    void createMakesTheThreeMaildirFoldersAndIsIdempotent() throws IOException {
        store.create("carol");
        store.create("carol");
        for (String sub : List.of("tmp", "new", "cur")) {
            assertThat(mailRoot.resolve("carol").resolve(sub)).isDirectory();
        }
    }

    @Test
    void aMissingStagedFileFailsAndLeavesNothingBehind() throws IOException {
        StagedMessage gone = new StagedMessage(spool.resolve("never-staged"), 10);

        assertThatThrownBy(() -> store.deliver("alice", gone)).isInstanceOf(NoSuchFileException.class);

        assertThat(list(mailRoot.resolve("alice/new"))).isEmpty();
        assertThat(list(mailRoot.resolve("alice/tmp"))).isEmpty();
    }

    @Test
    void emptyMessageHasSizeZero() throws IOException {
        Path delivered = store.deliver("alice", stage("M0", new byte[0]));
        assertThat(delivered.getFileName().toString()).endsWith(",S=0");
        assertThat(Files.size(delivered)).isZero();
    }

    @Test
    void escapeHostWritesSlashAndColonAsOctalEscapes() {
        assertThat(MaildirNames.escapeHost("mx.example.org")).isEqualTo("mx.example.org");
        assertThat(MaildirNames.escapeHost("a/b")).isEqualTo("a\\057b");
        assertThat(MaildirNames.escapeHost("host:2525")).isEqualTo("host\\0722525");
        assertThat(MaildirNames.escapeHost("x/:y:/")).isEqualTo("x\\057\\072y\\072\\057");
    }

    @Test
    void escapedHostEndsUpInTheFileName() throws IOException {
        MaildirStore odd = new MaildirStore(mailRoot, "weird/host:name", Clock.fixed(NOW, ZoneOffset.UTC));
        Path delivered = odd.deliver("alice", stage("M1", MESSAGE));
        String name = delivered.getFileName().toString();
        assertThat(name).contains(".weird\\057host\\072name,S=");
        assertThat(name).doesNotContain(":").doesNotContain("/");
    }

    @Test
    void namesAreUniqueWithinOneProcess() {
        MaildirNames names = new MaildirNames("h");
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            assertThat(seen.add(names.next(1, 5))).isTrue();
        }
    }
}
