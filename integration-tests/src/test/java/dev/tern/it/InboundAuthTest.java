package dev.tern.it;

import static dev.tern.it.TernProcess.address;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

import dev.tern.testing.FakeDnsServer;

/**
 * SPF, DKIM and DMARC on mail from outside, against a fake DNS on loopback: two Terns, one with
 * {@code --inbound-auth record}, one with {@code enforce}; the client is 127.0.0.1. What is checked
 * is what lands on disk (the Authentication-Results: field Tern wrote) and the replies a client
 * gets. Signed mail comes from Debian's python3-dkim ({@code dknewkey}, {@code dkimsign}) and from
 * OpenDKIM ({@link OpenDkimSigner}).
 */
class InboundAuthTest {

    private static final Path DKIMSIGN = Path.of("/usr/bin/dkimsign");
    private static final Path DKNEWKEY = Path.of("/usr/bin/dknewkey");
    private static final Duration TOOL_TIMEOUT = Duration.ofSeconds(30);

    private static FakeDnsServer dns;
    private static Path dir;
    private static TernProcess record;
    private static TernProcess enforce;

    @BeforeAll
    static void start() throws IOException {
        dns = FakeDnsServer.start();
        dir = TestDirs.create("inbound-auth");
        zone();
        Path config = Files.writeString(dir.resolve("dns.conf"),
                "tern.relay.dns-timeout = 1s\ntern.inbound-auth-loopback = on\n"); // the test client is 127.0.0.1
        record = launch(config, "record");
        enforce = launch(config, "enforce");
    }

    private static TernProcess launch(Path config, String mode) {
        return TernProcess.launch(new TernProcess.Options().config(config)
                .extra("--dns", "127.0.0.1:" + dns.address().getPort(), "--inbound-auth", mode));
    }

    @AfterAll
    static void stop() {
        try {
            for (TernProcess tern : new TernProcess[] {record, enforce}) {
                if (tern != null) {
                    tern.close();
                }
            }
        } finally {
            if (dns != null) {
                dns.close();
            }
            TestDirs.deleteQuietly(dir);
        }
    }

    private static void zone() {
        dns.txt("spf-pass.test", "v=spf1 ip4:127.0.0.1 -all")
                .txt("spf-fail.test", "v=spf1 ip4:192.0.2.1 -all")
                .txt("spf-soft.test", "v=spf1 ip4:192.0.2.1 ~all")
                .txt("spf-neutral.test", "v=spf1 ?all")
                .servfail("spf-servfail.test");
        // eleven a: terms; only the eleventh matches, so an evaluation without the limit would pass
        StringBuilder limit = new StringBuilder("v=spf1");
        for (int i = 1; i <= 11; i++) {
            limit.append(" a:h").append(i).append(".spf-limit.test");
            dns.a("h" + i + ".spf-limit.test", i == 11 ? "127.0.0.1" : "192.0.2." + i);
        }
        dns.txt("spf-limit.test", limit + " -all");

        dns.txt("mail.aligned.test", "v=spf1 ip4:127.0.0.0/8 -all")
                .txt("_dmarc.aligned.test", "v=DMARC1; p=reject")
                .txt("_dmarc.dmarc-none.test", "v=DMARC1; p=none")
                .txt("_dmarc.dmarc-q.test", "v=DMARC1; p=quarantine")
                .txt("_dmarc.dmarc-r.test", "v=DMARC1; p=reject; rua=mailto:d@dmarc-r.test")
                .txt("_dmarc.parent.test", "v=DMARC1; p=none; sp=reject")
                .txt("_dmarc.example.co.uk", "v=DMARC1; p=quarantine")
                .txt("_dmarc.signed.test", "v=DMARC1; p=reject");
    }

    // ----- SPF -----

    @Test
    void spfResults() {
        assertThat(results(record, "a@spf-pass.test", "a@spf-pass.test")).contains("spf=pass smtp.mailfrom=a@spf-pass.test");
        assertThat(results(record, "a@spf-fail.test", "a@spf-fail.test")).contains("spf=fail smtp.mailfrom=a@spf-fail.test");
        assertThat(results(record, "a@spf-soft.test", "a@spf-soft.test"))
                .contains("spf=softfail smtp.mailfrom=a@spf-soft.test");
        assertThat(results(record, "a@spf-neutral.test", "a@spf-neutral.test"))
                .contains("spf=neutral smtp.mailfrom=a@spf-neutral.test");
        assertThat(results(record, "a@spf-none.test", "a@spf-none.test")).contains("spf=none smtp.mailfrom=a@spf-none.test");
        // the HELO identity (client.test, no record) beside it
        assertThat(results(record, "a@spf-pass.test", "a@spf-pass.test")).contains("spf=none smtp.helo=client.test");
    }

