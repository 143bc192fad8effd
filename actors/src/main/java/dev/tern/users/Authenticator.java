package dev.tern.users;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Supplier;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

import dev.tern.protocol.AuthOutcome;

/**
 * Checks credentials against the user db: SMTP AUTH, and the web page's and the JSON API's
 * logins (HTTP Basic), all with the same delays; and hashes the new passwords those set.
 * Hashing (Argon2, bcrypt) runs on {@link HashingThreads}, its own few threads with a
 * bounded queue, never on a session's thread nor on the blocking-I/O dispatcher the
 * mailbox writers fsync on. When that queue is full the verdict is
 * {@link AuthOutcome#TEMPORARILY_UNAVAILABLE} (454 4.7.0), at once.
 *
 * <p>A failed attempt is answered after a delay that doubles with each failure from the
 * same client address, which makes password guessing slow without slowing honest users; a
 * success clears the count, and an unavailable check does not count. A stored hash whose
 * cost is out of bounds (see {@link PasswordVerifier#problem}) is refused with a warning
 * naming the user. Credentials and hashes are never logged.
 */
public final class Authenticator extends AbstractBehavior<Authenticator.Command> {

    public sealed interface Command {
    }

    public record Verify(String user, byte[] password, String clientAddress, ActorRef<Verdict> replyTo)
            implements Command {
        @Override
        public String toString() {
            return "Verify[" + user + ", password redacted, " + clientAddress + "]";
        }
    }

    public record Verdict(String user, AuthOutcome outcome) {
    }

    /**
     * Hash a new password (the web page and the JSON API set passwords) on the same threads
     * as verification, so that a flood of password changes cannot take more than they do.
     */
    public record HashPassword(byte[] password, ActorRef<Hashed> replyTo) implements Command {
        @Override
        public String toString() {
            return "HashPassword[password redacted]";
        }
    }

    /** The new {@code {ARGON2ID}} hash; empty when the hashing threads are saturated (try again later). */
    public record Hashed(Optional<String> hash) {
        @Override
        public String toString() {
            return "Hashed[" + (hash.isPresent() ? "hash redacted" : "unavailable") + "]";
        }
    }

    private record Checked(Verify request, AuthOutcome outcome) implements Command {
    }

    static final Duration FIRST_DELAY = Duration.ofMillis(500);
    static final Duration LONGEST_DELAY = Duration.ofSeconds(16);
    /** Addresses remembered at most; beyond, the table starts afresh (a flood of addresses gains nothing). */
    private static final int REMEMBERED = 10_000;

    private final ActorContext<Command> context;
    private final UserDirectory users;
    private final Duration firstDelay;
    private final ExecutorService hashing;
    private final Map<String, Integer> failures = new HashMap<>();

    private Authenticator(ActorContext<Command> context, UserDirectory users, Duration firstDelay,
                          ExecutorService hashing) {
        super(context);
        this.context = context;
        this.users = users;
        this.firstDelay = firstDelay;
        this.hashing = hashing;
    }

    public static Behavior<Command> create(UserDirectory users) {
        return create(users, FIRST_DELAY);
    }

    static Behavior<Command> create(UserDirectory users, Duration firstDelay) {
        return create(users, firstDelay, HashingThreads::create);
    }

