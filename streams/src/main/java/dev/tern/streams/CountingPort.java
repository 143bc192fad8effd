package dev.tern.streams;

import java.util.function.Consumer;

import org.apache.pekko.util.ByteString;

/**
 * A {@link SessionBridge}'s port that can also switch its {@link TlsPhaseFraming} to counted
 * octets: the switch runs in the framing stage first, and the request for input follows from
 * there, so the framing counts before it is pulled.
 */
final class CountingPort implements ConnectionPort {

    private final ConnectionPort bridge;
    private final CountedOctets.Switch framing;

    CountingPort(ConnectionPort bridge, CountedOctets.Switch framing) {
        this.bridge = bridge;
        this.framing = framing;
    }

    @Override
    public void requestOctets(long count) {
        framing.count(count, bridge::requestInput);
    }

    @Override
    public void open(Consumer<SessionInput> session) {
        bridge.open(session);
    }

    @Override
    public void requestInput() {
        bridge.requestInput();
    }

    @Override
    public void notifyWhenWritable() {
        bridge.notifyWhenWritable();
    }

    @Override
    public void send(ByteString bytes) {
        bridge.send(bytes);
    }

    @Override
    public void startTls(ByteString reply) {
        bridge.startTls(reply);
    }

    @Override
    public void close() {
        bridge.close();
    }
}
