package dev.tern.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.TXTRecord;

import dev.tern.testing.FakeDnsServer;
import dev.tern.testing.ScriptedSmtpServer;

/**
 * Tern's DKIM signatures checked by verifiers no one here wrote: Debian's python3-dkim (dkimpy)
 * and OpenDKIM's {@code opendkim-testmsg}, the keys made by {@code ./tern dkim keygen} and served
 * by a fake DNS on loopback. Relayed mail and a local copy verify; one changed body octet fails.
 */
class DkimSigningTest {

    private static final Path PYTHON = Path.of("/usr/bin/python3"); // Debian's, where python3-dkim lives
    private static final Path TESTMSG = Path.of("/usr/sbin/opendkim-testmsg");
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(30);

    /** dkimpy's verify, its key lookups sent to the fake DNS (argv[1]: its port). */
    private static final String DKIMPY = """
            import logging, sys
            import dkim, dns.resolver
            logging.basicConfig(stream=sys.stderr, level=logging.DEBUG)
            def txt(name, timeout=5):
                if isinstance(name, bytes):
                    name = name.decode()
                resolver = dns.resolver.Resolver(configure=False)
                resolver.nameservers = ['127.0.0.1']
                resolver.port = int(sys.argv[1])
                resolver.lifetime = timeout
                try:
                    answer = resolver.resolve(name, 'TXT')
                except Exception as e:
                    print('lookup of %s failed: %s' % (name, e), file=sys.stderr)
                    return None
                return b''.join(b''.join(record.strings) for record in answer)
            message = sys.stdin.buffer.read()
            try:
                ok = dkim.DKIM(message, logger=logging.getLogger('dkim')).verify(dnsfunc=txt)
            except dkim.ValidationError as e:
                print('not valid: %s' % e, file=sys.stderr)
                ok = False
            print('pass' if ok else 'fail')
            sys.exit(0 if ok else 1)
            """;

