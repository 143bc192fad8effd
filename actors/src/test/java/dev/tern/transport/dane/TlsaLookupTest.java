package dev.tern.transport.dane;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.DClass;
import org.xbill.DNS.DNSKEYRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.TLSARecord;
import org.xbill.DNS.Type;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.tern.protocol.dane.TlsaRecord;
import dev.tern.testing.FakeDnsServer;
import dev.tern.testing.SignedZone;

/** DNSSEC-validated TLSA lookups against a zone signed in the test and served on loopback. */
class TlsaLookupTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    private static final byte[] DIGEST = digest();

    private FakeDnsServer dns;
    private SignedZone zone;
    private ListAppender<ILoggingEvent> log;

    @BeforeEach
    void zones() throws Exception {
        dns = FakeDnsServer.start();
        zone = SignedZone.create("secure.test")
                .mx("secure.test", 10, "mx.secure.test")
                .a("mx.secure.test", "127.0.0.1")
                .tlsa(25, "mx.secure.test", 3, 1, 1, DIGEST)
                .tlsa(2525, "mx.secure.test", 2, 0, 1, DIGEST)
                .a("notlsa.secure.test", "127.0.0.1")
                .a("forged.secure.test", "127.0.0.1")
                .tlsa(25, "forged.secure.test", 3, 1, 1, DIGEST)
                .corruptSignature("_25._tcp.forged.secure.test", Type.TLSA)
                .a("failing.secure.test", "127.0.0.1");
        zone.publish(dns);
        // an unsigned zone, with TLSA records that must not count
        dns.a("mx.plain.test", "127.0.0.1");
        dns.add(new TLSARecord(Name.fromString("_25._tcp.mx.plain.test."),
                DClass.IN, 60, 3, 1, 1, DIGEST));
        dns.a("failing.plain.test", "127.0.0.1");
        dns.servfail("_25._tcp.failing.plain.test", Type.TLSA);
        dns.servfail("_25._tcp.failing.secure.test", Type.TLSA);
        Logger logger = (Logger) LoggerFactory.getLogger(TlsaLookup.class);
        log = new ListAppender<>();
        log.start();
        logger.addAppender(log);
    }

    @AfterEach
    void close() {
        ((Logger) LoggerFactory.getLogger(TlsaLookup.class)).detachAppender(log);
        dns.close();
    }

    private TlsaLookup lookup(int port, TrustAnchors anchors) {
        return new TlsaLookup(List.of(dns.address()), TIMEOUT, port, anchors, Clock.systemUTC());
    }

    private TrustAnchors testAnchor() throws Exception {
        return TrustAnchors.parse(zone.trustAnchor().getBytes(StandardCharsets.US_ASCII), "the test zone");
    }

    private static DaneStatus get(TlsaLookup lookup, String host) throws Exception {
        return lookup.forHost(host).toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void secureTlsaRecordsAreFound() throws Exception {
        TlsaLookup lookup = lookup(25, testAnchor());
        assertTrue(lookup.validating().toCompletableFuture().get(10, TimeUnit.SECONDS));
        DaneStatus status = get(lookup, "MX.secure.test");
        assertEquals(new DaneStatus.Tlsa(List.of(new TlsaRecord(3, 1, 1, DIGEST))), status);
        assertTrue(log.list.stream().anyMatch(e -> e.getLevel() == Level.INFO
                && e.getFormattedMessage().contains("DNSSEC validation works")), log.list.toString());
    }

    @Test
    void thePortIsTheOneTernConnectsTo() throws Exception {
        DaneStatus status = get(lookup(2525, testAnchor()), "mx.secure.test");
        assertEquals(new DaneStatus.Tlsa(List.of(new TlsaRecord(2, 0, 1, DIGEST))), status);
        assertTrue(dns.queries("_2525._tcp.mx.secure.test", Type.TLSA) > 0);
        assertEquals(0, dns.queries("_25._tcp.mx.secure.test", Type.TLSA));
    }

    @Test
    void anAuthenticatedDenialMeansNoDane() throws Exception {
        DaneStatus status = get(lookup(25, testAnchor()), "notlsa.secure.test");
        assertInstanceOf(DaneStatus.NotApplicable.class, status);
        assertTrue(((DaneStatus.NotApplicable) status).reason().contains("authenticated denial"), status.toString());
    }

    @Test
    void aBadSignatureIsBogusAndInvalid() throws Exception {
        DaneStatus status = get(lookup(25, testAnchor()), "forged.secure.test");
        assertInstanceOf(DaneStatus.Invalid.class, status);
        assertTrue(((DaneStatus.Invalid) status).reason().contains("DNSSEC-bogus"), status.toString());
    }

    @Test
    void aFailedLookupInASignedZoneIsInvalid() throws Exception {
        DaneStatus status = get(lookup(25, testAnchor()), "failing.secure.test");
        assertInstanceOf(DaneStatus.Invalid.class, status, "the host's addresses are secure (RFC 7672 §2.2)");
    }

    @Test
    void anUnsignedZoneIsInsecureEvenWithTlsaRecords() throws Exception {
        DaneStatus status = get(lookup(25, testAnchor()), "mx.plain.test");
        assertInstanceOf(DaneStatus.NotApplicable.class, status);
        assertTrue(((DaneStatus.NotApplicable) status).reason().contains("insecure"), status.toString());
    }

    @Test
    void aFailedLookupInAnUnsignedZoneIsNotDane() throws Exception {
        DaneStatus status = get(lookup(25, testAnchor()), "failing.plain.test");
        assertInstanceOf(DaneStatus.NotApplicable.class, status);
        assertTrue(((DaneStatus.NotApplicable) status).reason().contains("address records of failing.plain.test are insecure"),
                status.toString());
    }

    @Test
    void anAnchorThatDoesNotFitTheDnsTurnsDaneOffWithOneWarning() throws Exception {
        // the built-in root anchors, but this DNS serves no signed root: nothing can validate
        TlsaLookup lookup = lookup(25, TrustAnchors.builtIn());
        assertFalse(lookup.validating().toCompletableFuture().get(10, TimeUnit.SECONDS));
        for (String host : List.of("mx.secure.test", "forged.secure.test", "mx.plain.test")) {
            DaneStatus status = get(lookup, host);
            assertInstanceOf(DaneStatus.NotApplicable.class, status, host + ": mail never fails for that");
            assertTrue(((DaneStatus.NotApplicable) status).reason().contains("validation unavailable"), status.toString());
        }
        List<ILoggingEvent> warnings = log.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
        assertEquals(1, warnings.size(), log.list.toString());
        assertTrue(warnings.get(0).getFormattedMessage().contains("DANE (RFC 7672) is off"), warnings.toString());
        assertEquals(0, dns.queries("_25._tcp.forged.secure.test", Type.TLSA), "no TLSA lookups without validation");
    }

    @Test
    void anUpstreamThatStripsSignaturesTurnsDaneOff() throws Exception {
        // the same zone unsigned: a resolver that drops RRSIGs looks like this to the validator
        FakeDnsServer stripping = FakeDnsServer.start();
        try (stripping) {
            stripping.add(new DNSKEYRecord(Name.fromString("secure.test."),
                    DClass.IN, 60, 257, 3, 13, new byte[64]));
            stripping.a("mx.secure.test", "127.0.0.1");
            TlsaLookup lookup = new TlsaLookup(List.of(stripping.address()), TIMEOUT, 25, testAnchor(),
                    Clock.systemUTC());
            assertFalse(lookup.validating().toCompletableFuture().get(10, TimeUnit.SECONDS));
            assertInstanceOf(DaneStatus.NotApplicable.class, get(lookup, "mx.secure.test"));
        }
    }

    @Test
    void resolversThatStartStrippingSignaturesRuleTheHostOut() throws Exception {
        MovableClock clock = new MovableClock();
        TlsaLookup lookup = new TlsaLookup(List.of(dns.address()), TIMEOUT, 25, testAnchor(), clock);
        assertTrue(lookup.validating().toCompletableFuture().get(10, TimeUnit.SECONDS));
        for (String name : List.of("secure.test", "mx.secure.test", "_25._tcp.mx.secure.test")) {
            dns.remove(name, Type.RRSIG); // a forwarder that drops DNSSEC records, or an attacker on the path
        }
        dns.servfail("secure.test", Type.DNSKEY); // and the trust anchor's keys fail too
        for (int attempt = 0; attempt < 2; attempt++) {
            DaneStatus status = get(lookup, "mx.secure.test");
            assertInstanceOf(DaneStatus.Invalid.class, status, "RFC 7672 §2.2: not NotApplicable, STARTTLS could be stripped");
            assertTrue(((DaneStatus.Invalid) status).reason().contains("DNSSEC-bogus"), status.toString());
            clock.advance(Duration.ofMinutes(2)); // validation worked once: no later probe turns DANE off
        }
        assertTrue(log.list.stream().noneMatch(e -> e.getLevel() == Level.WARN), log.list.toString());
    }

    @Test
    void aBogusProbeAtStartIsRepeatedAndDaneTurnsOnWithOneInfo() throws Exception {
        FakeDnsServer late = FakeDnsServer.start(); // nothing signed yet: the DNSKEY answer does not validate
        try (late) {
            MovableClock clock = new MovableClock();
            TlsaLookup lookup = new TlsaLookup(List.of(late.address()), TIMEOUT, 25, testAnchor(), clock);
            assertFalse(lookup.validating().toCompletableFuture().get(10, TimeUnit.SECONDS));
            zone.publish(late);
            clock.advance(Duration.ofSeconds(30));
            assertInstanceOf(DaneStatus.NotApplicable.class, get(lookup, "mx.secure.test"), "not sooner than a minute");
            assertEquals(0, late.queries("_25._tcp.mx.secure.test", Type.TLSA));
            clock.advance(Duration.ofSeconds(31));
            assertEquals(new DaneStatus.Tlsa(List.of(new TlsaRecord(3, 1, 1, DIGEST))), get(lookup, "mx.secure.test"));
            assertTrue(lookup.validating().toCompletableFuture().get(10, TimeUnit.SECONDS));
        }
        List<ILoggingEvent> warnings = log.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
        assertEquals(1, warnings.size(), log.list.toString());
        assertTrue(warnings.get(0).getFormattedMessage().contains("did not validate"), warnings.toString());
        List<ILoggingEvent> infos = log.list.stream().filter(e -> e.getLevel() == Level.INFO).toList();
        assertEquals(1, infos.size(), log.list.toString());
        assertTrue(infos.get(0).getFormattedMessage().contains("DANE (RFC 7672) is on now"), infos.toString());
    }

    @Test
    void addressLiteralsHaveNoTlsa() throws Exception {
        assertInstanceOf(DaneStatus.NotApplicable.class, get(lookup(25, testAnchor()), "127.0.0.1"));
        assertInstanceOf(DaneStatus.NotApplicable.class, get(lookup(25, testAnchor()), "::1"));
    }

    @Test
    void theBuiltInAnchorsAreTheRootKeys() {
        TrustAnchors root = TrustAnchors.builtIn();
        assertEquals(Name.root, root.owner());
        String text = new String(root.zoneText(), StandardCharsets.US_ASCII);
        assertTrue(text.contains(". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D"));
    }

    @Test
    void aTrustAnchorFileWithoutAnchorsIsRefused() {
        Exception e = assertThrows(IOException.class,
                () -> TrustAnchors.parse("example.test. IN A 127.0.0.1\n".getBytes(StandardCharsets.US_ASCII), "x.txt"));
        assertTrue(e.getMessage().contains("no DS or DNSKEY"), e.getMessage());
    }

    /** Time for the re-probe and for the validator's key cache, moved by the test. */
    private static final class MovableClock extends Clock {
        private volatile Instant now = Instant.now();

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private static byte[] digest() {
        byte[] d = new byte[32];
        for (int i = 0; i < d.length; i++) {
            d[i] = (byte) (i * 7 + 1);
        }
        return d;
    }
}
