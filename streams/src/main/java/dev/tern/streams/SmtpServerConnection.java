package dev.tern.streams;

import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

import org.apache.pekko.Done;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * The byte pipeline of one server-side SMTP connection: inbound octets are framed into
 * lines and handed to the session one batch at a time — the next batch only once the
 * session has handled the last, which is what keeps pipelined replies in order and a
 * flooding client from filling memory — and the session's replies flow back out.
 */
public final class SmtpServerConnection {

    /** Replies a client may leave unread before the connection is dropped. */
    static final int REPLY_BUFFER = 1024;

    private SmtpServerConnection() {
    }

    /** The outgoing half, materialized before the connection so that the session can be created with it. */
    public static Pair<ReplyChannel, Source<ByteString, ?>> replyChannel(Materializer materializer) {
        Pair<BoundedSourceQueue<ByteString>, Source<ByteString, org.apache.pekko.NotUsed>> queue =
                Source.<ByteString>queue(REPLY_BUFFER).preMaterialize(materializer);
        return Pair.create(new QueueReplyChannel(queue.first()), queue.second());
    }

    /**
     * @param session        receives each batch of lines; the returned stage completes when it is handled
     * @param replies        the source half from {@link #replyChannel}
     * @param maxLineLength  longest line kept, without CRLF
     * @return a flow for {@code IncomingConnection.handleWith}, materializing to the end of the input
     */
    public static Flow<ByteString, ByteString, CompletionStage<Done>> flow(
            Function<List<InputLine>, CompletionStage<?>> session, Source<ByteString, ?> replies, int maxLineLength) {
        Sink<ByteString, CompletionStage<Done>> input = SmtpLineFraming.flow(maxLineLength)
                .mapAsync(1, session::apply)
                .toMat(Sink.ignore(), Keep.right());
        return Flow.fromSinkAndSourceCoupledMat(input, replies, Keep.left());
    }

    private record QueueReplyChannel(BoundedSourceQueue<ByteString> queue) implements ReplyChannel {
        @Override
        public boolean send(ByteString bytes) {
            try {
                return queue.offer(bytes) instanceof QueueOfferResult.Enqueued$;
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
