package dev.tern.service;

import java.time.Duration;
import java.util.concurrent.CompletionStage;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

import dev.tern.http.QueueControl;
import dev.tern.relay.Relays;

/**
 * Flush and remove, asked of the running relays through the guardian and the router: the
 * control socket ({@code ./tern queue flush|remove}) and the web page and JSON API use this
 * one implementation.
 */
final class RelayControl implements QueueControl {

    static final Duration ANSWER_WITHIN = Duration.ofSeconds(20);

    private final ActorRef<Guardian.Command> guardian;
    private final Scheduler scheduler;

    RelayControl(ActorRef<Guardian.Command> guardian, Scheduler scheduler) {
        this.guardian = guardian;
        this.scheduler = scheduler;
    }

    @Override
    public CompletionStage<Integer> flush() {
        CompletionStage<Relays.Flushed> flushed = AskPattern.ask(guardian, replyTo ->
                new Guardian.ToRelays(new Relays.Flush(replyTo)), ANSWER_WITHIN, scheduler);
        return flushed.thenApply(Relays.Flushed::domains);
    }

    @Override
    public CompletionStage<Boolean> remove(String entryId) {
        CompletionStage<Relays.Removed> removed = AskPattern.ask(guardian, replyTo ->
                new Guardian.ToRelays(new Relays.Remove(entryId, replyTo)), ANSWER_WITHIN, scheduler);
        return removed.thenApply(Relays.Removed::removed);
    }
}
