package dev.tern.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.store.MailboxStore;
import dev.tern.store.MaildirStore;
import dev.tern.store.StagedMessage;

class MailboxWriterTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final byte[] CONTENT = "Subject: x\r\n\r\nbody\r\n".getBytes(StandardCharsets.US_ASCII);

    private static ActorTestKit testKit;

    @TempDir
    Path temp;

    private Path mailRoot;
    private StagedMessage staged;

    @BeforeAll
    static void start() {
        testKit = ActorTestKit.create();
    }

    @AfterAll
    static void stop() {
        testKit.shutdownTestKit();
    }

    @BeforeEach
    void setUp() throws IOException {
        mailRoot = Files.createDirectories(temp.resolve("mail"));
        Path spool = Files.createDirectories(temp.resolve("incoming"));
        staged = new StagedMessage(Files.write(spool.resolve("staged"), CONTENT), CONTENT.length);
    }

    /** A store whose every delivery fails. */
    private static MailboxStore failing(Exception failure) {
        return new MailboxStore() {
            @Override
            public Path deliver(String user, StagedMessage message) throws IOException {
                if (failure instanceof IOException io) {
                    throw io;
                }
                throw (RuntimeException) failure;
            }

            @Override
            public void retract(Path delivered) {
            }

            @Override
            public void create(String user) {
            }
        };
    }

    @Test
    void storeAnswersStoredWithThePathOfTheCopy() throws IOException {
        ActorRef<MailboxWriter.Command> writer =
                testKit.spawn(MailboxWriter.create(new MaildirStore(mailRoot, "mx", Clock.systemUTC())));
        TestProbe<MailboxWriter.Result> results = testKit.createTestProbe();

        writer.tell(new MailboxWriter.Store("ID1", "alice", staged, results.getRef()));

        MailboxWriter.Stored stored = results.expectMessageClass(MailboxWriter.Stored.class, TIMEOUT);
        assertThat(stored.messageId()).isEqualTo("ID1");
        assertThat(stored.user()).isEqualTo("alice");
        assertThat(stored.file().getParent()).isEqualTo(mailRoot.resolve("alice").resolve("new"));
        assertThat(Files.readAllBytes(stored.file())).isEqualTo(CONTENT);
        testKit.stop(writer);
    }

    @Test
    void aFailingStoreAnswersFailedAndNeverStored() {
        ActorRef<MailboxWriter.Command> writer =
                testKit.spawn(MailboxWriter.create(failing(new IOException("No space left on device"))));
        TestProbe<MailboxWriter.Result> results = testKit.createTestProbe();

        writer.tell(new MailboxWriter.Store("ID2", "alice", staged, results.getRef()));

        MailboxWriter.Failed failed = results.expectMessageClass(MailboxWriter.Failed.class, TIMEOUT);
        assertThat(failed.messageId()).isEqualTo("ID2");
        assertThat(failed.user()).isEqualTo("alice");
        assertThat(failed.reason()).contains("No space left on device");
        results.expectNoMessage(Duration.ofMillis(200));
        testKit.stop(writer);
    }

    @Test
    void aRuntimeExceptionIsAFailureAndTheWriterCarriesOn() {
        ActorRef<MailboxWriter.Command> writer =
                testKit.spawn(MailboxWriter.create(failing(new IllegalStateException("oops"))));
        TestProbe<MailboxWriter.Result> results = testKit.createTestProbe();

        writer.tell(new MailboxWriter.Store("ID3", "alice", staged, results.getRef()));
        writer.tell(new MailboxWriter.Store("ID4", "alice", staged, results.getRef()));

        assertThat(results.expectMessageClass(MailboxWriter.Failed.class, TIMEOUT).messageId()).isEqualTo("ID3");
        assertThat(results.expectMessageClass(MailboxWriter.Failed.class, TIMEOUT).messageId()).isEqualTo("ID4");
        testKit.stop(writer);
    }

    @Test
    void retractRemovesTheCopy() {
        ActorRef<MailboxWriter.Command> writer =
                testKit.spawn(MailboxWriter.create(new MaildirStore(mailRoot, "mx", Clock.systemUTC())));
        TestProbe<MailboxWriter.Result> results = testKit.createTestProbe();
        writer.tell(new MailboxWriter.Store("ID5", "alice", staged, results.getRef()));
        Path file = results.expectMessageClass(MailboxWriter.Stored.class, TIMEOUT).file();

        writer.tell(new MailboxWriter.Retract("ID5", file));

        results.awaitAssert(TIMEOUT, () -> {
            assertThat(file).doesNotExist();
            return null;
        });
        assertThat(staged.file()).exists();
        testKit.stop(writer);
    }
}
