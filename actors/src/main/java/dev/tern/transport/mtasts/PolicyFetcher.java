package dev.tern.transport.mtasts;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.http.javadsl.ClientTransport;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.HttpsConnectionContext;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaType;
import org.apache.pekko.http.javadsl.settings.ClientConnectionSettings;
import org.apache.pekko.stream.StreamTcpException;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

import dev.tern.protocol.mailauth.DnsLookup;
import dev.tern.protocol.mailauth.DnsResult;
import dev.tern.protocol.mtasts.StsPolicy;
import dev.tern.protocol.mtasts.StsSyntaxException;
import dev.tern.streams.client.TlsFailure;
import dev.tern.supervision.Causes;

/**
 * Fetches a domain's policy file from {@code https://mta-sts.DOMAIN/.well-known/mta-sts.txt}
 * (RFC 8461 §3.3), one fresh connection per fetch:
 * <ul>
 *   <li>the policy host's addresses come from Tern's DNS ({@code --dns}), not the system's
 *       resolver (pekko-http's custom resolver transport); AAAA before A, each tried in turn
 *       while connecting fails, at most {@value #MAX_ADDRESSES};</li>
 *   <li>port 443, TLS 1.2 or 1.3 with SNI, the certificate validated by PKIX against the system's
 *       CAs plus {@code --tls-trust} and for the name {@code mta-sts.DOMAIN}
 *       ({@link WebPkiTrust}, endpoint identification "HTTPS");</li>
 *   <li>only a 200 answers: "HTTP 3xx redirects MUST NOT be followed";</li>
 *   <li>the media type must be {@code text/plain}; the body at most {@value #MAX_POLICY_BYTES}
 *       bytes (§3.3 suggests 64 KiB); the whole fetch within the timeout.</li>
 * </ul>
 * Never completes exceptionally: every failure is a {@link FetchOutcome.Failed}.
 */
public final class PolicyFetcher {

    public static final String PATH = "/.well-known/mta-sts.txt";
    public static final int MAX_POLICY_BYTES = 64 * 1024;
    static final int MAX_ADDRESSES = 4;
    private static final int HTTPS_PORT = 443;

    private final ClassicActorSystemProvider system;
    private final DnsLookup dns;
    private final HttpsConnectionContext https;
    private final Duration timeout;

    /**
     * @param system  runs the HTTP client
     * @param dns     Tern's resolver (the one of {@code --dns})
     * @param trust   from {@link WebPkiTrust#context}
     * @param timeout the most one fetch may take, address lookups and every connection included
     */
    public PolicyFetcher(ClassicActorSystemProvider system, DnsLookup dns, SSLContext trust, Duration timeout) {
        this.system = system;
        this.dns = dns;
        this.timeout = timeout;
        this.https = ConnectionContext.httpsClient((host, port) -> engine(trust, host, port));
    }

    private static SSLEngine engine(SSLContext trust, String host, int port) {
        SSLEngine engine = trust.createSSLEngine(host, port);
        engine.setUseClientMode(true);
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS"); // RFC 2818 / RFC 6125 name check
        parameters.setServerNames(List.of(new SNIHostName(host)));
        parameters.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
        engine.setSSLParameters(parameters);
        return engine;
    }

    /** The policy host of {@code domain} (lower case, no trailing dot). */
    public static String policyHost(String domain) {
        return "mta-sts." + domain;
    }

