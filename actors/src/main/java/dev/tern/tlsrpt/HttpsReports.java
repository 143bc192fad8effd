package dev.tern.tlsrpt;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SSLContext;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.HttpsConnectionContext;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.MediaTypes;

import dev.tern.protocol.tlsrpt.ReportMessage;
import dev.tern.supervision.Causes;

/**
 * Posts reports to https rua URIs (RFC 8460 §5.2): {@code Content-Type: application/tlsrpt+gzip}, through
 * pekko-http's client with the server's certificate verified (the chain against the trust given, the
 * name as HTTPS does), no redirect followed, the whole exchange bounded by a timeout. Any 2xx is
 * success; everything else is a failure to be logged, never retried (the RFC leaves retries to the sender).
 */
final class HttpsReports {

    /** What became of one POST. */
    sealed interface Outcome {
    }

    record Accepted(int status) implements Outcome {
    }

    record Refused(String why) implements Outcome {
    }

    private final Http http;
    private final ActorSystem<?> system;
    private final HttpsConnectionContext tls;
    private final Duration timeout;

    /** @param trust verifies the report servers' certificates: the system's CAs, or a test CA */
    HttpsReports(ActorSystem<?> system, SSLContext trust, Duration timeout) {
        this.system = system;
        this.http = Http.get(system);
        // pekko-http's client context checks the host name against the certificate (endpoint identification)
        this.tls = ConnectionContext.httpsClient(trust);
        this.timeout = timeout;
    }

    /** Never completes exceptionally. */
    CompletionStage<Outcome> post(URI uri, byte[] gzippedJson) {
        if (!"https".equalsIgnoreCase(uri.getScheme())) {
            return CompletableFuture.completedFuture(new Refused("not https"));
        }
        HttpRequest request = HttpRequest.POST(uri.toString()).withEntity(HttpEntities.create(
                ContentTypes.create(MediaTypes.customBinary("application",
                        ReportMessage.MEDIA_TYPE.substring("application/".length()), false)), gzippedJson));
        return http.singleRequest(request, tls)
                .<Outcome>thenApply(response -> {
                    response.discardEntityBytes(system); // bounded: the body is never read
                    int status = response.status().intValue();
                    return status >= 200 && status < 300 ? new Accepted(status)
                            : new Refused("HTTP " + status + " " + response.status().reason());
                })
                .toCompletableFuture()
                .completeOnTimeout(new Refused("no answer in " + timeout.toSeconds() + " s"), timeout.toMillis(),
                        TimeUnit.MILLISECONDS)
                .exceptionally(error -> new Refused(describe(Causes.unwrap(error))));
    }

    private static String describe(Throwable cause) {
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
