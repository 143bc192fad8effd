package dev.tern.protocol.tlsrpt;

import java.net.URI;

/**
 * Where a TLS-RPT report goes (RFC 8460 §3, {@code rua=}): the two schemes the RFC defines.
 * A URI of any other scheme is skipped when the record is read.
 */
public sealed interface ReportUri {

    /** RFC 8460 §5.3: the report as a message to this address. */
    record Mailto(String address) implements ReportUri {
        @Override
        public String toString() {
            return "mailto:" + address;
        }
    }

    /** RFC 8460 §5.2: the report POSTed to this URL. */
    record Https(URI uri) implements ReportUri {
        @Override
        public String toString() {
            return uri.toString();
        }
    }
}
