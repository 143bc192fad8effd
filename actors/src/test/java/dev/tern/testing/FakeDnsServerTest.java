package dev.tern.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.ExtendedFlags;
import org.xbill.DNS.Flags;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.RRSIGRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

class FakeDnsServerTest {

    private FakeDnsServer dns;
    private SimpleResolver udp;
    private SimpleResolver tcp;

    @BeforeEach
    void start() throws IOException {
        dns = FakeDnsServer.start();
        udp = new SimpleResolver(dns.address());
        udp.setTimeout(Duration.ofSeconds(2));
        tcp = new SimpleResolver(dns.address());
        tcp.setTCP(true);
        tcp.setTimeout(Duration.ofSeconds(2));
    }

    @AfterEach
    void stop() {
        dns.close();
    }

    private Message ask(SimpleResolver resolver, String name, int type) throws IOException {
        return resolver.send(Message.newQuery(Record.newRecord(Name.fromString(name + "."), type, DClass.IN)));
    }

    @Test
    void listensOnLoopback() {
        assertThat(dns.address().getAddress().isLoopbackAddress()).isTrue();
        assertThat(dns.address().getPort()).isPositive();
    }

    @Test
    void answersWithTheRecordsOfTheAskedType() throws IOException {
        dns.mx("example.test", 10, "mx.example.test").a("example.test", "127.0.0.5");

        Message m = ask(udp, "example.test", Type.MX);

        assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(m.getHeader().getFlag(Flags.AA)).isTrue();
        List<Record> answer = m.getSection(Section.ANSWER);
        assertThat(answer).hasSize(1);
        MXRecord mx = (MXRecord) answer.get(0);
        assertThat(mx.getPriority()).isEqualTo(10);
        assertThat(mx.getTarget()).isEqualTo(Name.fromString("mx.example.test."));
    }

    @Test
    void knownNameWithoutTheTypeIsNoData() throws IOException {
        dns.a("example.test", "127.0.0.5");

        Message m = ask(udp, "example.test", Type.AAAA);

        assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(m.getSection(Section.ANSWER)).isEmpty();
    }

    @Test
    void unknownNameIsNxdomain() throws IOException {
        assertThat(ask(udp, "nowhere.test", Type.MX).getRcode()).isEqualTo(Rcode.NXDOMAIN);
    }

    @Test
    void nullMxIsPreferenceZeroToRoot() throws IOException {
        dns.nullMx("example.test");

        MXRecord mx = (MXRecord) ask(udp, "example.test", Type.MX).getSection(Section.ANSWER).get(0);

        assertThat(mx.getPriority()).isZero();
        assertThat(mx.getTarget()).isEqualTo(Name.root);
    }