    @Test
    void aDnsFailureIsATemperrorAndTheMailIsStoredEvenWhenEnforcing() {
        assertThat(results(enforce, "a@spf-servfail.test", "a@spf-servfail.test"))
                .contains("spf=temperror smtp.mailfrom=a@spf-servfail.test");
    }

    @Test
    void moreThanTenDnsLookupsIsAPermerror() {
        assertThat(results(record, "a@spf-limit.test", "a@spf-limit.test"))
                .contains("spf=permerror smtp.mailfrom=a@spf-limit.test");
        assertThat(dns.queries("h10.spf-limit.test", Type.A)).isPositive();
        assertThat(dns.queries("h11.spf-limit.test", Type.A)).as("the eleventh lookup is never asked").isZero();
    }

    // ----- DMARC -----

    @Test
    void dmarcPassesBySpfAlignmentAndIsDeliveredWhenEnforcing() {
        String results = results(enforce, "bounce@mail.aligned.test", "news@aligned.test");
        assertThat(results).contains("spf=pass smtp.mailfrom=bounce@mail.aligned.test",
                "dmarc=pass (p=reject dis=none) header.from=aligned.test");
    }

    @Test
    void dmarcFailsWithPolicyNone() {
        assertThat(results(enforce, "a@spf-pass.test", "x@dmarc-none.test"))
                .contains("dmarc=fail (p=none dis=none) header.from=dmarc-none.test");
    }

    @Test
    void quarantineIsRecordedAndWhenEnforcingMarked() {
        String recorded = stored(record, "a@spf-pass.test", message("x@dmarc-q.test", ""));
        assertThat(field(recorded)).contains("dmarc=fail (p=quarantine dis=quarantine) header.from=dmarc-q.test");
        assertThat(recorded).doesNotContain("X-Tern-Quarantine");
        String enforced = stored(enforce, "a@spf-pass.test", message("x@dmarc-q.test", ""));
        assertThat(field(enforced)).contains("dmarc=fail (p=quarantine dis=quarantine) header.from=dmarc-q.test");
        assertThat(enforced).contains("\r\nX-Tern-Quarantine: dmarc\r\n");
    }

    @Test
    void rejectIsRecordedOrWhenEnforcingRefusedAndNothingStored() throws IOException {
        assertThat(results(record, "a@spf-pass.test", "x@dmarc-r.test"))
                .contains("dmarc=fail (p=reject dis=reject) header.from=dmarc-r.test");
        refused(enforce, "x@dmarc-r.test", "dmarc-r.test");
    }

    @Test
    void aSubdomainGetsTheOrganizationsSubdomainPolicy() throws IOException {
        assertThat(results(record, "a@spf-pass.test", "x@sub.parent.test"))
                .contains("dmarc=fail (p=reject dis=reject) header.from=sub.parent.test");
        refused(enforce, "x@sub.parent.test", "sub.parent.test");
    }

    @Test
    void theOrganizationalDomainComesFromThePublicSuffixList() {
        assertThat(results(record, "a@spf-pass.test", "x@mail.example.co.uk"))
                .contains("dmarc=fail (p=quarantine dis=quarantine) header.from=mail.example.co.uk");
        assertThat(dns.queries("_dmarc.example.co.uk", Type.TXT)).isPositive();
        assertThat(dns.queries("_dmarc.co.uk", Type.TXT)).isZero();
    }

    // ----- Authentication-Results from the client -----

    @Test
    void aForgedAuthenticationResultsWithOurIdIsRemoved() {
        String stored = stored(record, "a@spf-fail.test", message("a@spf-fail.test",
                "Authentication-Results: tern.test; spf=pass smtp.mailfrom=forged@spf-fail.test;\r\n"
                        + "\tdmarc=pass header.from=spf-fail.test\r\n"
                        + "Authentication-Results: other.example; dkim=pass header.d=spf-fail.test\r\n"));
        assertThat(stored).doesNotContain("forged@").contains("\r\nAuthentication-Results: other.example; dkim=pass");
        assertThat(stored.split("Authentication-Results: tern\\.test", -1)).as("only ours").hasSize(2);
        assertThat(field(stored)).contains("spf=fail smtp.mailfrom=a@spf-fail.test");
    }

