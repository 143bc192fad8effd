package dev.tern.relay;

/**
 * A message that may cross from one cluster node to another: to a relay that runs as a Cluster Sharding entity on
 * another node, or back from it. Serialized with Jackson CBOR (bound in application.conf); such messages carry ids and
 * plain values, never queue entries, which each node reads from the shared queue itself.
 */
public interface ClusterMessage {
}