    /** Fetches {@code domain}'s policy. */
    public CompletionStage<FetchOutcome> fetch(String domain) {
        String host = policyHost(domain);
        CompletableFuture<FetchOutcome> outcome;
        try {
            outcome = addresses(host).thenCompose(found -> found instanceof Addresses.Found addresses
                    ? tryEach(host, addresses.list(), 0, null)
                    : CompletableFuture.completedFuture(
                            new FetchOutcome.Failed(TlsFailure.STS_POLICY_FETCH_ERROR, ((Addresses.None) found).reason())))
                    .toCompletableFuture();
        } catch (RuntimeException e) {
            outcome = CompletableFuture.failedFuture(e);
        }
        return outcome
                .exceptionally(e -> failed(host, Causes.unwrap(e)))
                .completeOnTimeout(new FetchOutcome.Failed(TlsFailure.STS_POLICY_FETCH_ERROR,
                        "fetching https://" + host + PATH + " took longer than " + timeout.toMillis() + " ms"),
                        timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The policy host's addresses: AAAA first (as MX hosts are tried), then A. */
    private CompletionStage<Addresses> addresses(String host) {
        CompletableFuture<DnsResult<InetAddress>> v6 = dns.addresses(host, true).toCompletableFuture();
        CompletableFuture<DnsResult<InetAddress>> v4 = dns.addresses(host, false).toCompletableFuture();
        return v6.thenCombine(v4, (aaaa, a) -> {
            List<InetAddress> list = new ArrayList<>();
            for (DnsResult<InetAddress> result : List.of(aaaa, a)) {
                if (result instanceof DnsResult.Records<InetAddress> records) {
                    list.addAll(records.values());
                }
            }
            if (!list.isEmpty()) {
                return new Addresses.Found(List.copyOf(list.subList(0, Math.min(list.size(), MAX_ADDRESSES))));
            }
            String why = a instanceof DnsResult.Failed<InetAddress> f ? f.reason()
                    : aaaa instanceof DnsResult.Failed<InetAddress> f ? f.reason() : "no A or AAAA record";
            return new Addresses.None("cannot resolve policy host " + host + ": " + why);
        });
    }

    /** Fetches from {@code addresses[i]}; on a failure to connect, from the next. */
    private CompletionStage<FetchOutcome> tryEach(String host, List<InetAddress> addresses, int i,
            FetchOutcome.Failed previous) {
        if (i == addresses.size()) {
            return CompletableFuture.completedFuture(previous);
        }
        InetAddress address = addresses.get(i);
        return fetchFrom(host, address).handle((outcome, error) -> {
            if (error == null) {
                return CompletableFuture.completedFuture(outcome);
            }
            Throwable cause = Causes.unwrap(error);
            FetchOutcome.Failed failed = failed(host + " [" + address.getHostAddress() + "]", cause);
            return isConnectFailure(cause) ? tryEach(host, addresses, i + 1, failed)
                    : CompletableFuture.completedFuture((FetchOutcome) failed);
        }).thenCompose(next -> next);
    }

    private CompletionStage<FetchOutcome> fetchFrom(String host, InetAddress address) {
        ClientConnectionSettings settings = ClientConnectionSettings.create(system.classicSystem())
                .withConnectingTimeout(timeout)
                .withIdleTimeout(timeout)
                .withTransport(ClientTransport.withCustomResolver((name, port) ->
                        CompletableFuture.completedFuture(new InetSocketAddress(address, (Integer) port))));
        return Source.single(HttpRequest.GET(PATH))
                .via(Http.get(system).connectionTo(host).toPort(HTTPS_PORT)
                        .withCustomHttpsConnectionContext(https)
                        .withClientConnectionSettings(settings)
                        .https())
                .runWith(Sink.head(), system)
                .thenCompose(response -> read(host, response));
    }

    private CompletionStage<FetchOutcome> read(String host, HttpResponse response) {
        String url = "https://" + host + PATH;
        int status = response.status().intValue();
        if (status != 200) {
            response.discardEntityBytes(system);
            String location = response.getHeader("Location").map(h -> " to " + h.value()).orElse("");
            String why = status >= 300 && status < 400
                    ? "redirect" + location + " not followed (RFC 8461 §3.3)" : "not 200 OK";
            return failedStage(TlsFailure.STS_POLICY_FETCH_ERROR, url + " answered " + status + ": " + why);
        }
        MediaType type = response.entity().getContentType().mediaType();
        if (!type.mainType().equalsIgnoreCase("text") || !type.subType().equalsIgnoreCase("plain")) {
            response.discardEntityBytes(system);
            return failedStage(TlsFailure.STS_POLICY_FETCH_ERROR, url + " is " + type.mainType() + "/" + type.subType()
                    + ", not text/plain (RFC 8461 §3.2)");
        }
        OptionalLong length = response.entity().getContentLengthOption();
        if (length.isPresent() && length.getAsLong() > MAX_POLICY_BYTES) {
            response.discardEntityBytes(system);
            return failedStage(TlsFailure.STS_POLICY_FETCH_ERROR, tooLarge(url));
        }
        return response.entity().toStrict(timeout.toMillis(), MAX_POLICY_BYTES, system)
                .handle((strict, error) -> {
                    if (error != null) {
                        Throwable cause = Causes.unwrap(error);
                        return new FetchOutcome.Failed(TlsFailure.STS_POLICY_FETCH_ERROR, isSizeLimit(cause)
                                ? tooLarge(url) : url + ": " + describe(cause));
                    }
                    return parse(url, strict.getData().utf8String());
                });
    }

    private static FetchOutcome parse(String url, String text) {
        try {
            return new FetchOutcome.Fetched(StsPolicy.parse(text));
        } catch (StsSyntaxException e) {
            return new FetchOutcome.Failed(TlsFailure.STS_POLICY_INVALID, url + ": " + e.getMessage());
        }
    }

    private static String tooLarge(String url) {
        return url + " is larger than " + MAX_POLICY_BYTES + " bytes";
    }

    private static CompletionStage<FetchOutcome> failedStage(TlsFailure problem, String reason) {
        return CompletableFuture.completedFuture(new FetchOutcome.Failed(problem, reason));
    }

    private static FetchOutcome.Failed failed(String where, Throwable cause) {
        if (isCertificateFailure(cause)) {
            return new FetchOutcome.Failed(TlsFailure.STS_WEBPKI_INVALID,
                    "certificate of " + where + " not valid: " + describe(deepest(cause)));
        }
        return new FetchOutcome.Failed(TlsFailure.STS_POLICY_FETCH_ERROR, "fetching from " + where + " failed: "
                + describe(cause));
    }

    private static boolean isConnectFailure(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof ConnectException
                    || t instanceof StreamTcpException && !(t.getCause() instanceof SSLException)
                            && String.valueOf(t.getMessage()).contains("Connect")) {
                return true;
            }
        }
        return false;
    }

    private static boolean isCertificateFailure(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SSLException || t instanceof CertificateException) {
                return true;
            }
        }
        return false;
    }

    private static boolean isSizeLimit(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            // EntityStreamSizeException, or toStrict's own "Request too large: ... longer than the maximum"
            String message = String.valueOf(t.getMessage());
            if (t.getClass().getSimpleName().startsWith("EntityStreamSizeException")
                    || message.contains("longer than the maximum of " + MAX_POLICY_BYTES)) {
                return true;
            }
        }
        return false;
    }

    private static Throwable deepest(Throwable cause) {
        Throwable t = cause;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    private static String describe(Throwable cause) {
        String message = cause.getMessage();
        return message == null || message.isBlank() ? cause.getClass().getSimpleName()
                : message.length() > 200 ? message.substring(0, 200) + "..."
                : message;
    }

    /** The policy host's addresses, or why there are none. */
    private sealed interface Addresses {
        record Found(List<InetAddress> list) implements Addresses {
        }

        record None(String reason) implements Addresses {
        }
    }
}
