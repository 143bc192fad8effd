package dev.tern.store;

import java.io.IOException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

import dev.tern.files.Durable;
import dev.tern.files.PrivateFiles;

/** Puts a staged message under a new name: a hard link where the file system allows, else a copy. */
public final class SpoolLinks {
    private SpoolLinks() {
    }

    /** Creates {@code target} with the staged content, fsync'd; fails if {@code target} exists. */
    public static void place(Path staged, Path target) throws IOException {
        try {
            Files.createLink(target, staged);
        } catch (NoSuchFileException missing) {
            throw missing; // no such directory (or staged file): a copy would fail the same way
        } catch (UnsupportedOperationException | FileSystemException linkRefused) {
            if (Files.exists(target)) {
                throw linkRefused;
            }
            // EXDEV (mail root on another file system than the spool) or no hard links: copy, private too
            PrivateFiles.copy(staged, target);
        }
        Durable.syncFile(target);
    }

    static void replace(Path source, Path target) throws IOException {
        Files.move(source, target, StandardCopyOption.ATOMIC_MOVE);
    }
}
