package dev.tern.tlsrpt;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;

/** A loopback HTTPS server that takes report POSTs and keeps what it got. */
final class ReportServer implements AutoCloseable {

    /** One request as received. */
    record Received(String method, String path, String contentType, byte[] body) {
    }

    private final ServerBinding binding;
    private final LinkedBlockingQueue<Received> received = new LinkedBlockingQueue<>();

    ReportServer(ActorSystem<?> system, SSLContext tls) throws Exception {
        this.binding = Http.get(system).newServerAt("127.0.0.1", 0)
                .enableHttps(ConnectionContext.httpsServer(tls))
                .bind((HttpRequest request) -> request.entity().toStrict(10_000, system).thenApply(strict -> {
                    received.add(new Received(request.method().value(), request.getUri().path(),
                            strict.getContentType().toString(), strict.getData().toArray()));
                    return HttpResponse.create().withStatus(StatusCodes.ACCEPTED);
                }))
                .toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    InetSocketAddress address() {
        return binding.localAddress();
    }

    /** The next request, or null after the timeout. */
    Received next(long seconds) throws InterruptedException {
        return received.poll(seconds, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        CompletableFuture<?> unbound = binding.unbind().toCompletableFuture();
        unbound.get(10, TimeUnit.SECONDS);
    }
}