    @Test
    void relayedAndLocalCopiesVerifyWithDkimpyAndOpenDkim() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(PYTHON) && Exec.run(TOOL_TIMEOUT, PYTHON.toString(), "-c",
                "import dkim, nacl").exitCode() == 0, "no python3-dkim (apt-get install python3-dkim; .ci/run does)");
        try (FakeInternet net = FakeInternet.start()) {
            String mx = net.nextAddress();
            net.mx("sink.test", 10, "mx.sink.test", mx);
            ScriptedSmtpServer server = net.run(net.smtp(mx));
            Path script = net.config("verify.py", DKIMPY);
            TernProcess.Options options = net.ternOptions("500ms", "2s", "1m");
            try (TernProcess tern = TernProcess.unstarted(options)) {
                String rsaRecord = keygen(tern, "example.test", "rsa1", "rsa");
                String edRecord = keygen(tern, "ed.example.test", "ed1", "ed25519");
                publish(net.dns(), rsaRecord);
                publish(net.dns(), edRecord);
                options.extra("--dkim-key", "example.test:rsa1:" + keyFile(tern, "example.test", "rsa1"),
                        "--dkim-key", "ed.example.test:ed1:" + keyFile(tern, "ed.example.test", "ed1"));
                tern.start();
                String user = tern.newUser("dkim");

                Relaying.send(tern, "alice@example.test", List.of("rsa@sink.test", TernProcess.address(user)),
                        message("alice@example.test", "rsa"));
                Relaying.send(tern, "bob@ed.example.test", List.of("ed@sink.test"), message("bob@ed.example.test", "ed"));
                List<ScriptedSmtpServer.Transaction> relayed = server.awaitTransactions(2, Relaying.DELIVERY_TIMEOUT);
                assertThat(relayed).as("relayed transactions" + tern.logTail()).hasSize(2);

                Dns opendkimDns = Dns.start(net, FakeDnsServer.startOn(new InetSocketAddress(net.nextAddress(), 53)));
                publish(opendkimDns.server(), rsaRecord);
                publish(opendkimDns.server(), edRecord);
                for (ScriptedSmtpServer.Transaction transaction : relayed) {
                    byte[] data = transaction.data();
                    String text = transaction.dataAsString();
                    boolean rsa = transaction.recipients().contains("rsa@sink.test");
                    assertThat(text.replace("\r\n\t", " ")).as("relayed message, unfolded").startsWith("DKIM-Signature: v=1; a="
                            + (rsa ? "rsa-sha256" : "ed25519-sha256") + "; c=relaxed/relaxed; d="
                            + (rsa ? "example.test; s=rsa1;" : "ed.example.test; s=ed1;"));
                    assertThat(dkimpy(script, net, data)).as("dkimpy on\n" + text).isEqualTo(0);
                    assertThat(dkimpy(script, net, changedBodyOctet(data))).as("dkimpy, one body octet changed")
                            .isEqualTo(1);
                    if (opendkimDns.usable()) {
                        assertThat(opendkimDns.verify(data).exitCode()).as("opendkim-testmsg: "
                                + opendkimDns.verify(data).describe() + "\n" + text).isZero();
                        assertThat(opendkimDns.verify(changedBodyOctet(data)).exitCode())
                                .as("opendkim-testmsg, one body octet changed").isNotZero();
                    }
                }

                // the local copy carries the same signature (signed once, before storing) and verifies too
                byte[] local = Maildirs.read(Maildirs.awaitOnlyNewFile(tern.mailRoot(), user));
                assertThat(new String(local, StandardCharsets.ISO_8859_1)).contains("DKIM-Signature: v=1; a=rsa-sha256");
                assertThat(dkimpy(script, net, local)).as("dkimpy on the local copy").isEqualTo(0);
                Assumptions.assumeTrue(opendkimDns.usable(), "opendkim-testmsg not run: " + opendkimDns.why());
            }
        }
    }

    @Test
    void mailAfterAuthIsSignedAndMailFromOutsideIsNot() throws Exception {
        try (TernProcess tern = TernProcess.unstarted(new TernProcess.Options())) {
            keygen(tern, TernProcess.DOMAIN, "s1", "ed25519");
            Path key = keyFile(tern, TernProcess.DOMAIN, "s1");
            try (TernProcess running = TernProcess.launch(new TernProcess.Options()
                    .extra("--dkim-key", TernProcess.DOMAIN + ":s1:" + key))) {
                String user = running.newUser("plain");
                String sender = running.addUser("sender" + System.nanoTime() % 100000, "secret-password");
                String from = TernProcess.address(sender);
                try (SmtpTranscript smtp = SmtpTranscript.connect(running).hello()) {
                    smtp.deliver(from, List.of(TernProcess.address(user)), message(from, "inbound"));
                    smtp.quit();
                }
                String stored = Maildirs.readLatin1(Maildirs.awaitOnlyNewFile(running.mailRoot(), user));
                assertThat(stored).as("unauthenticated inbound mail").doesNotContain("DKIM-Signature");

                try (SmtpTranscript smtp = SmtpTranscript.connectSmtps(running).hello()) {
                    smtp.send("AUTH PLAIN " + TlsClient.plain(sender, "secret-password"));
                    smtp.expect("235 2.7.0");
                    smtp.deliver(from, List.of(TernProcess.address(user)), message(from, "authenticated"));
                    smtp.quit();
                }
                List<Path> files = Maildirs.awaitNewFiles(running.mailRoot(), user, 2, Relaying.DELIVERY_TIMEOUT);
                String signed = files.stream().map(Maildirs::readLatin1).filter(text -> text.contains("Subject: authenticated"))
                        .findFirst().orElseThrow();
                assertThat(signed.replace("\r\n\t", " ")).as("mail after AUTH")
                        .contains("DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=" + TernProcess.DOMAIN);
            }
        }
    }

    @Test
    void aKeyFileThatCannotBeReadExits2NamingIt() throws Exception {
        try (TernProcess tern = TernProcess.unstarted(new TernProcess.Options())) {
            Path bad = Files.writeString(tern.dataDir().resolve("bad.key"), "not a key\n");
            Exec.Result result = tern.admin(null, "check", "--dkim-key", "example.test:s:" + bad);
            assertThat(result.exitCode()).as(result.describe()).isEqualTo(2);
            assertThat(result.stderr()).contains("--dkim-key").contains(bad.toString());
        }
    }

    // ----- helpers -----

    /** {@code ./tern dkim keygen}: the record line it printed (the last line of its output). */
    private static String keygen(TernProcess tern, String domain, String selector, String algorithm) {
        Exec.Result result = tern.admin(null, "dkim", "keygen", domain, "--selector", selector, "--algorithm", algorithm);
        assertThat(result.exitCode()).as(result.describe()).isZero();
        List<String> lines = result.stdout().lines().toList();
        assertThat(lines.get(0)).startsWith("; wrote " + keyFile(tern, domain, selector));
        String record = lines.get(lines.size() - 1);
        assertThat(record).startsWith(selector + "._domainkey." + domain + ". IN TXT \"v=DKIM1; k=" + algorithm + "; p=");
        return record;
    }

    private static Path keyFile(TernProcess tern, String domain, String selector) {
        return tern.dataDir().resolve("dkim").resolve(domain + "." + selector + ".key");
    }

    /** Puts a {@code NAME. IN TXT "..." "..."} line into the fake DNS, its strings as they are. */
    private static void publish(FakeDnsServer dns, String line) {
        List<String> strings = new ArrayList<>();
        Matcher quoted = Pattern.compile("\"([^\"]*)\"").matcher(line);
        while (quoted.find()) {
            strings.add(quoted.group(1));
        }
        try {
            dns.add(new TXTRecord(Name.fromString(line.substring(0, line.indexOf(' '))), DClass.IN, 60, strings));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String message(String from, String subject) {
        return "From: Sender <" + from + ">\r\nTo: Someone <someone@sink.test>\r\nSubject: " + subject
                + "\r\nDate: Mon, 30 Nov 2026 12:00:00 +0000\r\nMessage-ID: <" + subject + "@client.test>\r\n"
                + "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
                + "Hello,  with  spaces   and a tab\there.\r\n\r\ntrailing blanks   \r\n" + ("x".repeat(76) + "\r\n").repeat(60)
                + "\r\n\r\n";
    }

    /** The message with one body octet changed (the first 'H' of the body becomes 'J'). */
    private static byte[] changedBodyOctet(byte[] message) {
        byte[] changed = message.clone();
        String text = new String(message, StandardCharsets.ISO_8859_1);
        int body = text.indexOf("\r\n\r\nHello") + 4;
        assertThat(body).isGreaterThan(3);
        changed[body] = 'J';
        return changed;
    }

    private static int dkimpy(Path script, FakeInternet net, byte[] message) {
        Exec.Result result = Exec.run(TOOL_TIMEOUT, message,
                List.of(PYTHON.toString(), script.toString(), Integer.toString(net.dns().address().getPort())));
        assertThat(result.stdout().strip()).as(result.describe()).isIn("pass", "fail");
        return result.exitCode();
    }

    /**
     * OpenDKIM asks only the resolver of /etc/resolv.conf, on port 53: it runs in a private mount
     * namespace ({@code unshare -m}, root) where that file names a fake DNS on 127.0.0.x:53.
     */
    private record Dns(FakeDnsServer server, Path resolvConf, String why) {

        static Dns start(FakeInternet net, FakeDnsServer server) {
            net.closeLater(server);
            Path resolv = net.config("resolv.conf", "nameserver " + server.address().getAddress().getHostAddress()
                    + "\noptions edns0\n");
            String why = !Files.isExecutable(TESTMSG) ? "no " + TESTMSG + " (apt-get install opendkim-tools)"
                    : !"root".equals(System.getProperty("user.name")) ? "not root: no private /etc/resolv.conf"
                    : null;
            return new Dns(server, resolv, why);
        }

        boolean usable() {
            return why == null;
        }

        Exec.Result verify(byte[] message) {
            return Exec.run(TOOL_TIMEOUT, message, List.of("unshare", "-m", "sh", "-c",
                    "mount --bind " + resolvConf + " /etc/resolv.conf && exec " + TESTMSG));
        }
    }
}
