package dev.tern.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

import javax.net.ssl.SSLContext;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

/**
 * An MTA-STS policy host for tests: HTTPS on {@code ADDRESS:443} (tests run as root, and the
 * fetcher only ever asks port 443), answering every request with the response set last. It
 * records the requests' paths and Host headers, so a test can assert what a real client asked.
 */
public final class PolicyServer implements AutoCloseable {

    /** What the server answers; {@code chunked}: without a Content-Length. */
    public record Response(int status, Map<String, String> headers, byte[] body, boolean chunked) {
    }

    private final HttpsServer server;
    private volatile Response response = policy("version: STSv1\nmode: none\nmax_age: 86400\n");
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final Map<String, Response> byHost = new ConcurrentHashMap<>();

    private PolicyServer(HttpsServer server) {
        this.server = server;
    }

    /** Serves on {@code address}:443 with the certificate of {@code tls}. */
    public static PolicyServer start(String address, SSLContext tls) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getByName(address), 443), 16);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        PolicyServer policyServer = new PolicyServer(server);
        server.createContext("/", policyServer::handle);
        server.start();
        return policyServer;
    }

    /** A 200 text/plain answer with {@code policy}. */
    public static Response policy(String policy) {
        return new Response(200, Map.of("Content-Type", "text/plain; charset=utf-8"),
                policy.getBytes(StandardCharsets.UTF_8), false);
    }

    /** Answers with {@code policy} (200, text/plain) from now on. */
    public PolicyServer serve(String policy) {
        return respond(policy(policy));
    }

    /** Answers requests for {@code host} (the Host header) with {@code policy}, whatever the others get. */
    public PolicyServer serve(String host, String policy) {
        byHost.put(host, policy(policy));
        return this;
    }

    public PolicyServer respond(Response next) {
        this.response = next;
        return this;
    }

    /** "GET /path host" for each request, in order. */
    public List<String> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI() + " "
                + exchange.getRequestHeaders().getFirst("Host"));
        String host = String.valueOf(exchange.getRequestHeaders().getFirst("Host"));
        Response r = byHost.getOrDefault(host, response);
        r.headers().forEach((name, value) -> exchange.getResponseHeaders().add(name, value));
        exchange.sendResponseHeaders(r.status(), r.chunked() ? 0 : r.body().length == 0 ? -1 : r.body().length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(r.body());
        } catch (IOException e) {
            // the client hung up on purpose (a size limit): nothing to do
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
