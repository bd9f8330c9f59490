package dev.tribunal.trace;

import dev.tribunal.system.InvalidRequestException;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * MLflow's trace search filter, as its client sends it to {@code traces/search}, turned into SQL over the trace table:
 * comparisons joined by {@code AND}, each {@code <field> <op> <value>}. Fields: {@code tags.<key>} ({@code tag.}),
 * {@code metadata.<key>} ({@code request_metadata.}), {@code status} / {@code state}, {@code timestamp_ms} /
 * {@code timestamp}, {@code execution_time_ms}, {@code run_id} (the trace's {@code mlflow.sourceRun}), {@code name} (its
 * {@code mlflow.traceName} tag), {@code trace_id} / {@code request_id}; any of them may carry the prefix
 * {@code attributes.}, {@code attribute.} or {@code trace.}, and a key may be quoted in backticks. Strings compare with
 * {@code = != LIKE ILIKE}, numbers with {@code = != < <= > >=}. Anything else is refused, naming it.
 */
final class MlflowTraceFilter {

    private static final Set<String> PREFIXES = Set.of("attributes.", "attribute.", "trace.");

    private final String text;
    private int at;

    private MlflowTraceFilter(String text) {
        this.text = text;
    }

    /** The SQL conditions of a filter, each on the trace table as {@code t} (none for an empty filter); parameters are appended to {@code params}. */
    static List<String> parse(String filter, List<Object> params) {
        List<String> conditions = new ArrayList<>();
        if (filter == null || filter.isBlank()) {
            return conditions;
        }
        MlflowTraceFilter reader = new MlflowTraceFilter(filter);
        while (true) {
            conditions.add(reader.comparison(params));
            reader.spaces();
            if (reader.at >= filter.length()) {
                return conditions;
            }
            if (!reader.keyword("and")) {
                throw reader.refuse("expected AND or the end of the filter at '" + reader.rest() + "'; comparisons join with AND only");
            }
        }
    }

    private String comparison(List<Object> params) {
        spaces();
        String field = field();
        spaces();
        String op = operator();
        spaces();
        Object value = value();
        String name = field.toLowerCase(Locale.ROOT);
        for (String prefix : PREFIXES) {
            if (name.startsWith(prefix)) {
                name = name.substring(prefix.length());
                field = field.substring(prefix.length());
                break;
            }
        }
        if (name.startsWith("tags.") || name.startsWith("tag.")) {
            if ("=".equals(op) && value instanceof String s) {
                // containment, which the tags' GIN index answers (tags are strings, so it is the same test); the object is
                // a constant the planner reads, to weigh how many traces carry the tag
                return "t.tags @> cast(" + param(params, dev.tribunal.system.Json.write(java.util.Map.of(key(field), s))) + "::text as jsonb)";
            }
            return text("t.tags ->> " + param(params, key(field)), op, value, field, params);
        }
        if (name.startsWith("metadata.") || name.startsWith("request_metadata.")) {
            return text("t.metadata ->> " + param(params, key(field)), op, value, field, params);
        }
        return switch (name) {
            case "status", "state" -> {
                if (!(value instanceof String s) || !Set.of("OK", "ERROR", "IN_PROGRESS").contains(s.toUpperCase(Locale.ROOT))) {
                    throw refuse(field + " is OK, ERROR or IN_PROGRESS, not " + value);
                }
                yield text("t.state", op, s.toUpperCase(Locale.ROOT), field, params);
            }
            case "timestamp_ms", "timestamp" -> number("t.request_time", op,
                    Instant.ofEpochMilli(millis(value, field)).atOffset(ZoneOffset.UTC), field, params);
            case "execution_time_ms", "execution_duration_ms" -> number("t.execution_duration_ms", op, millis(value, field), field, params);
            case "run_id" -> {
                if (!"=".equals(op) || !(value instanceof String run)) {
                    throw refuse(field + " compares with = and a quoted run id");
                }
                // the run that made the trace, or one it was linked to (traces/link-to-run)
                String p = param(params, run);
                // each by its index (an OR of the two would read every trace)
                yield "t.trace_id in (select s.trace_id from trace s where s.metadata ->> 'mlflow.sourceRun' = " + p
                        + " union select l.trace_id from trace_run_link l where l.run_id = " + p + ")";
            }
            case "name" -> text("t.tags ->> 'mlflow.traceName'", op, value, field, params);
            case "trace_id", "request_id" -> text("t.trace_id", op, value, field, params);
            default -> throw refuse("Tribunal cannot filter traces on '" + field + "'; it filters on tags.<key>, metadata.<key>, status, "
                    + "timestamp_ms, execution_time_ms, run_id, name and trace_id");
        };
    }

