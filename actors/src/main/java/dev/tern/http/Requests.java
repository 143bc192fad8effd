package dev.tern.http;

import java.util.Locale;

import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.RemoteAddress;

import dev.tern.protocol.AddressLiteral;

/** What the web page and the API read off a request the same way. */
final class Requests {

    private Requests() {
    }

    /**
     * The peer's address as SMTP sessions name it ({@code [192.0.2.1]}, {@code [IPv6:...]}),
     * so that failed logins over HTTP and SMTP AUTH from one address share one delay. The TCP
     * peer only (the server's {@code remote-address-attribute}), never an X-Forwarded-For a
     * client could choose to escape its delay.
     */
    static String clientAddress(HttpRequest request) {
        return request.getAttribute(AttributeKeys.remoteAddress)
                .flatMap(RemoteAddress::getAddress)
                .map(AddressLiteral::of)
                .orElse("unknown");
    }

    /** User-db names are lower case; a login typed as "Alice" is alice's. */
    static String userName(String typed) {
        return typed == null ? "" : typed.strip().toLowerCase(Locale.ROOT);
    }
}
