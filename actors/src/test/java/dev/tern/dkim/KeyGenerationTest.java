package dev.tern.dkim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.protocol.dkim.DkimAlgorithm;
import dev.tern.protocol.dkim.DkimKeyRecord;

class KeyGenerationTest {

    @TempDir
    Path dir;

    /** The character-strings of a record line, each at most 255 octets, joined as a resolver joins them. */
    static String recordText(String line) {
        List<String> strings = new ArrayList<>();
        Matcher quoted = Pattern.compile("\"([^\"]*)\"").matcher(line);
        while (quoted.find()) {
            strings.add(quoted.group(1));
        }
        assertThat(strings).allSatisfy(s -> assertThat(s.length()).isLessThanOrEqualTo(255));
        return String.join("", strings);
    }

    @Test
    void rsaKeyFileAndRecord() throws Exception {
        Path file = dir.resolve("dkim").resolve("example.org.s1.key");
        KeyGeneration.Generated made = KeyGeneration.generate("example.org", "s1", KeyGeneration.Algorithm.RSA, file);
        assertThat(made.record()).startsWith("s1._domainkey.example.org. IN TXT \"v=DKIM1; k=rsa; p=MII");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
        assertThat(Files.readString(file)).startsWith("-----BEGIN PRIVATE KEY-----\n");
        DkimKeyRecord record = DkimKeyRecord.parse(recordText(made.record()));
        assertThat(((RSAPublicKey) record.key().orElseThrow()).getModulus().bitLength()).isEqualTo(2048);
        assertThat(made.record()).contains("\" \""); // over 255 octets: two strings
        assertThat(DkimKeys.load(List.of("example.org:s1:" + file)).forDomain("example.org").orElseThrow().algorithm())
                .isEqualTo(DkimAlgorithm.RSA_SHA256);
        assertThatThrownBy(() -> KeyGeneration.generate("example.org", "s1", KeyGeneration.Algorithm.RSA, file))
                .isInstanceOf(FileAlreadyExistsException.class);
        // the web page shows the record from the loaded key: the same line keygen printed
        assertThat(DkimKeys.load(List.of("Example.ORG:s1:" + file)).record("example.org")).contains(made.record());
    }

    @Test
    void ed25519KeyFileAndRecord() throws Exception {
        Path file = dir.resolve("example.org.e1.key");
        KeyGeneration.Generated made = KeyGeneration.generate("example.org", "e1", KeyGeneration.Algorithm.ED25519, file);
        assertThat(made.record()).matches("e1\\._domainkey\\.example\\.org\\. IN TXT \"v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=\"");
        assertThat(DkimKeyRecord.parse(recordText(made.record())).key()).isPresent();
        assertThat(DkimKeys.load(List.of("example.org:e1:" + file)).forDomain("example.org").orElseThrow().algorithm())
                .isEqualTo(DkimAlgorithm.ED25519_SHA256);
        assertThat(DkimKeys.load(List.of("example.org:e1:" + file)).records())
                .containsExactly(java.util.Map.entry("example.org", made.record()));
    }
}