    // ----- DKIM, signed by python3-dkim -----

    @Test
    void mailSignedByDkimpyPassesAndATamperedCopyFails() throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(DKIMSIGN) && Files.isExecutable(DKNEWKEY),
                "no python3-dkim (apt-get install python3-dkim; .ci/run does)");
        Path key = newKey("rsa1", "rsa");
        String original = message("alice@signed.test", "") + "More text.\r\n";
        String signed = sign(original, "rsa1", key, "rsa-sha256");
        assertThat(signed).startsWith("DKIM-Signature: v=1; a=rsa-sha256;");

        // SPF fails for the MAIL FROM domain: DMARC passes by the aligned DKIM signature alone
        String good = field(stored(enforce, "bounce@spf-fail.test", signed));
        assertThat(good).contains("dkim=pass header.d=signed.test header.s=rsa1",
                "dmarc=pass (p=reject dis=none) header.from=signed.test");

        String tampered = field(stored(record, "bounce@spf-fail.test", signed.replace("More text.", "More text!")));
        assertThat(tampered).contains("dkim=fail (body hash did not verify) header.d=signed.test header.s=rsa1",
                "dmarc=fail (p=reject dis=reject) header.from=signed.test");
    }

    @Test
    void anEd25519SignatureByDkimpyPasses() throws IOException {
        Assumptions.assumeTrue(Files.isExecutable(DKIMSIGN) && Files.isExecutable(DKNEWKEY)
                && Exec.run(TOOL_TIMEOUT, "/usr/bin/python3", "-c", "import dkim, nacl").exitCode() == 0,
                "no python3-dkim with python3-nacl");
        Path key = newKey("ed1", "ed25519");
        String signed = sign(message("alice@signed.test", ""), "ed1", key, "ed25519-sha256");
        assertThat(field(stored(record, "bounce@spf-fail.test", signed)))
                .contains("dkim=pass header.d=signed.test header.s=ed1", "dmarc=pass");
    }

    // ----- DKIM, signed by OpenDKIM -----

    @Test
    void mailSignedByOpenDkimPassesAndATamperedCopyFails() throws IOException {
        Assumptions.assumeTrue(OpenDkimSigner.available() && Files.isExecutable(DKNEWKEY),
                "no opendkim, miltertest or python3-dkim (apt-get install opendkim miltertest python3-dkim; .ci/run does)");
        Path key = newKey("odk1", "rsa");
        List<Map.Entry<String, String>> headers = List.of(Map.entry("From", "Alice <alice@signed.test>"),
                Map.entry("To", "someone@example.test"), Map.entry("Subject", "signed by OpenDKIM"),
                Map.entry("Date", "Mon, 30 Nov 2026 12:00:00 +0000"),
                Map.entry("Message-ID", "<" + System.nanoTime() + "@client.test>"));
        String body = "Hello from a milter.\r\n";
        String field;
        try (OpenDkimSigner opendkim = OpenDkimSigner.start(dir, "signed.test", "odk1", key)) {
            field = opendkim.signatureField("bounce@spf-fail.test", headers, body);
        }
        StringBuilder signed = new StringBuilder(field);
        headers.forEach(header -> signed.append(header.getKey()).append(": ").append(header.getValue()).append("\r\n"));
        signed.append("\r\n").append(body);

        // SPF fails for the MAIL FROM domain: DMARC passes by the aligned DKIM signature alone
        String good = field(stored(enforce, "bounce@spf-fail.test", signed.toString()));
        assertThat(good).contains("dkim=pass header.d=signed.test header.s=odk1",
                "dmarc=pass (p=reject dis=none) header.from=signed.test");

        String tampered = field(stored(record, "bounce@spf-fail.test",
                signed.toString().replace("Subject: signed by OpenDKIM", "Subject: signed by someone else")));
        assertThat(tampered).contains("dkim=fail", "header.d=signed.test header.s=odk1",
                "dmarc=fail (p=reject dis=reject) header.from=signed.test");
    }

    // ----- helpers -----

    private static String message(String from, String extraHeaders) {
        return extraHeaders + "From: " + from + "\r\nTo: someone@example.test\r\nSubject: inbound auth\r\n"
                + "Date: Mon, 30 Nov 2026 12:00:00 +0000\r\nMessage-ID: <" + System.nanoTime() + "@client.test>\r\n"
                + "\r\nHello.\r\n";
    }

    /** The Authentication-Results: field Tern wrote for a message with this MAIL FROM and From:. */
    private static String results(TernProcess tern, String mailFrom, String from) {
        return field(stored(tern, mailFrom, message(from, "")));
    }

    /** Delivers to a fresh user through the inbound listener; the stored file's text. */
    private static String stored(TernProcess tern, String mailFrom, String content) {
        String user = tern.newUser("auth");
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.deliver(mailFrom, List.of(address(user)), content);
            smtp.quit();
        }
        String stored = Maildirs.readLatin1(Maildirs.awaitOnlyNewFile(tern.mailRoot(), user));
        assertThat(stored).as("stored").startsWith("Return-Path: <" + mailFrom + ">\r\nAuthentication-Results: tern.test;");
        return stored;
    }

    /** Tern's own field, folded lines and all. */
    private static String field(String stored) {
        int start = stored.indexOf("\r\nAuthentication-Results: tern.test;");
        assertThat(start).as("Authentication-Results: tern.test in\n" + stored).isNotNegative();
        int end = start + 2;
        do {
            end = stored.indexOf("\r\n", end) + 2;
        } while (stored.charAt(end) == '\t' || stored.charAt(end) == ' ');
        return stored.substring(start + 2, end);
    }

    /** The enforcing Tern refuses the message after DATA (RFC 7489 §6.7) and stores nothing. */
    private static void refused(TernProcess tern, String from, String domain) throws IOException {
        String user = tern.newUser("refused");
        try (SmtpTranscript smtp = SmtpTranscript.connect(tern).hello()) {
            smtp.send("MAIL FROM:<a@spf-pass.test>");
            smtp.expect("250");
            smtp.send("RCPT TO:<" + address(user) + ">");
            smtp.expect("250");
            smtp.send("DATA");
            smtp.expect("354");
            smtp.sendData(message(from, ""));
            SmtpTranscript.Reply reply = smtp.read();
            assertThat(reply.code()).as(reply.toString()).isEqualTo(550);
            assertThat(reply.text()).startsWith("5.7.1 Email rejected per DMARC policy for " + domain);
            smtp.quit();
        }
        Path newDir = tern.mailRoot().resolve(user).resolve("new");
        assertThat(filesIn(newDir)).as("nothing delivered").isEmpty();
        assertThat(filesIn(tern.dataDir().resolve("spool").resolve("incoming"))).as("nothing left staged").isEmpty();
    }

    private static List<Path> filesIn(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }

    /** {@code dknewkey}: the private key file; its TXT record goes into the fake DNS. */
    private static Path newKey(String selector, String type) throws IOException {
        Exec.Result made = Exec.run(TOOL_TIMEOUT, null, List.of("/bin/sh", "-c",
                "cd '" + dir + "' && " + DKNEWKEY + " --ktype " + type + " " + selector));
        assertThat(made.exitCode()).as(made.describe()).isZero();
        String record = Files.readString(dir.resolve(selector + ".dns")).strip();
        List<String> strings = new ArrayList<>();
        for (int i = 0; i < record.length(); i += 255) {
            strings.add(record.substring(i, Math.min(record.length(), i + 255)));
        }
        dns.add(new TXTRecord(Name.fromString(selector + "._domainkey.signed.test."), DClass.IN, 60, strings));
        return dir.resolve(selector + ".key");
    }

    /** {@code dkimsign} (relaxed/simple, its defaults), its output with CRLF line ends for SMTP. */
    private static String sign(String message, String selector, Path key, String algorithm) {
        Exec.Result signed = Exec.run(TOOL_TIMEOUT, message.getBytes(StandardCharsets.US_ASCII), List.of(
                DKIMSIGN.toString(), "--signalg", algorithm, selector, "signed.test", key.toString()));
        assertThat(signed.exitCode()).as(signed.describe()).isZero();
        return signed.stdout().replace("\r\n", "\n").replace("\n", "\r\n");
    }
}
