package dev.tern.service;

import java.util.List;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;

/** Value checks for the options whose features a later version brings, so a typo is caught today. */
final class PlannedOptions {
    private PlannedOptions() {
    }

    static void validate(CommandLine.Option option, List<String> values) throws UsageException {
        for (String value : values) {
            switch (option) {
                case SMTPS -> ListenAddress.parse(option.longName, value);
                case REMOTE_PORT -> Ports.parse(option.longName, value, 1);
                case OUTBOUND_TLS -> {
                    if (!List.of("opportunistic", "required", "off").contains(value)) {
                        throw new UsageException(option.longName + ": '" + value
                                + "' is not opportunistic, required or off");
                    }
                }
                case RETRY_INITIAL, RETRY_MAX, QUEUE_LIFETIME -> duration(option, value);
                case DNS -> {
                    String withPort = value.matches(".*:[0-9]+$") && (value.startsWith("[") || !value.contains("::"))
                            ? value : (value.contains(":") && !value.startsWith("[") ? "[" + value + "]" : value) + ":53";
                    ListenAddress.parse(option.longName, withPort);
                }
                default -> {
                    if (value.isBlank()) {
                        throw new UsageException(option.longName + ": empty value");
                    }
                }
            }
        }
    }

    /** {@code 500ms}, {@code 30s}, {@code 5m}, {@code 5d}: HOCON durations. */
    static void duration(CommandLine.Option option, String value) throws UsageException {
        try {
            if (ConfigFactory.parseString("d = \"" + value.replace("\"", "") + "\"").getDuration("d").isNegative()) {
                throw new UsageException(option.longName + ": '" + value + "' is negative");
            }
        } catch (ConfigException e) {
            throw new UsageException(option.longName + ": '" + value + "' is not a duration (e.g. 500ms, 30s, 5m, 5d)");
        }
    }
}
