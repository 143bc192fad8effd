package dev.tern.streams;

import java.util.function.Consumer;

import org.apache.pekko.util.ByteString;

/**
 * The session's end of its connection: what a session may ask of the stream that carries
 * its bytes. Every call is asynchronous and safe from any thread (the session's actor);
 * what the connection has to say comes back as {@link SessionInput} through the consumer
 * given to {@link #open}.
 *
 * <p>Flow control is explicit, in both directions, so that a connection holds a bounded
 * amount of memory whatever its client does:
 * <ul>
 * <li>input: the connection reads and frames the next chunk only after
 *     {@link #requestInput()}, and only while the replies the client has not read yet stay
 *     under {@link SessionBridge#REPLY_LIMIT} octets — beyond that it stops reading from the
 *     socket and TCP pushes back on the client, as Postfix's blocking writes do;</li>
 * <li>output: a session that produced many replies from one batch (a pipelined flood) stops
 *     handling lines and asks {@link #notifyWhenWritable()}; the connection answers
 *     {@link SessionInput.Writable} once the client has read enough.</li>
 * </ul>
 */
public interface ConnectionPort {

    /**
     * Names the session that receives this connection's {@link SessionInput}. Called once,
     * first. If the connection already ended, {@link SessionInput.Ended} arrives at once.
     */
    void open(Consumer<SessionInput> session);

    /**
     * Hand over the next batch of input (or {@link SessionInput.Ended} once there is no more):
     * lines, or the rest of a counted run. After a line the framing paused at, without
     * {@link #requestOctets}, lines again.
     */
    void requestInput();

    /**
     * The line handed over last announced {@code count} octets of raw content (RFC 3030 BDAT):
     * hand them over as {@link SessionInput.Octets}, this request and those after it continuing the
     * run, then lines again. Only right after a line the framing paused at ({@link CountedOctets#mayAnnounce}).
     */
    default void requestOctets(long count) {
        throw new UnsupportedOperationException("this connection frames lines only");
    }

    /** Send {@link SessionInput.Writable} once the unread replies fall under the limit. */
    void notifyWhenWritable();

    /** Queues octets for the client. */
    void send(ByteString bytes);

    /**
     * Queues {@code reply} (the {@code 220 2.0.0 Ready to start TLS}) as the last octets in
     * clear, then the switch to TLS: everything sent afterwards is encrypted.
     */
    void startTls(ByteString reply);

    /**
     * Sends what is queued, then closes the connection. A client that does not read those
     * last replies within {@link SessionBridge#LINGER} has its connection aborted.
     */
    void close();
}
