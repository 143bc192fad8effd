package dev.tern.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.tern.store.StagedMessage;

class StagingFileTest {

    @TempDir
    Path incoming;

    @Test
    void aStagedMessageIs0600FromItsCreation() throws IOException {
        StagingFile staging = StagingFile.create(incoming, "M1");
        // mailboxes and the queue hard-link this inode: its mode is theirs
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(incoming.resolve("M1"))))
                .isEqualTo("rw-------");
        staging.writeText("Subject: x\r\n\r\nbody\r\n");

        StagedMessage staged = staging.finish();

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(staged.file()))).isEqualTo("rw-------");
        assertThat(staged.size()).isEqualTo(Files.size(staged.file()));
    }
}
