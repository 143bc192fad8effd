package dev.tern.streams;

import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

import javax.net.ssl.SSLEngine;

import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;

/**
 * The byte pipeline of one server-side SMTP connection. Inbound octets are framed into
 * lines ({@link TlsPhaseFraming}) and handed to the session through a {@link SessionBridge}
 * one batch at a time — the next batch only once the session asks for it and the client
 * has read its replies, which keeps pipelined replies in order and a flooding client from
 * filling memory — and the session's replies flow back out. {@link StartTlsStage} sits
 * between it and the socket, so the session can switch the connection to TLS (STARTTLS)
 * or start in TLS (implicit TLS).
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

    private StartTlsServerConnection() {
    }

    /** What a connection materializes to: the session's port, and the handshake's outcome. */
    public record Connection(ConnectionPort port, CompletionStage<TlsInbound.Established> handshake) {
    }

    /**
     * @param maxLineLength longest line kept, without CRLF
     * @param engines       server engines, e.g. {@link TlsEngines#server}
     * @param start         in clear (STARTTLS may follow) or in TLS from the first octet
     * @return a flow for {@code IncomingConnection.handleWith}, the same for every connection of
     *         a listener: what differs per connection is its materialized {@link Connection}
     */
    public static Flow<ByteString, ByteString, Connection> flow(int maxLineLength, Supplier<SSLEngine> engines,
                                                                 StartTlsStage.Start start) {
        Flow<TlsInbound, TlsOutbound, ConnectionPort> app =
                TlsPhaseFraming.countingFlow(maxLineLength).viaMat(Flow.fromGraph(new SessionBridge()),
                        (counting, port) -> new CountingPort(port, counting));
        return StartTlsStage.server(engines, start).join(app, (handshake, port) -> new Connection(port, handshake));
    }
}
