package dev.tern.service;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Settings as {@code ./tern} would load them from these arguments, with a data directory of the test's own. */
final class TestSettings {
    private TestSettings() {
    }

    static TernSettings load(Path dataDir, String... args) throws UsageException {
        String[] all = new String[args.length + 2];
        all[0] = "--data-dir";
        all[1] = dataDir.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return TernSettings.load(CommandLine.parse(all));
    }

    /** What {@code ./tern WORDS --data-dir DIR} exited with and printed. */
    record Run(int exit, String out, String err) {
    }

    static Run run(Path dataDir, String... words) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] args = new String[words.length + 2];
        System.arraycopy(words, 0, args, 0, words.length);
        args[words.length] = "--data-dir";
        args[words.length + 1] = dataDir.toString();
        int exit = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
