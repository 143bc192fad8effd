package dev.tern.users;

import java.io.IOException;
import java.util.List;

import dev.tern.store.MailboxStore;

/**
 * The one place that adds, deletes and re-passwords users: {@code ./tern user ...}, the
 * JSON API and the web page all edit the user db through it. A new user's mailbox exists
 * before the user db names the user, so mail accepted for a user always has somewhere to
 * go; a deleted user's mailbox is kept, since what is in it is the owner's mail. Edits in
 * one process are serialized, read the file afresh and are written through the
 * {@link UserDirectory}, so the running service knows the change as soon as a call returns:
 * a new user takes mail at once, a deleted one gets {@code 550 5.1.1} at once.
 *
 * <p>Passwords come in hashed: the caller chooses where the hashing runs (the command line
 * hashes in its own process, the service on the {@link Authenticator}'s threads).
 */
public final class UserAccounts {

    /** What an edit did. */
    public enum Outcome {
        DONE,
        /** {@link #add}: the name is taken. */
        EXISTS,
        /** {@link #delete}, {@link #setPassword}: no such user. */
        NO_SUCH_USER
    }

    private final UserDirectory users;
    private final MailboxStore store;

    public UserAccounts(UserDirectory users, MailboxStore store) {
        this.users = users;
        this.store = store;
    }

    /** The user names, read from the file now. */
    public List<String> names() throws IOException {
        return UserDb.read(users.file()).names();
    }

    /** Creates the mailbox, then the user db line. {@code name} must pass {@link UserDb#problemWithName}. */
    public synchronized Outcome add(String name, String passwordHash) throws IOException {
        requireValid(name);
        UserDb db = UserDb.read(users.file());
        if (db.contains(name)) {
            return Outcome.EXISTS;
        }
        store.create(name);
        users.write(db.withUser(name, passwordHash));
        return Outcome.DONE;
    }

    /** Removes the user db line; the mailbox stays where it is. */
    public synchronized Outcome delete(String name) throws IOException {
        UserDb db = UserDb.read(users.file());
        if (!db.contains(name)) {
            return Outcome.NO_SUCH_USER;
        }
        users.write(db.without(name));
        return Outcome.DONE;
    }

    public synchronized Outcome setPassword(String name, String passwordHash) throws IOException {
        UserDb db = UserDb.read(users.file());
        if (!db.contains(name)) {
            return Outcome.NO_SUCH_USER;
        }
        users.write(db.withUser(name, passwordHash));
        return Outcome.DONE;
    }

    private static void requireValid(String name) {
        UserDb.problemWithName(name).ifPresent(problem -> {
            throw new IllegalArgumentException(problem);
        });
    }
}