    @Test
    void servfailForAllTypesOrOne() throws IOException {
        dns.a("a.test", "127.0.0.5").servfail("a.test", Type.AAAA).servfail("b.test");

        assertThat(ask(udp, "a.test", Type.A).getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(ask(udp, "a.test", Type.AAAA).getRcode()).isEqualTo(Rcode.SERVFAIL);
        assertThat(ask(udp, "b.test", Type.MX).getRcode()).isEqualTo(Rcode.SERVFAIL);
    }

    @Test
    void silentNamesAreNeverAnswered() {
        dns.silent("example.test");
        udp.setTimeout(Duration.ofMillis(300));

        assertThatThrownBy(() -> ask(udp, "example.test", Type.MX)).isInstanceOf(IOException.class);
        assertThat(dns.queries("example.test", Type.MX)).isEqualTo(1);
    }

    @Test
    void cnamesAreChasedWithinTheData() throws IOException {
        dns.cname("alias.test", "real.test").a("real.test", "127.0.0.5");

        List<Record> answer = ask(udp, "alias.test", Type.A).getSection(Section.ANSWER);

        assertThat(answer).hasSize(2);
        assertThat(((CNAMERecord) answer.get(0)).getTarget()).isEqualTo(Name.fromString("real.test."));
        assertThat(((ARecord) answer.get(1)).getAddress()).isEqualTo(InetAddress.getByName("127.0.0.5"));
    }

    @Test
    void cnameToAnUnknownNameIsNxdomain() throws IOException {
        dns.cname("alias.test", "nowhere.test");

        Message m = ask(udp, "alias.test", Type.A);

        assertThat(m.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(m.getSection(Section.ANSWER)).hasSize(1);
    }

    @Test
    void answersOverTcpToo() throws IOException {
        dns.a("example.test", "127.0.0.5");

        Message m = ask(tcp, "example.test", Type.A);

        assertThat(((ARecord) m.getSection(Section.ANSWER).get(0)).getAddress())
                .isEqualTo(InetAddress.getByName("127.0.0.5"));
        assertThat(dns.tcpQueries()).isEqualTo(1);
        assertThat(dns.udpQueries()).isZero();
    }

    @Test
    void truncatedUdpAnswersAreRetriedOverTcp() throws IOException {
        dns.truncateUdp(true).a("example.test", "127.0.0.5");

        Message m = ask(udp, "example.test", Type.A);

        assertThat(m.getSection(Section.ANSWER)).hasSize(1);
        assertThat(dns.udpQueries()).isEqualTo(1);
        assertThat(dns.tcpQueries()).isEqualTo(1);
    }

    @Test
    void answersTooBigForUdpAreTruncated() throws IOException {
        for (int i = 0; i < 60; i++) {
            dns.mx("big.test", i, "a-rather-long-mail-exchanger-name-" + i + ".big.test");
        }
        udp.setEDNS(-1); // no EDNS: 512 octets

        Message m = ask(udp, "big.test", Type.MX);

        assertThat(m.getSection(Section.ANSWER)).hasSize(60);
        assertThat(dns.tcpQueries()).isEqualTo(1);
    }

    @Test
    void recordsCanChangeWhileRunningAndQueriesAreCounted() throws IOException {
        dns.a("example.test", "127.0.0.5");
        assertThat(ask(udp, "example.test", Type.A).getRcode()).isEqualTo(Rcode.NOERROR);

        dns.remove("example.test");
        assertThat(ask(udp, "example.test", Type.A).getRcode()).isEqualTo(Rcode.NXDOMAIN);
        dns.aaaa("example.test", "::1");
        assertThat(ask(udp, "Example.Test", Type.A).getRcode()).isEqualTo(Rcode.NOERROR);

        assertThat(dns.queries("example.test", Type.A)).isEqualTo(3);
        assertThat(dns.queries("example.test", Type.AAAA)).isZero();
        assertThat(dns.queries("example.test")).isEqualTo(3);
        dns.resetCounts();
        assertThat(dns.queries("example.test")).isZero();
    }

    @Test
    void dnssecRecordsGoOnlyToQueriesWithTheDoBit() throws Exception {
        SignedZone.create("signed.test").a("mx.signed.test", "127.0.0.7").publish(dns);
        SimpleResolver dnssec = new SimpleResolver(dns.address());
        dnssec.setTimeout(Duration.ofSeconds(2));
        dnssec.setEDNS(0, 1232, ExtendedFlags.DO);

        Message plain = ask(udp, "mx.signed.test", Type.A);
        assertThat(plain.getSection(Section.ANSWER)).extracting(Record::getType).containsExactly(Type.A);

        Message signed = ask(dnssec, "mx.signed.test", Type.A);
        assertThat(signed.getSection(Section.ANSWER)).extracting(Record::getType)
                .containsExactlyInAnyOrder(Type.A, Type.RRSIG);
        assertThat(((RRSIGRecord) signed.getSection(Section.ANSWER).stream()
                .filter(r -> r.getType() == Type.RRSIG).findFirst().orElseThrow()).getTypeCovered()).isEqualTo(Type.A);

        // NODATA: the zone's SOA and the name's own NSEC, signed
        Message nodata = ask(dnssec, "mx.signed.test", Type.TLSA);
        assertThat(nodata.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(nodata.getSection(Section.AUTHORITY)).extracting(Record::getType)
                .containsExactlyInAnyOrder(Type.SOA, Type.RRSIG, Type.NSEC, Type.RRSIG);
        assertThat(ask(udp, "mx.signed.test", Type.TLSA).getSection(Section.AUTHORITY)).isEmpty();

        // NXDOMAIN: NSECs that cover the name and the wildcard
        Message nxdomain = ask(dnssec, "_25._tcp.mx.signed.test", Type.TLSA);
        assertThat(nxdomain.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        assertThat(nxdomain.getSection(Section.AUTHORITY)).extracting(Record::getType).contains(Type.SOA, Type.NSEC);
    }
}
