package dev.tern.service;

/**
 * A cluster node's address, {@code HOST:PORT} ({@code --cluster-bind}, {@code --cluster-seed}): a host name or an IP
 * literal ({@code [::1]:25520} for IPv6), kept as written, since a node is known to the others by that name.
 */
record ClusterAddress(String host, int port) {

    /** The actor system's name: one for every node, as Pekko addresses name it. */
    static final String SYSTEM = "tern";

    static ClusterAddress parse(String option, String text) throws UsageException {
        String usage = option + ": '" + text + "' is not HOST:PORT (e.g. 10.0.0.1:25520, node1.example.net:25520 "
                + "or [::1]:25520)";
        HostPort split = HostPort.split(option, text, usage, 1);
        String host = split.host();
        if (split.bracketed() ? !host.matches("[0-9A-Fa-f:.]+") : !host.matches("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})")) {
            throw new UsageException(usage);
        }
        int port = split.port();
        return new ClusterAddress(host, port);
    }

    /** As the node's log lines and {@code --help} show it. */
    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }

    /** The Pekko address of the node's actor system, as seed nodes are named. */
    String pekkoAddress() {
        return "pekko://" + SYSTEM + "@" + this;
    }
}
