package dev.tern.users;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.tern.testing.FuzzFiles;

/**
 * Fuzzes the passwd-file reader {@link UserDb#read} with arbitrary file content (FUZZING.md). Replays
 * {@code UserDbFuzzTestInputs/passwdFile/} in every test run.
 */
class UserDbFuzzTest {

    private static final Path FILE = FuzzFiles.scratch("users");
    private static final Path AGAIN = FuzzFiles.scratch("users-again");

    @FuzzTest(maxDuration = "10m")
    void passwdFile(byte[] input) throws IOException {
        Files.write(FILE, input);
        UserDb db;
        try {
            db = UserDb.read(FILE);
        } catch (CharacterCodingException e) {
            return; // not UTF-8: the one failure garbage may cause (an IOException the callers report)
        }
        for (String name : db.names()) {
            assertThat(name).isNotEmpty().isEqualTo(name.strip()).isEqualTo(name.toLowerCase(Locale.ROOT));
            assertThat(db.contains(name)).isTrue();
            assertThat(db.passwordHash(name)).isPresent();
            assertThat(db.passwordHash(name).get()).doesNotContain(":");
        }
        // what write() makes of it reads back as the same db (e.g. after "tern user add" rewrote the file)
        Files.writeString(AGAIN, db.text(), StandardCharsets.UTF_8);
        UserDb again = UserDb.read(AGAIN);
        assertThat(again.names()).isEqualTo(db.names());
        for (String name : db.names()) {
            assertThat(again.passwordHash(name)).isEqualTo(db.passwordHash(name));
        }
        assertThat(again.text()).isEqualTo(db.text());
    }
}
