package dev.tern.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

import dev.tern.testing.LoopbackPorts;

/** Temporary directories and free loopback ports for the tests. */
public final class TestDirs {
    private TestDirs() {
    }

    /**
     * A fresh directory under java.io.tmpdir, mode 0755 (not the 0700 of
     * Files.createTempDirectory): Dovecot reads mail as an unprivileged user and must be
     * able to traverse it. Kept after the run when -Dtern.it.keep=true.
     */
    public static Path create(String prefix) {
        try {
            Path dir = Files.createTempDirectory("tern-it-" + prefix + "-");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void deleteQuietly(Path dir) {
        if (dir == null || Boolean.getBoolean("tern.it.keep") || !Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("could not delete " + dir + ": " + e);
        }
    }

    /** A port free on the given loopback address, that no outgoing connection will take: see {@link LoopbackPorts}. */
    public static int freePort(String loopbackAddress) {
        return LoopbackPorts.free(loopbackAddress);
    }

    public static int freePort() {
        return LoopbackPorts.free();
    }

    /** Whether an IPv6 loopback socket can be bound here. */
    public static boolean ipv6LoopbackUsable() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(InetAddress.getByName("::1"), 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