    /** The key after {@code tags.} or {@code metadata.}, without its backticks. */
    private String key(String field) {
        String key = field.substring(field.indexOf('.') + 1);
        if (key.startsWith("`") && key.endsWith("`") && key.length() >= 2) {
            key = key.substring(1, key.length() - 1);
        }
        if (key.isEmpty()) {
            throw refuse("'" + field + "' names no key");
        }
        return key;
    }

    private String text(String column, String op, Object value, String field, List<Object> params) {
        if (!(value instanceof String s)) {
            throw refuse(field + " compares with a quoted string, not " + value);
        }
        return switch (op) {
            case "=" -> column + " = " + param(params, s);
            case "!=" -> column + " is distinct from " + param(params, s);
            case "like" -> column + " like " + param(params, s);
            case "ilike" -> column + " ilike " + param(params, s);
            default -> throw refuse(field + " compares with =, !=, LIKE or ILIKE, not " + op.toUpperCase(Locale.ROOT));
        };
    }

    private String number(String column, String op, Object value, String field, List<Object> params) {
        return switch (op) {
            case "=", "<", "<=", ">", ">=" -> column + " " + op + " " + param(params, value);
            case "!=" -> column + " <> " + param(params, value);
            default -> throw refuse(field + " compares with =, !=, <, <=, > or >=, not " + op.toUpperCase(Locale.ROOT));
        };
    }

    private long millis(Object value, String field) {
        if (value instanceof Long n) {
            return n;
        }
        throw refuse(field + " compares with a whole number of milliseconds, not " + value);
    }

    private String field() {
        int start = at;
        while (at < text.length()) {
            char c = text.charAt(at);
            if (c == '`') {
                int end = text.indexOf('`', at + 1);
                if (end < 0) {
                    throw refuse("a backtick at " + at + " is not closed");
                }
                at = end + 1;
            } else if (Character.isLetterOrDigit(c) || c == '_' || c == '.' || c == '-') {
                at++;
            } else {
                break;
            }
        }
        if (start == at) {
            throw refuse("expected a field at '" + rest() + "'");
        }
        return text.substring(start, at);
    }

    private String operator() {
        for (String op : List.of("!=", "<=", ">=", "=", "<", ">")) {
            if (text.startsWith(op, at)) {
                at += op.length();
                return op;
            }
        }
        for (String op : List.of("ilike", "like")) {
            if (keyword(op)) {
                return op;
            }
        }
        if (keyword("in") || keyword("not")) {
            throw refuse("IN and NOT IN are not supported; join comparisons with AND");
        }
        throw refuse("expected an operator (=, !=, <, <=, >, >=, LIKE, ILIKE) at '" + rest() + "'");
    }

    private Object value() {
        if (at >= text.length()) {
            throw refuse("a comparison has no value");
        }
        char quote = text.charAt(at);
        if (quote == '\'' || quote == '"') {
            StringBuilder value = new StringBuilder();
            at++;
            while (at < text.length()) {
                char c = text.charAt(at++);
                if (c == quote) {
                    if (at < text.length() && text.charAt(at) == quote) {
                        value.append(c);
                        at++;
                        continue;
                    }
                    return value.toString();
                }
                value.append(c);
            }
            throw refuse("a quoted value is not closed");
        }
        int start = at;
        while (at < text.length() && (Character.isDigit(text.charAt(at)) || text.charAt(at) == '-')) {
            at++;
        }
        try {
            return Long.parseLong(text.substring(start, at));
        } catch (NumberFormatException e) {
            throw refuse("expected a quoted string or a whole number at '" + text.substring(start) + "'");
        }
    }

    /** The keyword, case-insensitive and followed by a space or a quote, consumed when present. */
    private boolean keyword(String word) {
        int end = at + word.length();
        if (end <= text.length() && text.substring(at, end).equalsIgnoreCase(word)
                && (end == text.length() || Character.isWhitespace(text.charAt(end)) || text.charAt(end) == '\'' || text.charAt(end) == '"')) {
            at = end;
            return true;
        }
        return false;
    }

    private void spaces() {
        while (at < text.length() && Character.isWhitespace(text.charAt(at))) {
            at++;
        }
    }

    private String rest() {
        return text.substring(Math.min(at, text.length()));
    }

    private InvalidRequestException refuse(String why) {
        return new InvalidRequestException("Invalid filter \"" + text + "\": " + why);
    }

    private static String param(List<Object> params, Object value) {
        params.add(value);
        return "$" + params.size();
    }
}
