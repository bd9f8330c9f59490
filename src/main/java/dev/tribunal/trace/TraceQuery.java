package dev.tribunal.trace;

import dev.tribunal.assessment.AssessmentSourceType;
import dev.tribunal.system.InvalidRequestException;
import dev.tribunal.system.PageToken;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Filters of a list of traces ({@code GET /api/traces} and the {@code /traces} page), all of which must hold: request
 * time in [from, to), every tag equal, the state one of {@code states}, an assessment of each {@code hasAssessment} name
 * present and of each {@code lacksAssessment} name absent, a valid assessment of each {@code values} entry's name with
 * that value, the {@code errored} conditions, and (with {@code sources}) a valid assessment from one of those sources.
 * <p>
 * Values and errors read valid assessments only (one overridden by a later one no longer counts); {@code sources} also
 * narrows the value and error conditions to assessments from those sources.
 *
 * @param errored each entry {@code true} (a valid assessment is an error), {@code false} (none is) or an assessment
 *                name (a valid assessment of that name is an error)
 */
record TraceQuery(
        Instant from,
        Instant to,
        Map<String, String> tags,
        List<String> hasAssessment,
        List<String> lacksAssessment,
        List<TraceState> states,
        List<AssessmentValue> values,
        List<String> errored,
        List<AssessmentSourceType> sources,
        PageToken pageToken) {

    /** More values than this in one parameter is a 400: each is a condition of the one statement. */
    static final int MAX_VALUES = 20;

    TraceQuery {
        tags = Map.copyOf(tags);
        hasAssessment = List.copyOf(hasAssessment);
        lacksAssessment = List.copyOf(lacksAssessment);
        states = List.copyOf(states);
        values = List.copyOf(values);
        errored = List.copyOf(errored);
        sources = List.copyOf(sources);
    }

    /** An assessment name and the value it must have, as text ({@code no}, {@code 0.5}, {@code true}). */
    record AssessmentValue(String name, String value) {
    }

    /** Whether any filter is set (the page token aside). */
    boolean filtered() {
        return from != null || to != null || !tags.isEmpty() || !hasAssessment.isEmpty() || !lacksAssessment.isEmpty()
                || !states.isEmpty() || !values.isEmpty() || !errored.isEmpty() || !sources.isEmpty();
    }

    TraceQuery after(PageToken token) {
        return new TraceQuery(from, to, tags, hasAssessment, lacksAssessment, states, values, errored, sources, token);
    }

    // ---- parsing of the query parameters, shared by the API and the page (each names its own parameters) ----

    /** {@code key=value} pairs, all of which a trace's tags must hold; a key given twice with two values is a 400. */
    static Map<String, String> tags(List<String> tags, String parameter) {
        Map<String, String> filters = new LinkedHashMap<>();
        for (String tag : present(tags, parameter)) {
            int eq = tag.indexOf('=');
            InvalidRequestException.require(eq > 0, parameter + " must be key=value, not '" + tag + "'");
            String key = tag.substring(0, eq);
            String value = tag.substring(eq + 1);
            InvalidRequestException.require(!filters.containsKey(key) || filters.get(key).equals(value),
                    parameter + " '" + key + "' is given twice with different values");
            filters.put(key, value);
        }
        return filters;
    }

    /** {@code name=value} pairs (the name is up to the first {@code =}; the value may hold more). */
    static List<AssessmentValue> values(List<String> pairs, String parameter) {
        List<AssessmentValue> values = new ArrayList<>();
        for (String pair : present(pairs, parameter)) {
            int eq = pair.indexOf('=');
            InvalidRequestException.require(eq > 0, parameter + " must be name=value (e.g. correctness=no), not '" + pair + "'");
            values.add(new AssessmentValue(pair.substring(0, eq), pair.substring(eq + 1)));
        }
        return values;
    }

    static List<TraceState> states(List<String> states, String parameter) {
        List<TraceState> parsed = new ArrayList<>();
        for (String state : present(states, parameter)) {
            TraceState s = TraceState.parse(state, parameter);
            if (!parsed.contains(s)) {
                parsed.add(s);
            }
        }
        return parsed;
    }

    static List<AssessmentSourceType> sources(List<String> sources, String parameter) {
        List<AssessmentSourceType> parsed = new ArrayList<>();
        for (String source : present(sources, parameter)) {
            AssessmentSourceType type;
            try {
                type = AssessmentSourceType.parse(source, null);
            } catch (InvalidRequestException e) {
                type = null;
            }
            InvalidRequestException.require(type != null, parameter + " must be one of HUMAN, LLM_JUDGE, CODE, not '" + source + "'");
            if (!parsed.contains(type)) {
                parsed.add(type);
            }
        }
        return parsed;
    }

    /** {@code true}, {@code false} or an assessment name. */
    static List<String> errored(List<String> errored, String parameter) {
        return present(errored, parameter).stream().map(e -> e.equalsIgnoreCase("true") || e.equalsIgnoreCase("false")
                ? e.toLowerCase(java.util.Locale.ROOT) : e).distinct().toList();
    }

    /** Names of assessments. */
    static List<String> names(List<String> names, String parameter) {
        return present(names, parameter).stream().distinct().toList();
    }

    /** The non-blank values given (a form's empty field means no filter), at most {@link #MAX_VALUES}. */
    private static List<String> present(List<String> values, String parameter) {
        List<String> present = values == null ? List.of() : values.stream().filter(v -> v != null && !v.isBlank()).map(String::strip).toList();
        InvalidRequestException.require(present.size() <= MAX_VALUES, parameter + " is given " + present.size()
                + " times; at most " + MAX_VALUES);
        return present;
    }
}
