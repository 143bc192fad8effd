package dev.tern.it;

import static dev.tern.it.TernProcess.address;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** The command line of shared/CLI.md: help, usage errors, user administration, signals. */
class CliTest extends SharedTern {

    private static Exec.Result main(String... args) {
        return Exec.run(TernProcess.ADMIN_TIMEOUT, null, Exec.java(TernProcess.ADMIN_JVM, TernProcess.MAIN, List.of(args)));
    }

    @Test
    void helpExitsZeroAndListsTheOptions() {
        for (String flag : List.of("--help", "-h")) {
            Exec.Result result = main(flag);
            assertThat(result.exitCode()).as(result.describe()).isZero();
            assertThat(result.stdout()).contains("--config", "--data-dir", "--mail-root", "--store", "--domain", "--users",
                    "--inbound", "--outbound", "--smtps", "--tls-cert", "--tls-key", "--hostname", "--max-message-size",
                    "--min-free-space", "--help", "user add");
        }
    }

    @Test
    void anUnknownOptionExitsTwoWithOneLineNamingIt() {
        Exec.Result result = main("run", "--bogus");
        assertThat(result.exitCode()).as(result.describe()).isEqualTo(2);
        assertThat(result.stderrLines()).as(result.describe()).hasSize(1);
        assertThat(result.stderrLines().get(0)).contains("--bogus");
        assertThat(result.stdout().lines()).as("stdout lines").doesNotContain("ready");
    }

    @Test
    void badValuesExitTwoNamingTheOption() {
        Path dir = TestDirs.create("cli");
        try {
            record Case(String option, List<String> args) {
            }
            List<Case> cases = List.of(
                    new Case("--store", List.of("--store", "mbox")),
                    new Case("--max-message-size", List.of("--max-message-size", "lots")),
                    new Case("--inbound", List.of("--inbound", "localhost")),
                    new Case("--inbound", List.of("--inbound", "127.0.0.1:99999")),
                    new Case("--max-message-size", List.of("--max-message-size=-5")),
                    new Case("--min-free-space", List.of("--min-free-space", "plenty")),
                    new Case("--min-free-space", List.of("--min-free-space=-1")),
                    new Case("--hostname", List.of("--hostname", "bad host!")),
                    new Case("--smtps", List.of("--smtps", "nonsense")),
                    new Case("--smtps", List.of("--smtps", "127.0.0.1:99999")),
                    new Case("--tls-key", List.of("--tls-cert", dir.resolve("cert.pem").toString())),
                    new Case("--tls-cert", List.of("--tls-key", dir.resolve("key.pem").toString())));
            for (Case c : cases) {
                List<String> args = new ArrayList<>(List.of("run", "--data-dir", dir.toString(),
                        "--inbound", "127.0.0.1:" + TestDirs.freePort(), "--outbound", "127.0.0.1:" + TestDirs.freePort(),
                        "--smtps", "127.0.0.1:" + TestDirs.freePort()));
                args.addAll(c.args());
                Exec.Result result = main(args.toArray(String[]::new));
                assertThat(result.exitCode()).as(result.describe()).isEqualTo(2);
                assertThat(result.stderrLines()).as(result.describe()).hasSize(1);
                assertThat(result.stderrLines().get(0)).as(result.describe()).contains(c.option());
            }
        } finally {
            TestDirs.deleteQuietly(dir);
        }
    }

    @Test
    void aNonLoopbackOutboundListenerIsRefusedAtValidation() {
        // 192.0.2.1 is TEST-NET-1: never reachable; Tern must refuse it before binding or connecting anything
        TernProcess refused = TernProcess.unstarted(new TernProcess.Options());
        try {
            List<String> args = new ArrayList<>(List.of("run", "--data-dir", refused.dataDir().toString(),
                    "--inbound", "127.0.0.1:" + TestDirs.freePort(), "--smtps", "127.0.0.1:" + TestDirs.freePort(),
                    "--outbound", "192.0.2.1:25"));
            long started = System.nanoTime();
            Exec.Result result = main(args.toArray(String[]::new));
            assertThat(result.exitCode()).as(result.describe()).isEqualTo(2);
            assertThat(result.stderrLines()).as(result.describe()).hasSize(1);
            assertThat(result.stderrLines().get(0)).contains("--outbound");
            assertThat(result.stdout().lines()).as("stdout lines").doesNotContain("ready");
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
        } finally {
            refused.close();
        }
    }

