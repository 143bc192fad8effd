package dev.tern.service;

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
}
