package dev.tern.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.parameterOptional;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

import dev.tern.metrics.TernMetrics;

/**
 * The routes for whoever runs Tern, mounted on the {@code --http} listeners beside the web
 * page and the JSON API, and open to anyone who reaches the listener (CLI.md):
 * <ul>
 *   <li>{@code GET /metrics}: every family in the Prometheus text format;</li>
 *   <li>{@code GET /healthz}: 200 once every listener is bound, 503 before (and once the
 *       service is stopping);</li>
 *   <li>{@code GET /.well-known/autoconfig/mail/config-v1.1.xml} and
 *       {@code GET /mail/config-v1.1.xml}, each with an optional {@code ?emailaddress=}:
 *       Thunderbird's autoconfig ({@link Autoconfig}).</li>
 * </ul>
 * Any other request is rejected, for the routes concatenated after these.
 */
public final class OperationsRoutes {

    private static final ContentType METRICS = ContentTypes.parse(TernMetrics.CONTENT_TYPE);
    private static final ContentType XML = MediaTypes.APPLICATION_XML.toContentType(HttpCharsets.UTF_8);

    private OperationsRoutes() {
    }

    /**
     * @param metrics    the service's metrics
     * @param ready      whether every listener is bound and the service is not stopping
     * @param autoconfig what the autoconfig file names
     */
    public static Route create(TernMetrics metrics, BooleanSupplier ready, Autoconfig autoconfig) {
        return get(() -> concat(
                path("metrics", () -> complete(HttpResponse.create().withEntity(METRICS, scrape(metrics)))),
                path("healthz", () -> ready.getAsBoolean()
                        ? complete(StatusCodes.OK, "ok\n")
                        : complete(StatusCodes.SERVICE_UNAVAILABLE, "not ready\n")),
                path(segment(".well-known").slash("autoconfig").slash("mail").slash("config-v1.1.xml"),
                        () -> autoconfigFile(autoconfig)),
                path(segment("mail").slash("config-v1.1.xml"), () -> autoconfigFile(autoconfig))));
    }

    private static Route autoconfigFile(Autoconfig autoconfig) {
        return parameterOptional("emailaddress", address -> complete(HttpResponse.create().withEntity(XML,
                autoconfig.xml(address.orElse(null)).getBytes(StandardCharsets.UTF_8))));
    }

    private static byte[] scrape(TernMetrics metrics) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
        try {
            metrics.writeText(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a byte array does not fail
        }
        return out.toByteArray();
    }
}
