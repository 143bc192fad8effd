package dev.tern.it;

import static dev.tern.it.Relaying.awaitOnlyTransaction;
import static dev.tern.it.TernProcess.address;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.tern.testing.ScriptedSmtpServer;

/**
 * Aliases and sub-addresses (shared/CLI.md "Addresses and mail authentication") with real
 * clients: each copy once per final mailbox with its {@code Delivered-To:}, postmaster's
 * fallback, remote targets relayed from the inbound listener, the file edited while Tern runs,
 * and a loop refused with an error in the log.
 */
class AliasDeliveryTest {

    private static final Duration RELOAD_TIMEOUT = Duration.ofSeconds(15);
    /** Not a user: postmaster@ falls back to it once it is one. */
    private static final String ADMIN = "chief";

    static FakeInternet net;
    static TernProcess tern;
    static Path dir;
    static Path aliases;

    @BeforeAll
    static void start() throws IOException {
        net = FakeInternet.start();
        dir = TestDirs.create("aliases");
        aliases = Files.writeString(dir.resolve("aliases"), "# nothing yet\n");
        tern = TernProcess.launch(net.ternOptions("500ms", "2s", "1m", "--aliases", aliases.toString(),
                "--admin", ADMIN));
    }

    @AfterAll
    static void stop() {
        FakeInternet.close(tern, net);
        TestDirs.deleteQuietly(dir);
    }

