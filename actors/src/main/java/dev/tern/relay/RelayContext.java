package dev.tern.relay;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.function.Function;
import java.util.random.RandomGenerator;

import javax.net.ssl.SSLContext;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Props;

import dev.tern.metrics.TernMetrics;
import dev.tern.protocol.MailAddress;
import dev.tern.protocol.Recipient;
import dev.tern.queue.QueueStore;
import dev.tern.streams.client.PkixCheck;
import dev.tern.transport.LocalPolicy;
import dev.tern.transport.OutboundPolicies;
import dev.tern.transport.TlsResults;

/**
 * What every relay shares: settings and the services it talks to. All of it is immutable
 * or an actor reference, so relays stay free to run anywhere a message can reach.
 *
 * @param queue       where the entries and their bodies are: the spool, or the cluster's database
 * @param bounces     where bounces go to be stored (the Router)
 * @param bounceRoute where a bounce to this address goes (a local mailbox or a remote
 *                    domain), or empty when there is nowhere (an unknown local user)
 * @param incomingDir where bounces are staged before the router stores them
 * @param dispatcher  relays wait on spool fsyncs, so they run on blocking-I/O threads
 * @param metrics     where relays count remote outcomes and their queue entries
 * @param policies    what TLS each MX host requires (published policies over {@code --outbound-tls})
 * @param tlsResults  where each session's TLS outcome is reported (TLS-RPT)
 */
public record RelayContext(RelaySettings settings, QueueStore queue, MxResolver resolver, SSLContext tlsContext,
                           ActorRef<BounceDelivery.Store> bounces, Function<MailAddress, Optional<Recipient.Route>> bounceRoute,
                           Path incomingDir, Clock clock, RandomGenerator random, Props dispatcher,
                           TernMetrics metrics, OutboundPolicies policies, TlsResults tlsResults) {

    /** Only {@code --outbound-tls} and {@code --tls-trust} decide; no TLS reports. */
    public RelayContext(RelaySettings settings, QueueStore queue, MxResolver resolver, SSLContext tlsContext,
                        ActorRef<BounceDelivery.Store> bounces, Function<MailAddress, Optional<Recipient.Route>> bounceRoute,
                        Path incomingDir, Clock clock, RandomGenerator random, Props dispatcher,
                        TernMetrics metrics) {
        this(settings, queue, resolver, tlsContext, bounces, bounceRoute, incomingDir, clock, random, dispatcher,
                metrics, localPolicy(settings), TlsResults.NONE);
    }

    /** {@code --outbound-tls} with the system's CAs and {@code --tls-trust}'s. */
    public static LocalPolicy localPolicy(RelaySettings settings) {
        return new LocalPolicy(settings.transport().outboundTls(), PkixCheck.trusting(settings.transport().trusted()));
    }

    /** Counting into metrics of their own, which nothing exports (tests). */
    public RelayContext(RelaySettings settings, QueueStore queue, MxResolver resolver, SSLContext tlsContext,
                        ActorRef<BounceDelivery.Store> bounces, Function<MailAddress, Optional<Recipient.Route>> bounceRoute,
                        Path incomingDir, Clock clock, RandomGenerator random, Props dispatcher) {
        this(settings, queue, resolver, tlsContext, bounces, bounceRoute, incomingDir, clock, random, dispatcher,
                new TernMetrics());
    }
}
