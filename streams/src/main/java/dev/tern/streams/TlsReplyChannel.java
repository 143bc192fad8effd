package dev.tern.streams;

import org.apache.pekko.util.ByteString;

/** A {@link ReplyChannel} that can also switch its connection to TLS. */
public interface TlsReplyChannel extends ReplyChannel {

    /**
     * Queues {@code reply} (the {@code 220 2.0.0 Ready to start TLS}) as the last octets in
     * clear, then the switch: everything sent afterwards is encrypted. False if the reply
     * could not be queued (the client stopped reading or is gone).
     */
    boolean startTls(ByteString reply);
}
