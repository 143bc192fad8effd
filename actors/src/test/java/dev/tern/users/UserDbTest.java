package dev.tern.users;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UserDbTest {

    @TempDir
    Path temp;

    @Test
    void writeThenReadRoundTrip() throws IOException {
        Path file = temp.resolve("users");
        UserDb.empty()
                .withUser("alice", "{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA")
                .withUser("bob", "{PLAIN}secret")
                .write(file);

        UserDb read = UserDb.read(file);

        assertThat(read.names()).containsExactly("alice", "bob");
        assertThat(read.contains("alice")).isTrue();
        assertThat(read.contains("ALICE")).as("names are case-insensitive").isTrue();
        assertThat(read.contains("carol")).isFalse();
        assertThat(read.passwordHash("alice")).contains("{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA");
        assertThat(read.passwordHash("bob")).contains("{PLAIN}secret");
        assertThat(read.passwordHash("carol")).isEmpty();
        assertThat(Files.readString(file)).isEqualTo(
                "alice:{ARGON2ID}$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA\nbob:{PLAIN}secret\n");
    }

    @Test
    void theWrittenFileHasMode0600AndNoTemporaryIsLeft() throws IOException {
        Path file = temp.resolve("etc").resolve("users"); // the directory is created too
        UserDb.empty().withUser("alice", "{PLAIN}x").write(file);

        assertThat(Files.getPosixFilePermissions(file))
                .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        try (var entries = Files.list(file.getParent())) {
            assertThat(entries.toList()).containsExactly(file);
        }
    }

    @Test
    void rewritingAWorldReadableFileMakesIt0600() throws IOException {
        Path file = temp.resolve("users");
        Files.writeString(file, "alice:{PLAIN}x\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        UserDb.read(file).withUser("bob", "{PLAIN}y").write(file);

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(UserDb.read(file).names()).containsExactly("alice", "bob");
    }

    @Test
    void extraDovecotFieldsAreKeptThroughReadWithUserAndWrite() throws IOException {
        Path file = temp.resolve("users");
        Files.writeString(file, "carol:{PLAIN}old:1000:1000::/home/carol::userdb_quota_rule=*:storage=1G\n");

        UserDb db = UserDb.read(file);
        assertThat(db.passwordHash("carol")).contains("{PLAIN}old");

        db.withUser("carol", "{PLAIN}new").write(file);

        assertThat(Files.readString(file))
                .isEqualTo("carol:{PLAIN}new:1000:1000::/home/carol::userdb_quota_rule=*:storage=1G\n");
        assertThat(UserDb.read(file).passwordHash("carol")).contains("{PLAIN}new");
    }

    @Test
    void commentsAndBlankLinesAreSkipped() throws IOException {
        Path file = temp.resolve("users");
        Files.writeString(file, String.join("\n", List.of(
                "# Tern users",
                "",
                "alice:{PLAIN}a",
                "   ",
                "#bob:{PLAIN}b",
                "  # eve:{PLAIN}e",
                "Dave:{PLAIN}d",
                "nopassword")) + "\n", StandardCharsets.UTF_8);

        UserDb db = UserDb.read(file);

        assertThat(db.names()).containsExactly("alice", "dave", "nopassword");
        assertThat(db.contains("bob")).isFalse();
        assertThat(db.passwordHash("dave")).contains("{PLAIN}d");
        assertThat(db.passwordHash("nopassword")).contains("");
    }

    @Test
    void aMissingFileIsAnEmptyDb() throws IOException {
        assertThat(UserDb.read(temp.resolve("nothing-here")).names()).isEmpty();
    }

    @Test
    void withoutRemovesAUserAndTheSnapshotsAreImmutable() throws IOException {
        UserDb two = UserDb.empty().withUser("alice", "{PLAIN}a").withUser("bob", "{PLAIN}b");
        UserDb one = two.without("alice");
        assertThat(one.names()).containsExactly("bob");
        assertThat(two.names()).containsExactly("alice", "bob");

        Path file = temp.resolve("users");
        one.write(file);
        assertThat(Files.readString(file)).isEqualTo("bob:{PLAIN}b\n");
    }

    @ParameterizedTest
    @ValueSource(strings = {"alice", "a", "bob.smith", "x_y", "a+tag", "a-b", "0day", "9"})
    void validNames(String name) {
        assertThat(UserDb.problemWithName(name)).isEmpty();
    }

    @Test
    void aNameOf64CharactersIsValidAnd65IsNot() {
        assertThat(UserDb.problemWithName("a".repeat(64))).isEmpty();
        assertThat(UserDb.problemWithName("a".repeat(65))).isPresent();
    }

    @ParameterizedTest
    @ValueSource(strings = {"../x", "", "Alice", "ALICE", "bOb", ".hidden", "..", "a/b", "a..b", "-x", "+x", "_x",
            "a b", "a:b", "caf\u00e9", "a\u0000b", "a\nb", "/etc"})
    void invalidNames(String name) {
        assertThat(UserDb.problemWithName(name)).isPresent();
        assertThat(UserDb.problemWithName(name).get()).contains("user name");
    }
}
