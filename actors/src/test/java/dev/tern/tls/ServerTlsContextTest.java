package dev.tern.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.streams.TlsEngines;

/** The reloadable server context: a new certificate from the next connection on, a bad one never. */
class ServerTlsContextTest {

    @TempDir
    Path dir;

    private Path cert;
    private Path key;

    private TlsCredentials writePair(String host) throws Exception {
        KeyPair keys = TestPem.ecKeys();
        TlsCredentials made = TestPem.certify(host, keys);
        cert = TestPem.write(dir.resolve("fullchain.pem"), PemEncoding.certificates(made.chain()));
        key = TestPem.write(dir.resolve("privkey.pem"), PemEncoding.pkcs8(keys.getPrivate()));
        return made;
    }

    private ServerTlsContext loadFiles() throws TlsCredentialsException {
        return ServerTlsContext.load(() -> PemCredentials.load(cert, key));
    }

    @Test
    void aReloadServesTheNewCertificateThroughANewContext() throws Exception {
        TlsCredentials first = writePair("old.example.org");
        ServerTlsContext tls = loadFiles();
        SSLContext before = tls.context();
        assertThat(tls.certificate()).isEqualTo(first.certificate());

        TlsCredentials second = writePair("new.example.org");
        assertThat(tls.reload()).isTrue();

        assertThat(tls.certificate()).isEqualTo(second.certificate());
        assertThat(tls.certificate().getSubjectX500Principal().getName()).isEqualTo("CN=new.example.org");
        assertThat(tls.context()).isNotSameAs(before);
    }

    @Test
    void aBadCertificateOnReloadKeepsTheOldOne() throws Exception {
        TlsCredentials first = writePair("old.example.org");
        ServerTlsContext tls = loadFiles();
        SSLContext before = tls.context();

        Files.writeString(cert, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
        assertThat(tls.reload()).isFalse();
        assertThat(tls.certificate()).isEqualTo(first.certificate());
        assertThat(tls.context()).isSameAs(before);

        // a key of another certificate: refused too
        KeyPair other = TestPem.ecKeys();
        Files.writeString(cert, PemEncoding.certificates(first.chain()));
        Files.writeString(key, PemEncoding.pkcs8(other.getPrivate()));
        assertThat(tls.reload()).isFalse();
        assertThat(tls.context()).isSameAs(before);

        Files.delete(cert);
        assertThat(tls.reload()).isFalse();
        assertThat(tls.context()).isSameAs(before);
    }

    @Test
    void aBadCertificateAtStartIsAnError() throws Exception {
        writePair("old.example.org");
        Files.delete(key);
        assertThatThrownBy(this::loadFiles).isInstanceOf(TlsCredentialsException.class)
                .hasMessageContaining(key.toString());
    }

    @Test
    void engineFactoriesAskForTheContextOnEveryConnection() throws Exception {
        writePair("old.example.org");
        ServerTlsContext tls = loadFiles();
        List<SSLContext> handedOut = new ArrayList<>();
        Supplier<SSLEngine> engines = TlsEngines.server(() -> {
            handedOut.add(tls.context());
            return tls.context();
        });

        SSLEngine first = engines.get();
        writePair("new.example.org");
        tls.reload();
        SSLEngine second = engines.get();

        assertThat(handedOut).hasSize(2);
        assertThat(handedOut.get(1)).isNotSameAs(handedOut.get(0));
        for (SSLEngine engine : List.of(first, second)) {
            assertThat(engine.getUseClientMode()).isFalse();
            assertThat(engine.getEnabledProtocols()).containsExactly("TLSv1.3", "TLSv1.2");
            assertThat(engine.getSSLParameters().getUseCipherSuitesOrder()).isTrue();
        }
    }
}
