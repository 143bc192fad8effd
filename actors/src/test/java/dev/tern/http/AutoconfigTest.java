package dev.tern.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

class AutoconfigTest {

    private static final Autoconfig.ImapServer IMAP = new Autoconfig.ImapServer("imap.example.org", 993);

    private static InetSocketAddress any(int port) {
        return new InetSocketAddress(port);
    }

    @Test
    void namesImapThenSubmissionWithStarttlsThenSmtpsWithImplicitTls() throws Exception {
        Autoconfig config = Autoconfig.of("mx.example.org", Set.of("example.org", "example.net"),
                List.of(any(587)), List.of(any(465)), IMAP);

        AutoconfigXml xml = AutoconfigXml.parse(config.xml(null));

        assertThat(xml.incoming()).containsExactly("imap.example.org:993/SSL");
        assertThat(xml.outgoing()).containsExactly("mx.example.org:587/STARTTLS", "mx.example.org:465/SSL");
        assertThat(xml.texts("//emailProvider/domain")).containsExactly("example.net", "example.org");
        assertThat(xml.texts("//emailProvider/@id")).containsExactly("example.net");
        assertThat(xml.texts("//username")).containsOnly("%EMAILLOCALPART%").hasSize(3);
        assertThat(xml.texts("//authentication")).containsOnly("password-cleartext");
    }

    @Test
    void withoutASubmissionListenerTheSmtpsOneIsNamedEachPortOnce() throws Exception {
        Autoconfig config = Autoconfig.of("mx.example.org", Set.of("example.org"), List.of(),
                List.of(any(4465), new InetSocketAddress(InetAddress.getByName("::"), 4465)), IMAP);

        assertThat(AutoconfigXml.parse(config.xml(null)).outgoing()).containsExactly("mx.example.org:4465/SSL");
    }

    @Test
    void theAddressAskedAboutNamesTheProviderAndItsDomainIsServed() throws Exception {
        Autoconfig config = Autoconfig.of("mx.example.org", Set.of("example.org"), List.of(any(587)), List.of(), IMAP);

        AutoconfigXml xml = AutoconfigXml.parse(config.xml("Bob@Mail.Example.COM"));

        assertThat(xml.texts("//emailProvider/@id")).containsExactly("mail.example.com");
        assertThat(xml.texts("//emailProvider/domain")).containsExactly("mail.example.com", "example.org");
    }

    @Test
    void whateverTheClientSendsTheFileStaysWellFormedAndSaysItVerbatim() throws Exception {
        Autoconfig config = Autoconfig.of("mx.example.org", Set.of("example.org"), List.of(any(587)), List.of(), IMAP);
        String hostile = "x@a&b<c>\"d'</domain><evil/>\u0000\u0007\uFFFF";

        String text = config.xml(hostile);
        AutoconfigXml xml = AutoconfigXml.parse(text);

        assertThat(xml.texts("//emailProvider/domain").get(0))
                .isEqualTo("a&b<c>\"d'</domain><evil/>\uFFFD\uFFFD\uFFFD");
        assertThat(xml.texts("//evil")).isEmpty();
        assertThat(text).contains("a&amp;b&lt;c&gt;&quot;d&apos;&lt;/domain&gt;&lt;evil/&gt;");
        assertThat(xml.outgoing()).containsExactly("mx.example.org:587/STARTTLS");
    }

    @Test
    void anEmptyOrOverlongDomainIsIgnored() throws Exception {
        Autoconfig config = Autoconfig.of("mx.example.org", Set.of("example.org"), List.of(), List.of(any(465)), IMAP);

        assertThat(AutoconfigXml.parse(config.xml("nobody@")).texts("//domain")).containsExactly("example.org");
        assertThat(AutoconfigXml.parse(config.xml("x@" + "a".repeat(254))).texts("//domain"))
                .containsExactly("example.org");
    }

    @Test
    void theImapHostSettingNamesHostAndPortOrDefaultsToTernsHostOn993() {
        assertThat(Autoconfig.ImapServer.parse("", "mx.example.org"))
                .isEqualTo(new Autoconfig.ImapServer("mx.example.org", 993));
        assertThat(Autoconfig.ImapServer.parse("imap.example.org", "mx.example.org"))
                .isEqualTo(new Autoconfig.ImapServer("imap.example.org", 993));
        Autoconfig.ImapServer plain = Autoconfig.ImapServer.parse("imap.example.org:143", "mx.example.org");
        assertThat(plain).isEqualTo(new Autoconfig.ImapServer("imap.example.org", 143));
        assertThat(plain.socketType()).isEqualTo("STARTTLS");
        assertThat(Autoconfig.ImapServer.parse("192.0.2.7:10993", "mx").socketType()).isEqualTo("SSL");

        assertThatThrownBy(() -> Autoconfig.ImapServer.parse("imap example", "mx"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("HOST or HOST:PORT");
        assertThatThrownBy(() -> Autoconfig.ImapServer.parse("imap.example.org:70000", "mx"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("out of range");
        assertThatThrownBy(() -> Autoconfig.ImapServer.parse("imap.example.org:0", "mx"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
