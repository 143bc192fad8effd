package dev.tern.it;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import jakarta.mail.Folder;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Store;

import org.junit.jupiter.api.Assumptions;

/**
 * A private Dovecot IMAP server (the Debian package's binary, our own configuration) that
 * serves the Maildirs Tern writes, so tests can read mail the way a user's client would.
 *
 * <p>How Dovecot reads root-owned mail: the tests run as root and Tern writes its
 * Maildirs as root, but Dovecot refuses mail access as root outright. A userdb uid of 0
 * fails with "userdb returned 0 as uid", and running the imap service as root without a
 * uid fails with "Mail access not allowed for root"; first_valid_uid = 0 does not lift
 * either (both are hard checks in Dovecot 2.3). So the static userdb gives every user the
 * unprivileged uid/gid of {@code nobody} (65534), and before each IMAP read the harness
 * chowns that user's Maildir to it ({@link #handOver}): Dovecot needs to own the
 * directories to move new/ to cur/ and to write its index files. Tern, being root, keeps
 * delivering into the chowned directories. The temp directories are created 0755 so that
 * {@code nobody} can traverse down to the mail root.
 */
public final class Dovecot implements AutoCloseable {

    public static final Path BINARY = Path.of("/usr/sbin/dovecot");
    static final Duration START_TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final Path mailRoot;
    private final int port;
    private final int uid;
    private final int gid;
    private final Process process;

    private Dovecot(Path dir, Path mailRoot, int port, int uid, int gid, Process process) {
        this.dir = dir;
        this.mailRoot = mailRoot;
        this.port = port;
        this.uid = uid;
        this.gid = gid;
        this.process = process;
    }

    /** Skips the calling test (with the reason) when Dovecot is not installed. */
    public static void assumeInstalled() {
        Assumptions.assumeTrue(Files.isExecutable(BINARY),
                "Dovecot is not installed (" + BINARY + " missing): apt-get install dovecot-imapd; .ci/run does");
    }

    /** Starts Dovecot in the foreground on a free loopback port, serving {@code mailRoot/<user>}. */
    public static Dovecot start(Path mailRoot) {
        assumeInstalled();
        Path dir = TestDirs.create("dovecot");
        int port = TestDirs.freePort();
        int[] ids = nobody();
        Path config = dir.resolve("dovecot.conf");
        String text = """
                # A private instance for Tern's integration tests: nothing of /etc/dovecot is read.
                base_dir = %1$s/run
                state_dir = %1$s/state
                instance_name = tern-it-%2$d
                log_path = %1$s/dovecot.log
                info_log_path = %1$s/dovecot.log
                protocols = imap
                listen = 127.0.0.1
                ssl = no
                disable_plaintext_auth = no
                auth_mechanisms = plain login
                # mail is read as nobody (see the class comment): let that uid through
                first_valid_uid = 1
                mail_location = maildir:%3$s/%%u
                # any password is right: the tests are about what Tern stored, not about auth
                passdb {
                  driver = static
                  args = nopassword=y
                }
                userdb {
                  driver = static
                  args = uid=%4$d gid=%5$d home=%3$s/%%u
                }
                service imap-login {
                  inet_listener imap {
                    address = 127.0.0.1
                    port = %2$d
                  }
                  inet_listener imaps {
                    port = 0
                  }
                }
                """.formatted(dir, port, mailRoot.toAbsolutePath(), ids[0], ids[1]);
        try {
            Files.writeString(config, text, StandardCharsets.US_ASCII);
            Process process = new ProcessBuilder(BINARY.toString(), "-F", "-c", config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("dovecot.out").toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
            Dovecot dovecot = new Dovecot(dir, mailRoot, port, ids[0], ids[1], process);
            dovecot.awaitGreeting();
            return dovecot;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** uid and gid of the user "nobody" from /etc/passwd (65534 on Debian). */
    private static int[] nobody() {
        try {
            for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
                String[] fields = line.split(":");
                if (fields.length > 3 && fields[0].equals("nobody")) {
                    return new int[] {Integer.parseInt(fields[2]), Integer.parseInt(fields[3])};
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // fall back to Debian's numbers
        }
        return new int[] {65534, 65534};
    }

    private void awaitGreeting() {
        try {
            Greeting.await(process, "dovecot", "127.0.0.1", port, "* OK", START_TIMEOUT, this::logs);
        } catch (AssertionError e) {
            close();
            throw e;
        }
    }

    public int port() {
        return port;
    }

    /** Dovecot's own log and its stdout, for assertion messages. */
    public String logs() {
        StringBuilder text = new StringBuilder();
        for (String name : new String[] {"dovecot.out", "dovecot.log"}) {
            Path file = dir.resolve(name);
            try {
                if (Files.exists(file)) {
                    text.append("\n----- ").append(file).append(" -----\n").append(Files.readString(file));
                }
            } catch (IOException e) {
                text.append("\n(cannot read ").append(file).append(")");
            }
        }
        return text.toString();
    }

    /** Gives the user's Maildir to the uid Dovecot reads mail as (see the class comment). */
    public void handOver(String user) {
        Path mailbox = mailRoot.resolve(user);
        try (Stream<Path> paths = Files.walk(mailbox)) {
            for (Path path : paths.toList()) {
                Files.setAttribute(path, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
                Files.setAttribute(path, "unix:gid", gid, LinkOption.NOFOLLOW_LINKS);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot chown " + mailbox, e);
        }
    }

    /** A message as an IMAP client saw it. */
    public record ImapMessage(String subject, String from, byte[] raw, Object content) {
        public String rawLatin1() {
            return new String(raw, StandardCharsets.ISO_8859_1);
        }
    }

    /** Logs in as the user (any password), reads INBOX read-only, returns every message. */
    public List<ImapMessage> inbox(String user) {
        handOver(user);
        Properties props = new Properties();
        props.setProperty("mail.store.protocol", "imap");
        props.setProperty("mail.imap.host", "127.0.0.1");
        props.setProperty("mail.imap.port", Integer.toString(port));
        props.setProperty("mail.imap.connectiontimeout", "10000");
        props.setProperty("mail.imap.timeout", "20000");
        props.setProperty("mail.imap.writetimeout", "20000");
        Session session = Session.getInstance(props);
        try {
            Store store = session.getStore("imap");
            store.connect("127.0.0.1", port, user, "any-password");
            try {
                Folder inbox = store.getFolder("INBOX");
                inbox.open(Folder.READ_ONLY);
                try {
                    List<ImapMessage> messages = new ArrayList<>();
                    for (Message message : inbox.getMessages()) {
                        ByteArrayOutputStream raw = new ByteArrayOutputStream();
                        message.writeTo(raw);
                        messages.add(new ImapMessage(message.getSubject(),
                                message.getFrom() == null ? null : message.getFrom()[0].toString(),
                                raw.toByteArray(), message.getContent()));
                    }
                    return messages;
                } finally {
                    inbox.close(false);
                }
            } finally {
                store.close();
            }
        } catch (MessagingException | IOException e) {
            throw new AssertionError("IMAP read of " + user + "'s INBOX failed: " + e + logs(), e);
        }
    }

    /** Reads the INBOX until it holds at least {@code count} messages (bounded). */
    public List<ImapMessage> awaitInbox(String user, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ImapMessage> messages;
        do {
            messages = inbox(user);
            if (messages.size() >= count) {
                return messages;
            }
            TernProcess.sleep(200);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("IMAP INBOX of " + user + " has " + messages.size() + " message(s), expected "
                + count + logs());
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        TestDirs.deleteQuietly(dir);
    }
}
