package dev.tern.metrics;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A scrape in the Prometheus text format read back as series and values, the way Prometheus
 * reads it: {@code name{label="value"} 1.0} a line, comments skipped.
 */
public final class Samples {

    private final String text;
    private final Map<String, Double> values = new LinkedHashMap<>();

    private Samples(String text) {
        this.text = text;
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            values.put(line.substring(0, space), number(line.substring(space + 1)));
        }
    }

    private static double number(String value) {
        return switch (value) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(value);
        };
    }

    public static Samples parse(String text) {
        return new Samples(text);
    }

    /** What {@code metrics} would answer a scrape with now. */
    public static Samples scrape(TernMetrics metrics) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            metrics.writeText(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Samples(out.toString(StandardCharsets.UTF_8));
    }

    /** The value of one series, e.g. {@code tern_messages_rejected_total{code="550"}}; 0 if absent. */
    public double value(String series) {
        return values.getOrDefault(series, 0.0);
    }

    public boolean has(String series) {
        return values.containsKey(series);
    }

    public Map<String, Double> all() {
        return values;
    }

    public String text() {
        return text;
    }
}
