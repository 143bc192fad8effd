package dev.tern.service;

/**
 * {@code HOST:PORT} split at its last colon, an IPv6 literal's brackets taken off ({@code [::1]:25} is host
 * {@code ::1}): what {@link ListenAddress} and {@link ClusterAddress} then check, each its own way.
 *
 * @param bracketed whether the host was written in brackets (an IPv6 literal must be, nothing else may be)
 */
record HostPort(String host, boolean bracketed, int port) {

    static HostPort split(String option, String text, String usage, int lowestPort) throws UsageException {
        int colon = text.lastIndexOf(':');
        if (colon <= 0) {
            throw new UsageException(usage);
        }
        String host = text.substring(0, colon);
        int port = Ports.parse(option, text.substring(colon + 1), lowestPort);
        boolean bracketed = host.startsWith("[") && host.endsWith("]");
        if (bracketed) {
            host = host.substring(1, host.length() - 1);
            if (!host.contains(":")) {
                throw new UsageException(usage);
            }
        } else if (host.contains(":")) {
            throw new UsageException(usage);
        }
        return new HostPort(host, bracketed, port);
    }
}
