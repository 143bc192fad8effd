package dev.tern.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Reading what Tern stored: Maildir {@code new/} and {@code tmp/}, numbered mailboxes. */
public final class Maildirs {

    /** {@code <unix seconds>.P<pid>Q<counter>.<host>,S=<size>} (the contract's Maildir name). */
    public static final Pattern MAILDIR_NAME = Pattern.compile("(\\d+)\\.P(\\d+)Q(\\d+)\\.([^,/:]+),S=(\\d+)");
    private static final Pattern RECEIVED_ID = Pattern.compile("\\bwith (?:ESMTP|UTF8SMTP)S?A? id (\\S+)");

    private Maildirs() {
    }

    public static List<Path> newFiles(Path mailRoot, String user) {
        return list(mailRoot.resolve(user).resolve("new"));
    }

    public static List<Path> tmpFiles(Path mailRoot, String user) {
        return list(mailRoot.resolve(user).resolve("tmp"));
    }

    public static List<Path> curFiles(Path mailRoot, String user) {
        return list(mailRoot.resolve(user).resolve("cur"));
    }

    /** Regular files of a directory, sorted by name; empty if the directory does not exist. */
    public static List<Path> list(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Waits (bounded) until {@code new/} holds at least {@code count} files, and returns them. */
    public static List<Path> awaitNewFiles(Path mailRoot, String user, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Path> files;
        do {
            files = newFiles(mailRoot, user);
            if (files.size() >= count) {
                return files;
            }
            TernProcess.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("expected " + count + " file(s) in " + mailRoot.resolve(user).resolve("new")
                + " within " + timeout + " but found " + files);
    }

    /** The single file in {@code new/}, waiting for it (bounded). */
    public static Path awaitOnlyNewFile(Path mailRoot, String user) {
        List<Path> files = awaitNewFiles(mailRoot, user, 1, Duration.ofSeconds(10));
        if (files.size() != 1) {
            throw new AssertionError("expected exactly one file in new/ of " + user + " but found " + files);
        }
        return files.get(0);
    }

    public static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String readLatin1(Path file) {
        return new String(read(file), StandardCharsets.ISO_8859_1);
    }

    /** The header block Tern put in front of the message: Return-Path and Received (folded). */
    public record Stored(String returnPath, String received, byte[] message) {
        /** The id in the Received header ("... with ESMTP id ID ..."). */
        public String receivedId() {
            Matcher matcher = RECEIVED_ID.matcher(received);
            if (!matcher.find()) {
                throw new AssertionError("no 'with ESMTP[S][A] id' (or UTF8SMTP[S][A]) in Received header: " + received);
            }
            return matcher.group(1).replaceAll(";$", "");
        }

        /** The Received header unfolded into one line. */
        public String receivedUnfolded() {
            return received.replaceAll("\r\n[ \t]+", " ");
        }

        public String messageLatin1() {
            return new String(message, StandardCharsets.ISO_8859_1);
        }
    }

    /**
     * Splits a stored file into Tern's two trace headers and the message as the client
     * sent it. Fails if the file does not start with Return-Path then Received.
     */
    public static Stored parse(byte[] file) {
        int returnPathEnd = indexOfCrlf(file, 0);
        String returnPath = ascii(file, 0, returnPathEnd);
        if (returnPathEnd < 0 || !returnPath.startsWith("Return-Path: ")) {
            throw new AssertionError("stored message does not start with a CRLF-terminated 'Return-Path: ' line: "
                    + ascii(file, 0, Math.min(file.length, 200)));
        }
        int receivedStart = returnPathEnd + 2;
        int end = receivedStart;
        do {
            int lineEnd = indexOfCrlf(file, end);
            if (lineEnd < 0) {
                throw new AssertionError("Received header is not CRLF-terminated");
            }
            end = lineEnd + 2;
        } while (end < file.length && (file[end] == ' ' || file[end] == '\t'));
        String received = ascii(file, receivedStart, end - 2);
        if (!received.startsWith("Received: ")) {
            throw new AssertionError("second line of the stored message is not 'Received: ' but: " + received);
        }
        return new Stored(returnPath.substring("Return-Path: ".length()), received,
                Arrays.copyOfRange(file, end, file.length));
    }

    public static Stored parse(Path file) {
        return parse(read(file));
    }

    private static int indexOfCrlf(byte[] bytes, int from) {
        for (int i = from; i + 1 < bytes.length; i++) {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static String ascii(byte[] bytes, int from, int to) {
        return new String(bytes, from, Math.max(0, (to < 0 ? bytes.length : to) - from), StandardCharsets.ISO_8859_1);
    }

    /** Checks a Maildir file name against the contract and returns its S= size. */
    public static long maildirSize(Path file) {
        String name = file.getFileName().toString();
        Matcher matcher = MAILDIR_NAME.matcher(name);
        if (!matcher.matches()) {
            throw new AssertionError("Maildir file name '" + name + "' is not <seconds>.P<pid>Q<n>.<host>,S=<size>");
        }
        return Long.parseLong(matcher.group(5));
    }
}
