package dev.tern.queue;

import java.io.IOException;

/** An envelope record that cannot be parsed: truncated, damaged or of an unknown version. */
public final class QueueRecordException extends IOException {
    private static final long serialVersionUID = 1L;

    QueueRecordException(String message) {
        super(message);
    }

    QueueRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
