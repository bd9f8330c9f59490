package dev.tribunal.probe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tribunal.system.InvalidRequestException;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** One perturbation a probe applies to a judge's prompts, as asked in a request. */
sealed interface Probe {

    /** Its name in requests and answers. */
    String type();

    /** The same prompt {@code k} times at the judge's own settings: are the verdicts stable? */
    record Repeat(int k) implements Probe {
        static final int DEFAULT_K = 5;
        static final int MIN_K = 2;
        static final int MAX_K = 15;

        public Repeat {
            InvalidRequestException.require(k >= MIN_K && k <= MAX_K, "repeat.k must be a whole number from " + MIN_K + " to " + MAX_K);
        }

        @Override
        public String type() {
            return "repeat";
        }
    }

    /** The response padded with correct but irrelevant text: does length move the verdict? */
    record Verbosity() implements Probe {
        @Override
        public String type() {
            return "verbosity";
        }
    }

    /** A pairwise judge asked both orders of a pair: does the position decide? */
    record Position() implements Probe {
        @Override
        public String type() {
            return "position";
        }
    }

    /** Verdicts on responses of the judge's own model family against those of others. */
    record SelfPreference() implements Probe {
        @Override
        public String type() {
            return "self_preference";
        }
    }

    List<String> TYPES = List.of("repeat", "verbosity", "position", "self_preference");

    /** The probes of a request, each named once; 400s for anything else. */
    static List<Probe> parse(List<JsonNode> items) {
        InvalidRequestException.require(items != null && !items.isEmpty(), "probes must name at least one probe of " + String.join(", ", TYPES));
        List<Probe> probes = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (JsonNode item : items) {
            Probe probe = parse(item);
            InvalidRequestException.require(seen.add(probe.type()), "probes names " + probe.type() + " twice");
            probes.add(probe);
        }
        return probes;
    }

    private static Probe parse(JsonNode item) {
        if (item != null && item.isTextual()) {
            return of(item.asText(), null);
        }
        InvalidRequestException.require(item != null && item.isObject() && item.path("type").isTextual(),
                "each probe is a type (\"repeat\") or an object with a type ({\"type\": \"repeat\", \"k\": 5}), not " + item);
        String type = item.get("type").asText();
        InvalidRequestException.require(TYPES.contains(type), unknown(type));
        List<String> fields = new ArrayList<>();
        item.fieldNames().forEachRemaining(fields::add);
        List<String> allowed = type.equals("repeat") ? List.of("type", "k") : List.of("type");
        List<String> unknown = fields.stream().filter(f -> !allowed.contains(f)).toList();
        InvalidRequestException.require(unknown.isEmpty(), "probe " + type + " takes no field " + String.join(", ", unknown)
                + "; it takes " + String.join(", ", allowed));
        return of(type, item.get("k"));
    }

    private static Probe of(String type, JsonNode k) {
        return switch (type) {
            case "repeat" -> {
                InvalidRequestException.require(k == null || k.isIntegralNumber(), "repeat.k must be a whole number from "
                        + Repeat.MIN_K + " to " + Repeat.MAX_K);
                yield new Repeat(k == null ? Repeat.DEFAULT_K : k.canConvertToInt() ? k.asInt() : Integer.MAX_VALUE);
            }
            case "verbosity" -> new Verbosity();
            case "position" -> new Position();
            case "self_preference" -> new SelfPreference();
            default -> throw new InvalidRequestException(unknown(type));
        };
    }

    private static String unknown(String type) {
        return "Unknown probe type '" + type + "'; probes: " + String.join(", ", TYPES);
    }
}
