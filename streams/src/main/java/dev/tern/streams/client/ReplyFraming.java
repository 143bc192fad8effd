package dev.tern.streams.client;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.util.ByteString;

import dev.tern.protocol.MalformedReplyException;
import dev.tern.protocol.ReplyParser;
import dev.tern.protocol.SmtpReply;
import dev.tern.streams.LinearStage;
import dev.tern.streams.TlsInbound;

/**
 * Turns the octets a server sends into {@link ServerEvent}s: lines end at LF (a preceding CR
 * is dropped — a client can afford to be lenient with replies), lines are assembled into
 * replies by {@link ReplyParser}.
 *
 * <p>At the TLS boundary, octets received in clear that do not yet form a complete reply are
 * dropped (the client-side CVE-2011-0411 defence; complete cleartext replies before the
 * boundary are for the client's dialogue to ignore). A line longer than {@link #MAX_LINE} or a
 * malformed one fails the stream with {@link SmtpClientException.ProtocolViolation} — after
 * the replies that arrived before it have been delivered, so the session sees them in order.
 */
final class ReplyFraming extends LinearStage<TlsInbound, ServerEvent> {

    /** Far above RFC 5321's 512 octets: real servers send long reply lines. */
    static final int MAX_LINE = 8192;

    private ReplyFraming() {
        super("ReplyFraming");
    }

    static Flow<TlsInbound, ServerEvent, NotUsed> flow() {
        return Flow.fromGraph(new ReplyFraming());
    }


    @Override
    public GraphStageLogic createLogic(Attributes inheritedAttributes) {
        return new GraphStageLogic(shape()) {
            private final ReplyParser parser = new ReplyParser();
            private final Deque<ServerEvent> ready = new ArrayDeque<>();
            private ByteString buffer = ByteString.emptyByteString();
            private SmtpClientException.ProtocolViolation violation;

            {
                setHandler(in, new AbstractInHandler() {
                    @Override
                    public void onPush() {
                        TlsInbound element = grab(in);
                        if (element instanceof TlsInbound.Bytes bytes) {
                            buffer = buffer.concat(bytes.bytes());
                            try {
                                split();
                            } catch (SmtpClientException.ProtocolViolation e) {
                                violation = e; // after the replies that came before it
                                buffer = ByteString.emptyByteString();
                            }
                        } else if (element instanceof TlsInbound.Established established) {
                            buffer = ByteString.emptyByteString();
                            parser.reset();
                            ready.add(new ServerEvent.TlsStarted(established));
                        }
                        deliver();
                    }

                    @Override
                    public void onUpstreamFinish() {
                        if (violation != null) {
                            return; // fails once the replies before the violation are delivered
                        }
                        if (ready.isEmpty()) {
                            completeStage();
                        } else {
                            emitMultiple(out, ready.iterator(), () -> completeStage());
                        }
                    }
                });
                setHandler(out, new AbstractOutHandler() {
                    @Override
                    public void onPull() {
                        deliver();
                    }
                });
            }

            private void deliver() {
                if (violation != null && ready.isEmpty()) {
                    failStage(violation);
                    return;
                }
                if (!isAvailable(out)) {
                    return;
                }
                if (!ready.isEmpty()) {
                    push(out, ready.poll());
                } else if (!hasBeenPulled(in) && !isClosed(in)) {
                    pull(in);
                }
            }

            private void split() {
                int lf;
                while ((lf = buffer.indexOf((byte) '\n')) >= 0) {
                    int end = lf > 0 && buffer.apply(lf - 1) == '\r' ? lf - 1 : lf;
                    checkLength(end);
                    String line = buffer.slice(0, end).decodeString(StandardCharsets.UTF_8);
                    buffer = buffer.drop(lf + 1);
                    Optional<SmtpReply> reply;
                    try {
                        reply = parser.accept(line);
                    } catch (MalformedReplyException e) {
                        throw new SmtpClientException.ProtocolViolation("malformed reply from server: " + e.getMessage(), e);
                    }
                    reply.ifPresent(r -> ready.add(new ServerEvent.Reply(r)));
                }
                checkLength(buffer.size());
            }

            private void checkLength(int length) {
                if (length > MAX_LINE) {
                    throw new SmtpClientException.ProtocolViolation(
                            "reply line longer than " + MAX_LINE + " octets", null);
                }
            }
        };
    }
}
