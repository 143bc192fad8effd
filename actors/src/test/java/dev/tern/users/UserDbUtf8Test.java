package dev.tern.users;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Dovecot file may name UTF-8 users: looked up by NFC, as a UTF-8 local part is (RFC 6530 §10.1). */
class UserDbUtf8Test {

    @TempDir
    Path temp;

    @Test
    void utf8NamesInTheFileAreFoundByTheirNfcForm() throws IOException {
        Path file = temp.resolve("users");
        Files.writeString(file, "Jose\u0301:{PLAIN}j\nj\u00f6ran:{PLAIN}k\n", StandardCharsets.UTF_8);

        UserDb db = UserDb.read(file);

        assertThat(db.names()).containsExactly("jos\u00e9", "j\u00f6ran");
        assertThat(db.contains("jos\u00e9")).isTrue();
        assertThat(db.contains("JOSE\u0301")).isTrue();
        assertThat(db.contains("jo\u0308ran")).isTrue(); // o + combining diaeresis: composed, it is the same user
        assertThat(db.passwordHash("J\u00d6RAN")).contains("{PLAIN}k");
        assertThat(db.contains("joran")).isFalse();
        assertThat(db.without("jose\u0301").names()).containsExactly("j\u00f6ran");
    }
}