    /** Replaces the aliases file at once, as an editor that renames its temporary file does. */
    private static void installAliases(String... lines) {
        try {
            Path next = Files.writeString(dir.resolve("aliases.new"), String.join("\n", lines) + "\n");
            Files.move(next, aliases, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** RCPT TO's reply on the inbound listener, in a transaction of its own. */
    private static SmtpTranscript.Reply rcpt(String address) {
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.send("MAIL FROM:<someone@client.test>").expect("250");
            SmtpTranscript.Reply reply = smtp.send("RCPT TO:<" + address + ">").read();
            smtp.quit();
            return reply;
        }
    }

    /** Waits until RCPT TO {@code address} gets {@code code} (the file is looked at once a second). */
    private static void awaitRcpt(String address, int code) {
        SmtpTranscript.Reply[] last = new SmtpTranscript.Reply[1];
        boolean seen = FakeInternet.await(RELOAD_TIMEOUT, () -> {
            last[0] = rcpt(address);
            return last[0].code() == code;
        });
        assertThat(seen).as("RCPT TO:<" + address + "> answered " + code + "; last " + last[0] + tern.logTail())
                .isTrue();
    }

    private static String python(List<String> to, String message) {
        Exec.Result sent = Clients.pythonSendmail("127.0.0.1", tern.inboundPort(), "sender@client.test", to,
                message.getBytes(StandardCharsets.US_ASCII));
        assertThat(sent.exitCode()).as(sent.describe()).isZero();
        assertThat(sent.stdout()).as(sent.describe()).contains("refused: {}");
        return sent.stdout();
    }

    /** The stored file: Return-Path, then Delivered-To (returned), then Tern's Received, then {@code message}. */
    private static String deliveredTo(Path file, String message) {
        String stored = Maildirs.readLatin1(file);
        assertThat(stored).startsWith("Return-Path: <sender@client.test>\r\nDelivered-To: ");
        int toEnd = stored.indexOf("\r\n", "Return-Path: <sender@client.test>\r\n".length());
        String rest = stored.substring(toEnd + 2);
        assertThat(rest).startsWith("Received: ").endsWith(message);
        int receivedEnd = rest.indexOf("\r\n", 0);
        while (rest.charAt(receivedEnd + 2) == ' ' || rest.charAt(receivedEnd + 2) == '\t') {
            receivedEnd = rest.indexOf("\r\n", receivedEnd + 2);
        }
        assertThat(rest.substring(receivedEnd + 2)).as("the message as the client sent it").isEqualTo(message);
        return stored.substring("Return-Path: <sender@client.test>\r\nDelivered-To: ".length(), toEnd);
    }

    @Test
    void anAliasOfTwoUsersAndOneOfThemDirectlyStoreOneCopyInEachWithDeliveredTo() {
        String ann = tern.newUser("ann");
        String ben = tern.newUser("ben");
        installAliases("# the team", "Team1: " + ann + ", " + ben + "@" + TernProcess.DOMAIN,
                "crew1: team1, " + ann);
        awaitRcpt("crew1@" + TernProcess.DOMAIN, 250);
        String message = "From: <sender@client.test>\r\nSubject: to the team\r\n\r\nhello team\r\n";

        python(List.of("TEAM1@" + TernProcess.DOMAIN, "crew1@" + TernProcess.DOMAIN, address(ann)), message);

        Path toAnn = Maildirs.awaitOnlyNewFile(tern.mailRoot(), ann);
        Path toBen = Maildirs.awaitOnlyNewFile(tern.mailRoot(), ben);
        TernProcess.sleep(500);
        assertThat(Maildirs.newFiles(tern.mailRoot(), ann)).as("one copy, though three addresses lead there")
                .hasSize(1);
        assertThat(deliveredTo(toAnn, message)).isEqualTo("TEAM1@" + TernProcess.DOMAIN);
        assertThat(deliveredTo(toBen, message)).isEqualTo("TEAM1@" + TernProcess.DOMAIN);
        assertThat(Maildirs.newFiles(tern.mailRoot(), "team1")).as("no mailbox for the alias").isEmpty();
    }

    @Test
    void aSubAddressLandsInItsUsersMaildirWithTheFullAddressInDeliveredTo() {
        String cat = tern.newUser("cat");

        Exec.Result swaks = Clients.swaks("127.0.0.1", tern.inboundPort(), "sender@client.test",
                cat + "+lists@" + TernProcess.DOMAIN, "sub-address", "for the lists");

        assertThat(swaks.exitCode()).as(swaks.describe()).isZero();
        assertThat(swaks.stdout()).contains("<-  250 2.1.5 ");
        String stored = Maildirs.readLatin1(Maildirs.awaitOnlyNewFile(tern.mailRoot(), cat));
        assertThat(stored).startsWith("Return-Path: <sender@client.test>\r\nDelivered-To: " + cat + "+lists@"
                + TernProcess.DOMAIN + "\r\nReceived: ").contains("\r\nSubject: sub-address\r\n")
                .contains("\r\n\r\nfor the lists\r\n");
        assertThat(rcpt("nobody+lists@" + TernProcess.DOMAIN).code()).isEqualTo(550);
    }

    @Test
    void postmasterFallsBackToTheFirstAdminAndWasWarnedAboutAtStart() {
        assertThat(tern.log()).as("no postmaster alias, user nor admin user at start")
                .contains("postmaster@ has nowhere to go");
        assertThat(rcpt("postmaster@" + TernProcess.DOMAIN).lastLine()).startsWith("550 5.1.1");
        tern.addUser(ADMIN);

        Exec.Result swaks = Clients.swaks("127.0.0.1", tern.inboundPort(), "sender@client.test",
                "PostMaster@" + TernProcess.DOMAIN, "abuse report", "look at this");

        assertThat(swaks.exitCode()).as(swaks.describe()).isZero();
        String stored = Maildirs.readLatin1(Maildirs.awaitOnlyNewFile(tern.mailRoot(), ADMIN));
        assertThat(stored).startsWith("Return-Path: <sender@client.test>\r\nDelivered-To: PostMaster@"
                + TernProcess.DOMAIN + "\r\nReceived: ").contains("\r\nSubject: abuse report\r\n");
        assertThat(Maildirs.newFiles(tern.mailRoot(), "postmaster")).isEmpty();
    }

    @Test
    void aRemoteTargetIsRelayedFromTheInboundListenerBesideTheLocalCopy() {
        ScriptedSmtpServer server = net.mxServer("remote.test");
        String dan = tern.newUser("dan");
        installAliases("fwd1: " + dan + ", friend@remote.test");
        awaitRcpt("fwd1@" + TernProcess.DOMAIN, 250);
        assertThat(rcpt("friend@remote.test").lastLine()).as("the inbound listener relays for no one else")
                .startsWith("550 5.7.1");
        String message = "From: <sender@client.test>\r\nSubject: forwarded\r\n\r\nto a friend\r\n";

        python(List.of("fwd1@" + TernProcess.DOMAIN), message);

        ScriptedSmtpServer.Transaction relayed = awaitOnlyTransaction(server, tern);
        assertThat(relayed.mailFrom()).isEqualTo("sender@client.test");
        assertThat(relayed.recipients()).containsExactly("friend@remote.test");
        assertThat(Relaying.relayed(relayed.data()).messageLatin1()).isEqualTo(message);
        assertThat(deliveredTo(Maildirs.awaitOnlyNewFile(tern.mailRoot(), dan), message))
                .isEqualTo("fwd1@" + TernProcess.DOMAIN);
        Relaying.awaitNotQueued(tern, "remote.test");
    }

    @Test
    void anEditedFileTakesEffectWithoutARestart() {
        String eve = tern.newUser("eve");
        String fay = tern.newUser("fay");
        assertThat(rcpt("late1@" + TernProcess.DOMAIN).lastLine()).startsWith("550 5.1.1");

        installAliases("late1: " + eve);
        awaitRcpt("late1@" + TernProcess.DOMAIN, 250);
        Exec.Result first = Clients.swaks("127.0.0.1", tern.inboundPort(), "sender@client.test",
                "late1@" + TernProcess.DOMAIN, "first", "to eve");
        assertThat(first.exitCode()).as(first.describe()).isZero();
        assertThat(Maildirs.readLatin1(Maildirs.awaitOnlyNewFile(tern.mailRoot(), eve))).contains("Subject: first");

        installAliases("late1: " + fay, "marker1: " + fay);
        awaitRcpt("marker1@" + TernProcess.DOMAIN, 250); // the second version is read
        Exec.Result second = Clients.swaks("127.0.0.1", tern.inboundPort(), "sender@client.test",
                "late1@" + TernProcess.DOMAIN, "second", "to fay");
        assertThat(second.exitCode()).as(second.describe()).isZero();
        assertThat(Maildirs.readLatin1(Maildirs.awaitOnlyNewFile(tern.mailRoot(), fay))).contains("Subject: second");
        assertThat(Maildirs.newFiles(tern.mailRoot(), eve)).as("eve has only the first").hasSize(1);
    }

    @Test
    void sighupReadsTheFileAgainWithTheUserDb() {
        String hal = tern.newUser("hal");
        installAliases("hup1: " + hal);

        Exec.Result kill = Exec.run(Duration.ofSeconds(10), "kill", "-HUP", Long.toString(tern.pid()));

        assertThat(kill.exitCode()).as(kill.describe()).isZero();
        assertThat(tern.awaitLog("reloading (SIGHUP): TLS certificate, user db and aliases", RELOAD_TIMEOUT))
                .as(tern.logTail()).isTrue();
        String after = tern.log().substring(tern.log().lastIndexOf("reloading (SIGHUP)"));
        assertThat(FakeInternet.await(RELOAD_TIMEOUT, () -> tern.log().substring(tern.log()
                .lastIndexOf("reloading (SIGHUP)")).contains("aliases " + aliases + " loaded: 1 aliases")))
                .as(after).isTrue();
        assertThat(rcpt("hup1@" + TernProcess.DOMAIN).lastLine()).startsWith("250 2.1.5");
    }

    @Test
    void aLoopIsAnErrorInTheLogAndItsAddressesAreRefusedNotDeliveredInCircles() {
        String gus = tern.newUser("gus");
        installAliases("ping1: pong1", "pong1: ping1", "ring1: ring2+x, " + gus, "ring2: ring1+y");

        awaitRcpt("ring1@" + TernProcess.DOMAIN, 250);
        assertThat(Relaying.awaitLogLine(tern, RELOAD_TIMEOUT, "ERROR", aliases + ":1: mail forwarding loop: alias 'ping1'"))
                .contains("through pong1");
        Relaying.awaitLogLine(tern, RELOAD_TIMEOUT, "ERROR", aliases + ":2: mail forwarding loop: alias 'pong1'");
        assertThat(rcpt("ping1@" + TernProcess.DOMAIN).lastLine()).startsWith("550 5.1.1");
        assertThat(rcpt("pong1@" + TernProcess.DOMAIN).lastLine()).startsWith("550 5.1.1");

        // a loop through sub-addresses is only met while expanding: that branch is cut, the rest delivered once
        Exec.Result swaks = Clients.swaks("127.0.0.1", tern.inboundPort(), "sender@client.test",
                "ring1@" + TernProcess.DOMAIN, "ring", "round and round");
        assertThat(swaks.exitCode()).as(swaks.describe()).isZero();
        Maildirs.awaitOnlyNewFile(tern.mailRoot(), gus);
        Relaying.awaitLogLine(tern, RELOAD_TIMEOUT, "ERROR", "mail forwarding loop: alias ring1 reached again");
        TernProcess.sleep(500);
        assertThat(Maildirs.newFiles(tern.mailRoot(), gus)).hasSize(1);
        assertThat(tern.isAlive()).isTrue();
    }
}
