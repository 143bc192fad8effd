package dev.tern.service;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;

import dev.tern.users.PasswordHashes;
import dev.tern.users.UserDb;

/** {@code ./tern user add|del|list|passwd}: edits the user db a running Tern re-reads by itself. */
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
                    UserDb.read(settings.usersFile()).names().forEach(out::println);
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

    private int add(String name, boolean passwordStdin) throws IOException {
        UserDb db = UserDb.read(settings.usersFile());
        if (db.contains(name)) {
            err.println("tern: user add: " + name + " exists already (use user passwd to change the password)");
            return Main.FAILURE;
        }
        String hash = passwordStdin ? hashFromStdin() : "";
        TernService.store(settings).create(name);
        db.withUser(name, hash).write(settings.usersFile());
        out.println("added " + name + " (mailbox " + settings.mailRoot().resolve(name) + ")");
        return Main.OK;
    }

    private int del(String name) throws IOException {
        return editExisting("del", name, db -> db.without(name),
                "deleted " + name + " (mailbox " + settings.mailRoot().resolve(name) + " kept)");
    }

    private int passwd(String name) throws IOException {
        return editExisting("passwd", name, db -> db.withUser(name, hashFromStdin()),
                "password of " + name + " changed");
    }

    /** An edit that needs the user to exist; the password is read from stdin only then. */
    private int editExisting(String action, String name, Edit edit, String done) throws IOException {
        UserDb db = UserDb.read(settings.usersFile());
        if (!db.contains(name)) {
            err.println("tern: user " + action + ": no user " + name);
            return Main.FAILURE;
        }
        edit.apply(db).write(settings.usersFile());
        out.println(done);
        return Main.OK;
    }

    private interface Edit {
        UserDb apply(UserDb db) throws IOException;
    }

    private static String hashFromStdin() throws IOException {
        String password = Main.readPassword(System.in);
        if (password.isEmpty()) {
            throw new IOException("empty password on stdin");
        }
        return PasswordHashes.argon2id(password.toCharArray());
    }
}
