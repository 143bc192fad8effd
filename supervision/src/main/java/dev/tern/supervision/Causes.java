package dev.tern.supervision;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** The failure itself, out of the wrappers that futures put around it. */
public final class Causes {

    private Causes() {
    }

    /**
     * Strips {@link CompletionException} and {@link ExecutionException} layers: what a
     * {@code CompletionStage} or {@code Future} reports is the failure of the work it ran.
     */
    public static Throwable unwrap(Throwable failure) {
        Throwable top = failure;
        while ((top instanceof CompletionException || top instanceof ExecutionException) && top.getCause() != null) {
            top = top.getCause();
        }
        return top;
    }
}
