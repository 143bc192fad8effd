package dev.tern.streams;

import java.util.List;

import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Line framing for a connection that may switch to TLS: one fresh {@link SmtpLineFraming}
 * per phase — cleartext, then TLS — so that whatever the cleartext framing still buffers
 * when the switch comes (a partial line a client or a man in the middle sent after
 * STARTTLS) is dropped with it and can never be prefixed to the first decrypted line.
 *
 * <p>Built from stock operators: {@code splitWhen} opens a new substream at the
 * {@link TlsInbound.Established} marker, which completes the cleartext substream — its
 * framing stage stops and its buffer is gone — and each substream frames its own bytes;
 * {@code concatSubstreams} keeps the phases in order. The marker itself comes out as
 * {@link SessionInput.TlsStarted} ahead of the first TLS lines.
 */
public final class TlsPhaseFraming {

    private TlsPhaseFraming() {
    }

    /** @param maxLineLength the longest line kept, without CRLF */
    public static Flow<TlsInbound, SessionInput, NotUsed> flow(int maxLineLength) {
        return Flow.<TlsInbound>create()
                .splitWhen(element -> element instanceof TlsInbound.Established)
                .flatMapPrefix(1, first -> phase(first, maxLineLength))
                .concatSubstreams();
    }

    /** The framing of one phase; {@code first} is its first element, if any. */
    private static Flow<TlsInbound, SessionInput, NotUsed> phase(List<TlsInbound> first, int maxLineLength) {
        Flow<TlsInbound, SessionInput, NotUsed> framing = Flow.<TlsInbound>create()
                .map(TlsPhaseFraming::bytes)
                .via(SmtpLineFraming.flow(maxLineLength))
                .map(lines -> (SessionInput) new SessionInput.Lines(lines));
        if (!first.isEmpty() && first.get(0) instanceof TlsInbound.Established established) {
            return framing.prepend(Source.single(new SessionInput.TlsStarted(established)));
        }
        return Flow.<TlsInbound>create().prepend(Source.from(first)).via(framing);
    }

    private static org.apache.pekko.util.ByteString bytes(TlsInbound element) {
        if (element instanceof TlsInbound.Bytes bytes) {
            return bytes.bytes();
        }
        throw new IllegalStateException("a second TLS handshake on one connection");
    }
}
