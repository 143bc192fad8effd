package dev.tern.it;

import static dev.tern.it.TernProcess.address;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Mail is private: mailbox directories 0700 and message files 0600, and so the spool, the
 * queue, the users file and the TLS key. Tern runs under umask 000 here, so every mode seen
 * comes from Tern itself, given when the file is created, not from a careful umask.
 */
class PrivateMailTest {

    static TernProcess tern;

    @BeforeAll
    static void startTern() {
        tern = TernProcess.launch(new TernProcess.Options().umask("000"));
    }

    @AfterAll
    static void stopTern() {
        if (tern != null) {
            tern.close();
        }
    }

    private static String mode(Path path) {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Path> files(Path dir, String suffix) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(file -> file.getFileName().toString().endsWith(suffix)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aDeliveredMessageAndItsMaildirAreTheUsersAlone() {
        String user = tern.newUser("private");
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.deliver("sender@client.test", List.of(address(user)), "Subject: private\r\n\r\nfor one reader\r\n");
            smtp.quit();
        }
        Path delivered = Maildirs.awaitOnlyNewFile(tern.mailRoot(), user);

        Path maildir = tern.mailRoot().resolve(user);
        assertThat(mode(maildir)).as("the user's maildir").isEqualTo("rwx------");
        for (String sub : List.of("tmp", "new", "cur")) {
            assertThat(mode(maildir.resolve(sub))).as(sub + "/").isEqualTo("rwx------");
        }
        assertThat(mode(delivered)).as("the message file").isEqualTo("rw-------");
        assertThat(mode(tern.dataDir().resolve("spool").resolve("incoming"))).as("the incoming spool")
                .isEqualTo("rwx------");
    }

    @Test
    void aQueuedMessageIsPrivate() {
        // the test DNS never answers: the message stays queued for nowhere.test
        String id = Relaying.send(tern, "alice@" + TernProcess.DOMAIN, List.of("bob@nowhere.test"),
                Relaying.message("queued privately", "waits in the queue"));

        Path queue = tern.dataDir().resolve("queue");
        Path domain = queue.resolve("nowhere.test");
        assertThat(mode(queue)).as("the queue directory").isEqualTo("rwx------");
        assertThat(mode(domain)).as("its domain directory").isEqualTo("rwx------");
        List<Path> bodies = files(domain, ".msg");
        List<Path> envelopes = files(domain, ".env");
        assertThat(bodies).as("bodies of " + id).isNotEmpty();
        assertThat(envelopes).as("envelopes of " + id).isNotEmpty();
        for (Path file : Stream.concat(bodies.stream(), envelopes.stream()).toList()) {
            assertThat(mode(file)).as(file.getFileName().toString()).isEqualTo("rw-------");
        }
    }

    @Test
    void theUsersFileAndTheTlsKeyAreOwnerOnly() {
        tern.newUser("keyholder");
        assertThat(mode(tern.usersFile())).as("the users file").isEqualTo("rw-------");
        assertThat(mode(tern.dataDir().resolve("tls"))).as("the TLS directory").isEqualTo("rwx------");
        assertThat(mode(tern.dataDir().resolve("tls").resolve("key.pem"))).as("the TLS key").isEqualTo("rw-------");
    }
}
