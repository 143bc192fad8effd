package dev.tern.streams;

import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;

import javax.net.ssl.SSLEngine;

import org.apache.pekko.Done;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * The byte pipeline of one server-side SMTP connection. Inbound octets are framed into
 * lines ({@link TlsPhaseFraming}) and handed to the session one batch at a time — the next
 * batch only once the session has handled the last, which keeps pipelined replies in
 * order and a flooding client from filling memory — and the session's replies flow back
 * out. {@link StartTlsStage} sits between it and the socket, so the session can switch the
 * connection to TLS (STARTTLS) or start in TLS (implicit TLS).
 *
 * <p>Where cleartext sent after STARTTLS is discarded (CVE-2011-0411):
 * <ul>
 * <li>complete lines already framed — in the STARTTLS batch after the command, or in batches
 *     handed over before {@link SessionInput.TlsStarted} — by the session, which ignores
 *     every line between accepting STARTTLS and {@code TlsStarted};</li>
 * <li>a partial line in the framing buffer — by {@link TlsPhaseFraming}, whose cleartext
 *     framing stage completes, buffer and all, at the switch;</li>
 * <li>octets not yet read from the socket when the stage takes the switch — they go into
 *     the TLS handshake (where cleartext fails it) and never reach the session.</li>
 * </ul>
 */
public final class StartTlsServerConnection {

    /** Replies a client may leave unread before the connection is dropped. */
    static final int REPLY_BUFFER = 1024;

    private StartTlsServerConnection() {
    }

    /**
     * What a connection materializes to: the channel the session replies through, the end
     * of the input, and the handshake's outcome.
     */
    public record Connection(TlsReplyChannel replies, CompletionStage<Done> inputEnded,
                             CompletionStage<TlsInbound.Established> handshake) {
    }

    /**
     * @param session       receives each input; the returned stage completes when it is handled.
     *                      It is first called only after the connection is running, so a session
     *                      created from the materialized {@link Connection} can be waited for here.
     * @param maxLineLength longest line kept, without CRLF
     * @param engines       server engines, e.g. {@link TlsEngines#server}
     * @param start         in clear (STARTTLS may follow) or in TLS from the first octet
     * @return a flow for {@code IncomingConnection.handleWith}: one graph per connection, the
     *         reply queue included (a separately materialized queue would cost its own actor)
     */
    public static Flow<ByteString, ByteString, Connection> flow(Function<SessionInput, CompletionStage<?>> session,
                                                                 int maxLineLength, Supplier<SSLEngine> engines,
                                                                 StartTlsStage.Start start) {
        Sink<TlsInbound, CompletionStage<Done>> input = TlsPhaseFraming.flow(maxLineLength)
                .mapAsync(1, session::apply)
                .toMat(Sink.ignore(), Keep.right());
        Flow<TlsInbound, TlsOutbound, Pair<CompletionStage<Done>, TlsReplyChannel>> app =
                Flow.fromSinkAndSourceCoupledMat(input, replies(), Keep.both());
        return StartTlsStage.server(engines, start)
                .join(app, (handshake, ends) -> new Connection(ends.second(), ends.first(), handshake));
    }

    /** The outgoing half: a bounded queue the session offers its replies to. */
    static Source<TlsOutbound, TlsReplyChannel> replies() {
        return Source.<TlsOutbound>queue(REPLY_BUFFER).mapMaterializedValue(QueueReplyChannel::new);
    }

    private record QueueReplyChannel(BoundedSourceQueue<TlsOutbound> queue) implements TlsReplyChannel {
        @Override
        public boolean send(ByteString bytes) {
            return offer(new TlsOutbound.Bytes(bytes));
        }

        @Override
        public boolean startTls(ByteString reply) {
            return offer(new TlsOutbound.StartTls(reply));
        }

        private boolean offer(TlsOutbound element) {
            try {
                return queue.offer(element) instanceof QueueOfferResult.Enqueued$;
            } catch (IllegalStateException connectionGone) {
                return false; // the client closed the connection; nobody is left to read
            }
        }

        @Override
        public void close() {
            try {
                queue.complete();
            } catch (IllegalStateException alreadyClosed) {
                // the connection ended first: nothing to close
            }
        }
    }
}
