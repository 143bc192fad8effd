package dev.tern.streams;

import org.apache.pekko.util.ByteString;

/** Where a session writes its replies: the outgoing half of its connection. */
public interface ReplyChannel {

    /** Queues octets for the client; false if the client stopped reading and the buffer is full. */
    boolean send(ByteString bytes);

    /** Sends what is queued, then closes the connection. */
    void close();
}
