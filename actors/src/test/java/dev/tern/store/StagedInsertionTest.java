package dev.tern.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StagedInsertionTest {

    @TempDir
    Path dir;

    private final Random random = new Random(5322);

    private byte[] octets(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] join(byte[] a, byte[] b, byte[] c) {
        byte[] all = new byte[a.length + b.length + c.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        System.arraycopy(c, 0, all, a.length + b.length, c.length);
        return all;
    }

    /** Shorter and longer than the field, around the 64 KiB block, and several blocks. */
    @Test
    void theFieldsLandAfterTheRelayOffsetAndEverythingAfterMovesUp() throws IOException {
        int[] lengths = {0, 1, 200, 499, 500, 501, 65_535, 65_536, 65_537, 200_000, 300_001};
        for (int length : lengths) {
            byte[] returnPath = "Return-Path: <a@example.org>\r\n".getBytes();
            byte[] message = octets(length);
            byte[] fields = octets(500);
            Path file = Files.write(dir.resolve("m" + length), join(returnPath, message, new byte[0]));
            StagedMessage staged = new StagedMessage(file, Files.size(file), returnPath.length);

            StagedMessage grown = StagedInsertion.insert(staged, fields);

            assertThat(grown).isEqualTo(new StagedMessage(file, returnPath.length + 500 + length, returnPath.length));
            assertThat(Files.readAllBytes(file)).as("a message of %d octets", length)
                    .isEqualTo(join(returnPath, fields, message));
        }
    }

    @Test
    void aFieldLongerThanABlockMovesAShortMessage() throws IOException {
        byte[] message = octets(1_000);
        byte[] fields = octets(70_000);
        Path file = Files.write(dir.resolve("m"), message);
        StagedInsertion.insert(new StagedMessage(file, message.length), fields);
        assertThat(Files.readAllBytes(file)).isEqualTo(join(new byte[0], fields, message));
    }

    @Test
    void theFileKeepsItsModeAndNoOtherFileIsMade() throws IOException {
        Path file = Files.write(dir.resolve("m"), octets(5_000));
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        StagedInsertion.insert(new StagedMessage(file, 5_000), octets(300));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        try (var files = Files.list(dir)) {
            assertThat(files).containsExactly(file);
        }
    }

    @Test
    void aFileThatIsNotTheStagedLengthIsLeftAlone() throws IOException {
        byte[] message = octets(5_000);
        Path file = Files.write(dir.resolve("m"), message);
        assertThatThrownBy(() -> StagedInsertion.insert(new StagedMessage(file, 4_000), octets(300)))
                .isInstanceOf(IOException.class).isNotInstanceOf(StagedInsertion.Damaged.class)
                .hasMessageContaining("not 4000");
        assertThat(Files.readAllBytes(file)).isEqualTo(message);
    }

    @Test
    void nothingToInsertChangesNothing() throws IOException {
        Path file = Files.write(dir.resolve("m"), octets(100));
        StagedMessage staged = new StagedMessage(file, 100, 10);
        assertThat(StagedInsertion.insert(staged, new byte[0])).isSameAs(staged);
    }
}
