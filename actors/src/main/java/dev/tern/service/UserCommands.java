package dev.tern.service;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;

import dev.tern.users.PasswordHashes;
import dev.tern.users.UserAccounts;
import dev.tern.users.UserDb;
import dev.tern.users.UserDirectory;

/**
 * {@code ./tern user add|del|list|passwd}: edits the user db (through {@link UserAccounts}, as
 * the web page and the JSON API do), which a running Tern re-reads by itself.
 */
record UserCommands(TernSettings settings, PrintStream out, PrintStream err) {

    int run(List<String> words, boolean passwordStdin) throws UsageException {
        if (words.isEmpty()) {
            throw new UsageException("user: expected add, del, list or passwd");
        }
        String action = words.get(0);
        try {
            return switch (action) {
                case "list" -> {
                    Main.expectWords(words, 1, "user list takes no arguments");
                    accounts().names().forEach(out::println);
                    yield Main.OK;
                }
                case "add" -> add(name(words), passwordStdin);
                case "del" -> del(name(words));
                case "passwd" -> {
                    if (!passwordStdin) {
                        throw new UsageException("user passwd needs --password-stdin");
                    }
                    yield passwd(name(words));
                }
                default -> throw new UsageException("user: unknown action '" + action + "' (add, del, list, passwd)");
            };
        } catch (IOException e) {
            err.println("tern: user " + action + ": " + e.getMessage());
            return Main.FAILURE;
        }
    }

    private static String name(List<String> words) throws UsageException {
        Main.expectWords(words, 2, "user " + words.get(0) + " needs exactly one NAME");
        String name = words.get(1);
        if (UserDb.problemWithName(name).isPresent()) {
            throw new UsageException(UserDb.problemWithName(name).get());
        }
        return name;
    }

    private UserAccounts accounts() {
        return new UserAccounts(new UserDirectory(settings.usersFile()), TernService.store(settings));
    }

    private int add(String name, boolean passwordStdin) throws IOException {
        UserAccounts accounts = accounts();
        if (accounts.names().contains(name)) {
            return exists(name);
        }
        String hash = passwordStdin ? hashFromStdin() : "";
        if (accounts.add(name, hash) == UserAccounts.Outcome.EXISTS) {
            return exists(name);
        }
        out.println("added " + name + " (mailbox " + settings.mailRoot().resolve(name) + ")");
        return Main.OK;
    }

    private int exists(String name) {
        err.println("tern: user add: " + name + " exists already (use user passwd to change the password)");
        return Main.FAILURE;
    }

    private int del(String name) throws IOException {
        return done("del", name, accounts().delete(name),
                "deleted " + name + " (mailbox " + settings.mailRoot().resolve(name) + " kept)");
    }

    /** The password is read from stdin only once the user is known to exist. */
    private int passwd(String name) throws IOException {
        UserAccounts accounts = accounts();
        UserAccounts.Outcome outcome = accounts.names().contains(name)
                ? accounts.setPassword(name, hashFromStdin()) : UserAccounts.Outcome.NO_SUCH_USER;
        return done("passwd", name, outcome, "password of " + name + " changed");
    }

    private int done(String action, String name, UserAccounts.Outcome outcome, String done) {
        if (outcome == UserAccounts.Outcome.NO_SUCH_USER) {
            err.println("tern: user " + action + ": no user " + name);
            return Main.FAILURE;
        }
        out.println(done);
        return Main.OK;
    }

    private static String hashFromStdin() throws IOException {
        String password = Main.readPassword(System.in);
        if (password.isEmpty()) {
            throw new IOException("empty password on stdin");
        }
        return PasswordHashes.argon2id(password.toCharArray());
    }
}