    @Test
    void userAddListDel() {
        String name = "cliuser" + System.nanoTime() % 100000;
        Exec.Result add = tern.admin(null, "user", "add", name);
        assertThat(add.exitCode()).as(add.describe()).isZero();
        for (String sub : List.of("tmp", "new", "cur")) {
            assertThat(tern.mailRoot().resolve(name).resolve(sub)).isDirectory();
        }

        Exec.Result again = tern.admin(null, "user", "add", name);
        assertThat(again.exitCode()).as("adding an existing user: " + again.describe()).isNotZero();

        Exec.Result list = tern.admin(null, "user", "list");
        assertThat(list.exitCode()).as(list.describe()).isZero();
        assertThat(list.stdout().lines().toList()).contains(name);

        Exec.Result del = tern.admin(null, "user", "del", name);
        assertThat(del.exitCode()).as(del.describe()).isZero();
        Exec.Result after = tern.admin(null, "user", "list");
        assertThat(after.stdout().lines().toList()).doesNotContain(name);
    }

    @Test
    void userAddWithPasswordFromStdin() throws Exception {
        String name = "pwuser" + System.nanoTime() % 100000;
        Exec.Result add = tern.admin("s3cret-Pass\n".getBytes(StandardCharsets.UTF_8), "user", "add", name,
                "--password-stdin");
        assertThat(add.exitCode()).as(add.describe()).isZero();
        String line = Files.readAllLines(tern.usersFile()).stream().filter(l -> l.startsWith(name + ":"))
                .findFirst().orElseThrow();
        assertThat(line).as("Dovecot passwd-file style: name:{SCHEME}hash")
                .matches(java.util.regex.Pattern.quote(name) + ":\\{[A-Z0-9-]+\\}\\S+.*")
                .doesNotContain("s3cret-Pass");
    }

    @Test
    void aUserAddedWhileTernRunsIsAcceptedWithoutRestartAndADeletedOneIsRefused() {
        String name = "late" + System.nanoTime() % 100000;
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.send("MAIL FROM:<a@client.test>");
            smtp.expect("250");
            smtp.send("RCPT TO:<" + address(name) + ">");
            smtp.expect("550 5.1.1");
            smtp.send("RSET");
            smtp.expect("250");
        }

