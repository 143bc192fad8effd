package dev.tern.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Name;

/** {@code tern.dns-trust-anchor}: the built-in root anchors, a file of DS/DNSKEY records, errors naming the key. */
class DnsTrustAnchorSettingTest {

    @TempDir
    Path dir;

    private TernSettings load(String hocon) throws Exception {
        Path file = Files.writeString(dir.resolve("tern.conf"), hocon);
        return TestSettings.load(dir, "-c", file.toString());
    }

    @Test
    void theRootAnchorsAreBuiltIn() throws Exception {
        assertThat(TestSettings.load(dir).dnsTrustAnchors().owner()).isEqualTo(Name.root);
    }

    @Test
    void aFileOfDsRecordsReplacesThem() throws Exception {
        Path anchor = Files.writeString(dir.resolve("anchor.ds"),
                "example.test. IN DS 12345 13 2 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF\n");
        TernSettings settings = load("tern.dns-trust-anchor = \"" + anchor + "\"\n");
        assertThat(settings.dnsTrustAnchors().owner()).isEqualTo(Name.fromString("example.test."));
        assertThat(settings.dnsTrustAnchors().source()).isEqualTo(anchor.toString());
    }

    @Test
    void aMissingOrUselessFileIsAUsageError() throws Exception {
        assertThatThrownBy(() -> load("tern.dns-trust-anchor = \"" + dir.resolve("none.ds") + "\"\n"))
                .isInstanceOf(UsageException.class).hasMessageStartingWith("tern.dns-trust-anchor: ")
                .hasMessageContaining("none.ds");
        Path noAnchors = Files.writeString(dir.resolve("a.zone"), "example.test. IN A 127.0.0.1\n");
        assertThatThrownBy(() -> load("tern.dns-trust-anchor = \"" + noAnchors + "\"\n"))
                .isInstanceOf(UsageException.class).hasMessageContaining("no DS or DNSKEY record");
    }
}
