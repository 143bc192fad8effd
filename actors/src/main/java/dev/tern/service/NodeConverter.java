package dev.tern.service;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * {@code %node} in logback.xml's pattern: in a cluster, {@code node=HOST:PORT } (the node's {@code --cluster-bind}) on
 * every line, so that the logs of several nodes gathered in one place say which node did what; nothing on one node.
 */
public final class NodeConverter extends ClassicConverter {

    private static volatile String prefix = "";

    /** From now on every line names {@code node}. */
    static void name(ClusterAddress node) {
        prefix = "node=" + node + " ";
    }

    @Override
    public String convert(ILoggingEvent event) {
        return prefix;
    }
}
