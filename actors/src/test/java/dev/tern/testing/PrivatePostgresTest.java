package dev.tern.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the harness looks for PostgreSQL, and that it finds nothing (so tests skip) where there is none. */
class PrivatePostgresTest {

    @TempDir
    Path temp;

    @Test
    void noPostgresqlAnywhereMeansNone() {
        assertThat(PrivatePostgres.binaries(null, temp.resolve("absent"), "")).isEmpty();
        assertThat(PrivatePostgres.binaries(" ", temp.resolve("absent"), null)).isEmpty();
    }

    @Test
    void debiansNewestVersionComesBeforeThePath() throws IOException {
        Path debian = temp.resolve("usr-lib-postgresql");
        Path old = binDir(debian.resolve("9.6/bin"));
        Path newest = binDir(debian.resolve("15/bin"));
        binDir(debian.resolve("13/bin"));
        Path onPath = binDir(temp.resolve("local-bin"));
        Files.createDirectories(debian.resolve("16/bin")); // no programs in it

        assertThat(PrivatePostgres.binaries(null, debian, onPath.toString())).contains(newest.toRealPath());
        assertThat(PrivatePostgres.binaries(old.toString(), debian, onPath.toString())).contains(old.toRealPath());
        assertThat(PrivatePostgres.binaries(null, temp.resolve("absent"), "/nonexistent:" + onPath))
                .contains(onPath.toRealPath());
    }

    private static Path binDir(Path dir) throws IOException {
        Files.createDirectories(dir);
        for (String program : new String[] {"initdb", "postgres"}) {
            Files.writeString(dir.resolve(program), "#!/bin/sh\nexit 1\n");
            Files.setPosixFilePermissions(dir.resolve(program), PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return dir;
    }
}
