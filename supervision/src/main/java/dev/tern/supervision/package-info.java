/**
 * Failure classification and retry backoff for Tern's relays: which delivery failures
 * are transient (retry with backoff until the queue lifetime ends) and which are
 * permanent (bounce). Depends on nothing else of Tern; the actors module applies it.
 */
package dev.tern.supervision;
