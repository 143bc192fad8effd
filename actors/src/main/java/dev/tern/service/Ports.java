package dev.tern.service;

/** TCP port numbers from the command line. */
final class Ports {
    private Ports() {
    }

    /** @param lowest 0 where "any free port" makes sense (listeners), 1 for remote ports */
    static int parse(String option, String text, int lowest) throws UsageException {
        try {
            int port = Integer.parseInt(text);
            if (port >= lowest && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new UsageException(option + ": '" + text + "' is not a port number (" + lowest + "-65535)");
    }
}
