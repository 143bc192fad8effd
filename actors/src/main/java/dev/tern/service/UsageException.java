package dev.tern.service;

/** A mistake on the command line or in the configuration: exit 2 with this one-line message. */
final class UsageException extends Exception {
    UsageException(String message) {
        super(message);
    }
}
