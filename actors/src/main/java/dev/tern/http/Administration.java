package dev.tern.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

import dev.tern.protocol.AuthOutcome;
import dev.tern.queue.QueueEntry;
import dev.tern.queue.QueueStore;
import dev.tern.store.MailboxStore;
import dev.tern.users.Authenticator;
import dev.tern.users.UserAccounts;
import dev.tern.users.UserDb;

/**
 * Everything the web page and the JSON API can do, once, for both: check a login (the
 * {@link Authenticator}, with SMTP AUTH's hashing threads and per-address delays), edit
 * users ({@link UserAccounts}, as {@code ./tern user} does, new passwords hashed on the
 * Authenticator's threads), read the queue from the spool (or the cluster's database) and have the relays flush or
 * remove entries ({@link QueueControl}, as {@code ./tern queue} does). File work runs on
 * the blocking-I/O dispatcher, never on the threads that serve HTTP.
 */
public final class Administration {

    /** What a user edit did; each has what a person reads and the HTTP status it means. */
    public enum Change {
        DONE(200, "done"),
        EXISTS(409, "a user with that name exists already"),
        NO_SUCH_USER(404, "no such user"),
        INVALID_NAME(400, "a user name is 1-64 characters of a-z 0-9 . _ + - starting with a letter or digit"),
        INVALID_PASSWORD(400, "a password is 1 to " + Administration.MAX_PASSWORD + " characters, no control characters"),
        BUSY(503, "password hashing is busy; try again in a moment");

        public final int status;
        public final String message;

        Change(int status, String message) {
            this.status = status;
            this.message = message;
        }
    }

    static final int MAX_PASSWORD = 1024;
    /** Longer than the Authenticator's longest failure delay (16 s) plus a hash. */
    static final Duration ANSWER_WITHIN = Duration.ofSeconds(30);

    private final HttpSettings settings;
    private final ActorRef<Authenticator.Command> authenticator;
    private final Scheduler scheduler;
    private final UserAccounts accounts;
    private final MailboxStore store;
    private final QueueStore queue;
    private final QueueControl relays;
    private final Executor blocking;

    public Administration(HttpSettings settings, ActorRef<Authenticator.Command> authenticator, Scheduler scheduler,
                          UserAccounts accounts, MailboxStore store, QueueStore queue, QueueControl relays,
                          Executor blocking) {
        this.settings = settings;
        this.authenticator = authenticator;
        this.scheduler = scheduler;
        this.accounts = accounts;
        this.store = store;
        this.queue = queue;
        this.relays = relays;
        this.blocking = blocking;
    }

    public HttpSettings settings() {
        return settings;
    }

    public boolean isAdmin(String user) {
        return settings.isAdmin(user);
    }

    /** A login; a failure is answered after the client address's delay, as SMTP AUTH is. */
    public CompletionStage<AuthOutcome> authenticate(String user, String password, String clientAddress) {
        byte[] secret = password.getBytes(StandardCharsets.UTF_8);
        CompletionStage<Authenticator.Verdict> verdict = AskPattern.ask(authenticator,
                replyTo -> new Authenticator.Verify(user, secret, clientAddress, replyTo), ANSWER_WITHIN, scheduler);
        return verdict.thenApply(Authenticator.Verdict::outcome);
    }

    public CompletionStage<List<String>> users() {
        return onBlocking(accounts::names);
    }

    public CompletionStage<Change> createUser(String name, String password) {
        if (UserDb.problemWithName(name).isPresent()) {
            return CompletableFuture.completedFuture(Change.INVALID_NAME);
        }
        return withHash(password, hash -> changed(accounts.add(name, hash)));
    }

    public CompletionStage<Change> deleteUser(String name) {
        if (UserDb.problemWithName(name).isPresent()) {
            return CompletableFuture.completedFuture(Change.NO_SUCH_USER);
        }
        return onBlocking(() -> changed(accounts.delete(name)));
    }

    public CompletionStage<Change> setPassword(String name, String password) {
        if (UserDb.problemWithName(name).isPresent()) {
            return CompletableFuture.completedFuture(Change.NO_SUCH_USER);
        }
        return withHash(password, hash -> changed(accounts.setPassword(name, hash)));
    }

    /** Empty where the mailbox format cannot tell cheaply. */
    public CompletionStage<OptionalLong> messageCount(String user) {
        return onBlocking(() -> store.messageCount(user));
    }

    /** The queue as {@code ./tern queue list} reads it: from the spool, or the cluster's database. */
    public CompletionStage<List<QueueEntry>> queue() {
        return onBlocking(queue::all);
    }

    public CompletionStage<Integer> flushQueue() {
        return relays.flush();
    }

    public CompletionStage<Boolean> removeFromQueue(String entryId) {
        if (!entryId.matches("[A-Za-z0-9-]{1,200}")) {
            return CompletableFuture.completedFuture(false);
        }
        return relays.remove(entryId);
    }

    /** Control characters, NUL above all, cannot be typed at a login and break AUTH PLAIN. */
    static boolean acceptablePassword(String password) {
        return password != null && !password.isEmpty() && password.length() <= MAX_PASSWORD
                && password.chars().noneMatch(Character::isISOControl);
    }

    private CompletionStage<Change> withHash(String password, HashedEdit edit) {
        if (!acceptablePassword(password)) {
            return CompletableFuture.completedFuture(Change.INVALID_PASSWORD);
        }
        byte[] secret = password.getBytes(StandardCharsets.UTF_8);
        CompletionStage<Authenticator.Hashed> hashed = AskPattern.ask(authenticator,
                replyTo -> new Authenticator.HashPassword(secret, replyTo), ANSWER_WITHIN, scheduler);
        return hashed.thenCompose(result -> {
            Optional<String> hash = result.hash();
            return hash.isEmpty() ? CompletableFuture.completedFuture(Change.BUSY)
                    : onBlocking(() -> edit.apply(hash.get()));
        });
    }

    private static Change changed(UserAccounts.Outcome outcome) {
        return switch (outcome) {
            case DONE -> Change.DONE;
            case EXISTS -> Change.EXISTS;
            case NO_SUCH_USER -> Change.NO_SUCH_USER;
        };
    }

    private <T> CompletionStage<T> onBlocking(FileWork<T> work) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return work.run();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, blocking);
    }

    private interface FileWork<T> {
        T run() throws IOException;
    }

    private interface HashedEdit {
        Change apply(String hash) throws IOException;
    }
}
