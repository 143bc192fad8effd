package dev.tern.users;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Checks SMTP AUTH credentials against the user db. Hashing (Argon2, bcrypt) runs on the
 * blocking-I/O dispatcher, never on a session's thread. A failed attempt is answered after
 * a delay that doubles with each failure from the same client address, which makes
 * password guessing slow without slowing honest users; a success clears the count.
 * Credentials are never logged.
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

    public record Verdict(String user, boolean valid) {
    }

    private record Checked(Verify request, boolean valid) implements Command {
    }

    static final Duration FIRST_DELAY = Duration.ofMillis(500);
    static final Duration LONGEST_DELAY = Duration.ofSeconds(16);
    /** Addresses remembered at most; beyond, the table starts afresh (a flood of addresses gains nothing). */
    private static final int REMEMBERED = 10_000;

    private final ActorContext<Command> context;
    private final UserDirectory users;
    private final Duration firstDelay;
    private final Executor blocking;
    private final Map<String, Integer> failures = new HashMap<>();

    private Authenticator(ActorContext<Command> context, UserDirectory users, Duration firstDelay) {
        super(context);
        this.context = context;
        this.users = users;
        this.firstDelay = firstDelay;
        this.blocking = context.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
    }

    public static Behavior<Command> create(UserDirectory users) {
        return create(users, FIRST_DELAY);
    }

    static Behavior<Command> create(UserDirectory users, Duration firstDelay) {
        return Behaviors.setup(context -> new Authenticator(context, users, firstDelay));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Verify.class, this::onVerify)
                .onMessage(Checked.class, this::onChecked)
                .build();
    }

    private Behavior<Command> onVerify(Verify verify) {
        String stored = users.current().passwordHash(verify.user()).orElse(null);
        CompletableFuture<Boolean> check = CompletableFuture.supplyAsync(() -> {
            // An unknown user costs the same hashing as a known one: timing tells nothing.
            boolean valid = PasswordVerifier.verify(stored == null ? UnknownUserHash.VALUE : stored, verify.password());
            return valid && stored != null;
        }, blocking);
        context.pipeToSelf(check, (valid, failure) -> new Checked(verify, valid != null && valid));
        return this;
    }

    private Behavior<Command> onChecked(Checked checked) {
        Verify request = checked.request();
        Verdict verdict = new Verdict(request.user(), checked.valid());
        if (checked.valid()) {
            failures.remove(request.clientAddress());
            context.getLog().info("auth ok user={} client={}", request.user(), request.clientAddress());
            request.replyTo().tell(verdict);
            return this;
        }
        if (failures.size() >= REMEMBERED) {
            failures.clear();
        }
        int count = failures.merge(request.clientAddress(), 1, Integer::sum);
        Duration delay = delayAfter(count, firstDelay);
        context.getLog().warn("auth failed user={} client={} failures={} delay={}ms", request.user(),
                request.clientAddress(), count, delay.toMillis());
        context.scheduleOnce(delay, request.replyTo(), verdict);
        return this;
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
