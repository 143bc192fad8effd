package dev.tern.protocol;

import java.util.List;

import dev.tern.protocol.ServerDialogue.Action;
import dev.tern.protocol.ServerDialogue.Step;

/**
 * The server's answer to {@code BDAT <size> [LAST]} (RFC 3030 CHUNKING). Every BDAT is
 * followed by its octets whatever the answer, so every step says whether to keep them
 * ({@link Action#RECEIVE_CHUNK}) or read and drop them ({@link Action#DISCARD_CHUNK}); the
 * replies go out once they are read. Its own class so that {@link ServerDialogue} keeps one
 * line for the verb.
 */
final class ChunkingRules {

    private ChunkingRules() {
    }

    static Step onBdat(SessionSettings settings, SessionState state, SmtpCommand.Bdat bdat) {
        SmtpReply notYet = ServerDialogue.noTransactionForContent(state); // as for DATA
        if (notYet != null) {
            return discard(state, notYet);
        }
        Transaction transaction = state.transaction();
        Chunks chunks = transaction.chunks() == null ? Chunks.NONE : transaction.chunks();
        SmtpReply refusal = chunks.refusal();
        // RFC 1870 §6.3 across chunks: the sum of the chunks is the message; both terms stay below 10^18
        if (refusal == null && chunks.octets() + bdat.size() > settings.maxMessageSize()) {
            refusal = Replies.MESSAGE_TOO_BIG;
        }
        if (refusal != null) {
            SessionState next = bdat.last()
                    ? state.afterMessage() // RFC 3030 §2: BDAT LAST ends the transaction, refused or not
                    : state.withTransaction(transaction.withChunks(chunks.refused(refusal)));
            return discard(next, refusal);
        }
        SessionState next = state.withTransaction(transaction.withChunks(chunks.plus(bdat.size())));
        return new Step(next, bdat.last() ? List.of() : List.of(Replies.chunkReceived(bdat.size())),
                Action.RECEIVE_CHUNK);
    }

    private static Step discard(SessionState state, SmtpReply reply) {
        return new Step(state, List.of(reply), Action.DISCARD_CHUNK);
    }
}
