package dev.tern.service;

import java.nio.file.Path;

/** The settings a command line gives, its data directory a test's own: for the option tests. */
final class SettingsFromArgs {

    private SettingsFromArgs() {
    }

    static TernSettings load(Path dataDir, String... args) throws UsageException {
        String[] all = new String[args.length + 2];
        all[0] = "--data-dir";
        all[1] = dataDir.toString();
        System.arraycopy(args, 0, all, 2, args.length);
        return TernSettings.load(CommandLine.parse(all));
    }
}