        tern.addUser(name);
        awaitRcpt(name, "250 2.1.5");
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.deliver("a@client.test", List.of(address(name)), "Subject: late\r\n\r\nwelcome\r\n");
            smtp.quit();
        }
        Maildirs.awaitOnlyNewFile(tern.mailRoot(), name);

        Exec.Result del = tern.admin(null, "user", "del", name);
        assertThat(del.exitCode()).as(del.describe()).isZero();
        awaitRcpt(name, "550 5.1.1");
        assertThat(tern.mailRoot().resolve(name).resolve("new")).as("the mailbox is kept").isDirectory();
    }

    /** RCPT until the expected reply comes (a running Tern re-reads the user db when it changes), bounded. */
    private static void awaitRcpt(String user, String expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String last;
        do {
            try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
                smtp.send("MAIL FROM:<a@client.test>");
                smtp.expect("250");
                smtp.send("RCPT TO:<" + address(user) + ">");
                last = smtp.read().lastLine();
                smtp.quit();
            }
            if (last.startsWith(expected)) {
                return;
            }
            TernProcess.sleep(200);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("RCPT TO:<" + address(user) + "> still answered '" + last + "' after 10 s, expected '"
                + expected + "'" + tern.logTail());
    }

    @Test
    void sigtermExitsZeroAndClosesAnIdleSession() {
        TernProcess own = TernProcess.launch();
        try {
            try (SmtpTranscript idle = SmtpTranscript.connect(own).hello()) {
                assertThat(own.stop()).as("exit code after SIGTERM" + own.logTail()).isZero();
                // the idle session was told (421) or simply closed; either way it is not left hanging
                try {
                    SmtpTranscript.Reply reply = idle.read();
                    assertThat(reply.code()).isEqualTo(421);
                } catch (AssertionError closed) {
                    assertThat(closed).hasMessageContaining("connection closed");
                }
            }
        } finally {
            own.close();
        }
    }

    @Test
    void aBusyPortExitsNonZeroWithoutReady() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket()) {
            taken.bind(new java.net.InetSocketAddress("127.0.0.1", 0));
            Path dir = TestDirs.create("busy");
            try {
                Exec.Result result = main("run", "--data-dir", dir.toString(), "--inbound",
                        "127.0.0.1:" + taken.getLocalPort(), "--outbound", "127.0.0.1:" + TestDirs.freePort(),
                        "--smtps", "127.0.0.1:" + TestDirs.freePort());
                assertThat(result.exitCode()).as(result.describe()).isEqualTo(1);
                assertThat(result.stdout().lines()).as("stdout lines").doesNotContain("ready");
            } finally {
                TestDirs.deleteQuietly(dir);
            }
        }
    }

    @Test
    void aMissingCertificateFileExitsOneWithOneLineWithoutReady() {
        Path dir = TestDirs.create("nocert");
        try {
            Path cert = dir.resolve("no-such-cert.pem");
            Path key = dir.resolve("no-such-key.pem");
            Exec.Result result = main("run", "--data-dir", dir.toString(), "--inbound", "127.0.0.1:" + TestDirs.freePort(),
                    "--outbound", "127.0.0.1:" + TestDirs.freePort(), "--smtps", "127.0.0.1:" + TestDirs.freePort(),
                    "--tls-cert", cert.toString(), "--tls-key", key.toString());
            assertThat(result.exitCode()).as(result.describe()).isEqualTo(1);
            assertThat(result.stderrLines()).as(result.describe()).hasSize(1);
            assertThat(result.stderrLines().get(0)).as(result.describe()).contains("no-such-cert.pem");
            assertThat(result.stdout().lines()).as("stdout lines").doesNotContain("ready");
        } finally {
            TestDirs.deleteQuietly(dir);
        }
    }

    @Test
    void versionPrintsSomething() {
        Exec.Result result = main("--version");
        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(result.stdout()).startsWith("tern ");
    }

    @Test
    void repeatedInboundOptionsAddUpToSeveralListeners() {
        int second = TestDirs.freePort();
        try (TernProcess two = TernProcess.launch(new TernProcess.Options().extra("--inbound", "127.0.0.1:" + second))) {
            String user = two.newUser("twolisteners");
            for (int port : new int[] {two.inboundPort(), second}) {
                try (SmtpTranscript smtp = SmtpTranscript.connect("127.0.0.1", port).hello()) {
                    smtp.send("MAIL FROM:<a@client.test>");
                    smtp.expect("250");
                    smtp.send("RCPT TO:<someone@remote.example>");
                    smtp.expect("550 5.7.1"); // both are inbound listeners: no relaying
                    smtp.send("RSET");
                    smtp.expect("250");
                    smtp.deliver("a@client.test", List.of(address(user)), "Subject: " + port + "\r\n\r\nx\r\n");
                    smtp.quit();
                }
            }
            assertThat(Maildirs.newFiles(two.mailRoot(), user)).hasSize(2);
        }
    }

    @Test
    void sigtermLetsARunningTransactionFinishThenExitsZero() {
        TernProcess own = TernProcess.launch();
        try {
            String user = own.newUser("graceful");
            try (SmtpTranscript smtp = SmtpTranscript.connect(own).hello()) {
                smtp.pipeline("MAIL FROM:<a@client.test>", "RCPT TO:<" + address(user) + ">", "DATA");
                smtp.expect("250", "250", "354");
                smtp.sendRaw("Subject: in flight\r\n\r\nfirst half\r\n");

                own.terminate();
                TernProcess.sleep(1000);
                assertThat(own.isAlive()).as("Tern waits for the transaction in progress" + own.logTail()).isTrue();

                smtp.sendRaw("second half\r\n.\r\n");
                smtp.expect("250 2.0.0 Ok: queued as ");
            }
            assertThat(own.awaitExit(TernProcess.STOP_TIMEOUT)).as("exit code after SIGTERM" + own.logTail()).isZero();
            assertThat(Maildirs.parse(Maildirs.awaitOnlyNewFile(own.mailRoot(), user)).messageLatin1())
                    .isEqualTo("Subject: in flight\r\n\r\nfirst half\r\nsecond half\r\n");
        } finally {
            own.close();
        }
    }
}
