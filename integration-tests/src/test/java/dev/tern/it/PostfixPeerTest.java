package dev.tern.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

/** The harness itself: a private Postfix takes mail into its Maildir, and leaves no process behind. */
class PostfixPeerTest {

    @Test
    void deliversToItsMaildirAndStopsEveryDaemonItStarted() {
        PostfixPeer.assumeUsable();
        int port = TestDirs.freePort();
        PostfixPeer postfix = PostfixPeer.start("127.0.0.1", port, TestDirs.freePort(), Map.of("box", "box"));
        List<ProcessHandle> daemons;
        try {
            try (SmtpTranscript smtp = SmtpTranscript.connect("127.0.0.1", port).hello()) {
                smtp.deliver("someone@example.test", List.of("box@postfix.test"), PostfixInteropTest.headers(
                        "someone@example.test", "box@postfix.test", "harness", "harness-1") + "into the Maildir\r\n");
                smtp.quit();
            }
            assertThat(postfix.awaitStatus(Duration.ofSeconds(20), "box@postfix.test"))
                    .contains(", relay=virtual,").contains(", status=sent (delivered to maildir)");
            assertThat(Maildirs.readLatin1(postfix.awaitNewFiles("box", 1, Duration.ofSeconds(10)).get(0)))
                    .contains("\nDelivered-To: box@postfix.test\n").endsWith("\n\ninto the Maildir\n");
            daemons = ProcessHandle.current().descendants()
                    .filter(p -> p.info().command().orElse("").startsWith("/usr/lib/postfix/")).toList();
            assertThat(daemons).as("the master and the daemons it started (smtpd, cleanup, qmgr, virtual, ...)")
                    .hasSizeGreaterThan(3);
        } finally {
            postfix.close();
        }
        assertThat(daemons).as("every Postfix process of the instance has ended").noneMatch(ProcessHandle::isAlive);
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            throw new AssertionError("something still listens on 127.0.0.1:" + port);
        } catch (IOException expected) {
            // refused: the smtpd socket is gone
        }
    }
}