    /** {@code hashing} is the actor's own: it is shut down when the actor stops. */
    static Behavior<Command> create(UserDirectory users, Duration firstDelay, Supplier<ExecutorService> hashing) {
        return Behaviors.setup(context -> new Authenticator(context, users, firstDelay, hashing.get()));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Verify.class, this::onVerify)
                .onMessage(Checked.class, this::onChecked)
                .onMessage(HashPassword.class, this::onHashPassword)
                .onSignal(PostStop.class, stopped -> {
                    hashing.shutdown();
                    return this;
                })
                .build();
    }

    private Behavior<Command> onVerify(Verify verify) {
        String stored = users.current().passwordHash(verify.user()).orElse(null);
        Optional<String> refused = stored == null ? Optional.empty() : PasswordVerifier.problem(stored);
        refused.ifPresent(problem -> context.getLog().warn(
                "auth user={}: the stored password hash is refused ({}); set a new password", verify.user(), problem));
        boolean mayMatch = stored != null && refused.isEmpty();
        // An unknown user, or a refused hash, costs the same hashing as a good one: timing tells nothing.
        String against = mayMatch ? stored : UnknownUserHash.VALUE;
        CompletableFuture<AuthOutcome> check;
        try {
            check = CompletableFuture.supplyAsync(() -> PasswordVerifier.verify(against, verify.password()) && mayMatch
                    ? AuthOutcome.VALID : AuthOutcome.INVALID, hashing);
        } catch (RejectedExecutionException full) {
            check = CompletableFuture.completedFuture(AuthOutcome.TEMPORARILY_UNAVAILABLE);
        }
        context.pipeToSelf(check, (outcome, failure) -> new Checked(verify, outcome != null ? outcome : AuthOutcome.INVALID));
        return this;
    }

    private Behavior<Command> onHashPassword(HashPassword request) {
        char[] password = new String(request.password(), StandardCharsets.UTF_8).toCharArray();
        try {
            CompletableFuture.supplyAsync(() -> PasswordHashes.argon2id(password), hashing)
                    .whenComplete((hash, failure) -> request.replyTo().tell(new Hashed(Optional.ofNullable(hash))));
        } catch (RejectedExecutionException full) {
            context.getLog().warn("password hashing is saturated: a new password waits to be set");
            request.replyTo().tell(new Hashed(Optional.empty()));
        }
        return this;
    }

    private Behavior<Command> onChecked(Checked checked) {
        Verify request = checked.request();
        Verdict verdict = new Verdict(request.user(), checked.outcome());
        if (checked.outcome() == AuthOutcome.TEMPORARILY_UNAVAILABLE) {
            // The password was not checked, but the attempt counts for the client's delay all the
            // same: a client told 454 at once would be back at once, and a storm of such retries
            // (measured: 40 clients) spends the CPU on TLS handshakes instead of on mail. RFC 4954 §6
            // lets the client try again later; an honest one rarely meets a full pool.
            Duration delay = delayAfter(countFailure(request.clientAddress()), firstDelay);
            context.getLog().warn("auth unavailable user={} client={}: password hashing is saturated; delay={}ms",
                    request.user(), request.clientAddress(), delay.toMillis());
            context.scheduleOnce(delay, request.replyTo(), verdict);
            return this;
        }
        if (checked.outcome() == AuthOutcome.VALID) {
            failures.remove(request.clientAddress());
            context.getLog().info("auth ok user={} client={}", request.user(), request.clientAddress());
            request.replyTo().tell(verdict);
            return this;
        }
        int count = countFailure(request.clientAddress());
        Duration delay = delayAfter(count, firstDelay);
        context.getLog().warn("auth failed user={} client={} failures={} delay={}ms", request.user(),
                request.clientAddress(), count, delay.toMillis());
        context.scheduleOnce(delay, request.replyTo(), verdict);
        return this;
    }

    /** One more failure (or unchecked attempt) from {@code client}; returns how many in a row. */
    private int countFailure(String client) {
        if (failures.size() >= REMEMBERED) {
            failures.clear();
        }
        return failures.merge(client, 1, Integer::sum);
    }

    /** first, 2×first, 4×first, … up to {@link #LONGEST_DELAY}. */
    static Duration delayAfter(int failures, Duration first) {
        long factor = 1L << Math.min(failures - 1, 20);
        Duration delay = first.multipliedBy(factor);
        return delay.compareTo(LONGEST_DELAY) > 0 ? LONGEST_DELAY : delay;
    }

    /** A hash no password matches, computed once, for users that do not exist. */
    private static final class UnknownUserHash {
        static final String VALUE = PasswordHashes.argon2id(java.util.UUID.randomUUID().toString().toCharArray());
    }
}
