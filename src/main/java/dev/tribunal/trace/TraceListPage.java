package dev.tribunal.trace;

import dev.tribunal.system.Urls;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tribunal.assessment.AssessmentView;
import dev.tribunal.security.Roles;
import dev.tribunal.security.Viewer;
import dev.tribunal.system.InvalidRequestException;
import dev.tribunal.system.PageToken;
import dev.tribunal.system.QueryParams;
import dev.tribunal.system.Redirects;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The traces, newest first, at {@code /traces}: a page at a time, filtered by the query string, which is the filter
 * (so a filtered list is a link to share). The query is the one {@code GET /api/traces} runs ({@link TraceService#search});
 * the page names its parameters for people: {@code from}, {@code to}, {@code tag=key=value}, {@code state}, {@code has},
 * {@code lacks}, {@code assessment=name=value}, {@code errored=true|false|<name>}, {@code source}.
 */
@Path("/traces")
@RolesAllowed(Roles.READ)
public class TraceListPage {

    /** Rows on a page unless {@code max_results} says otherwise. */
    static final int PAGE_SIZE = 50;
    /** How much of the request's and the response's first line a row shows. */
    static final int LINE_LENGTH = 120;
    /** How much of a value a chip shows. */
    static final int CHIP_LENGTH = 40;
    /** The filter parameters, in the order the active filters are listed. */
    static final List<String> FILTERS = List.of("from", "to", "tag", "state", "has", "lacks", "assessment", "errored", "source");

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final Set<String> PASS = Set.of("yes", "true", "pass", "passed", "correct", "good", "ok", "safe", "relevant");
    private static final Set<String> FAIL = Set.of("no", "false", "fail", "failed", "incorrect", "bad", "unsafe", "irrelevant");

    private final TraceService traces;
    private final Template list;
    private final SecurityIdentity identity;

    TraceListPage(TraceService traces, @Location("trace/list.html") Template list, SecurityIdentity identity) {
        this.traces = traces;
        this.list = list;
        this.identity = identity;
    }

    /** A filter of the query string: one parameter and one of its values, with the link that drops it. */
    public record ActiveFilter(String name, String value, String without) {
    }

    /** A form field: its parameter, an id for its label, and the value it shows. */
    public record Field(String name, String id, String value) {
    }

    /**
     * What a valid assessment says, on a trace's row: {@code kind} is pass, fail, number or other for a value (the
     * colour), error for an error (shown apart, with its code).
     */
    public record Chip(String name, String text, String kind, String source) {
    }

    /** A trace as a row of the list. */
    public record Row(String traceId, String link, String time, String isoTime, String state, String request, String response,
                      List<Chip> values, List<Chip> errors) {
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    public Uni<Response> list(@Context UriInfo uri) {
        Map<String, List<String>> params = uri.getQueryParameters();
        TraceQuery query = query(params);
        Integer maxResults = QueryParams.integer(first(params, "max_results"), "max_results");
        int limit = maxResults == null ? PAGE_SIZE : PageToken.maxResults(maxResults);
        if (params.values().stream().flatMap(List::stream).anyMatch(v -> v == null || v.isBlank())) {
            // the form sends its empty fields too: the list's address keeps the filters only, in the API's style
            String token = query.pageToken() == null ? null : first(params, "page_token");
            return Uni.createFrom().item(Redirects.seeOther(link(withToken(pairs(params), maxResults, token))).build());
        }
        return traces.search(query, limit)
                .map(page -> Response.ok(render(list, Viewer.of(identity), params, page.items(), page.nextPageToken(),
                        uri.getBaseUri().toString()), MediaType.TEXT_HTML_TYPE.withCharset("UTF-8")).build());
    }

    /** The page of these traces, found with the filters of {@code params}; {@code base} is where the server is reached. */
    static String render(Template list, Viewer viewer, Map<String, List<String>> params, List<TraceView> found, String nextPageToken,
                         String base) {
        TraceQuery query = query(params);
        Integer maxResults = QueryParams.integer(first(params, "max_results"), "max_results");
        List<String[]> pairs = pairs(params);
        return list.data("viewer", viewer)
                .data("rows", found.stream().map(TraceListPage::row).toList())
                .data("filtered", query.filtered())
                .data("firstPage", query.pageToken() == null)
                .data("active", active(pairs))
                .data("fields", fields(params))
                .data("states", selected(params, "state"))
                .data("sources", selected(params, "source"))
                .data("maxResults", maxResults)
                .data("base", base)
                .data("next", nextPageToken == null ? null : link(withToken(pairs, maxResults, nextPageToken)))
                .data("first", query.pageToken() == null ? null : link(withToken(pairs, maxResults, null)))
                .render();
    }

    /** The page's filters as the API's query: a malformed one is a 400 naming its parameter. */
    static TraceQuery query(Map<String, List<String>> params) {
        for (String name : params.keySet()) {
            // a misspelt filter would otherwise list every trace as if it held
            InvalidRequestException.require(FILTERS.contains(name) || name.equals("max_results") || name.equals("page_token"),
                    "'" + name + "' is not a filter of this page; the filters are " + String.join(", ", FILTERS));
        }
        return new TraceQuery(
                time(first(params, "from"), "from"),
                time(first(params, "to"), "to"),
                TraceQuery.tags(params.get("tag"), "tag"),
                TraceQuery.names(params.get("has"), "has"),
                TraceQuery.names(params.get("lacks"), "lacks"),
                TraceQuery.states(params.get("state"), "state"),
                TraceQuery.values(params.get("assessment"), "assessment"),
                TraceQuery.errored(params.get("errored"), "errored"),
                TraceQuery.sources(params.get("source"), "source"),
                PageToken.decode(first(params, "page_token")));
    }

    /** As the API takes it (RFC 3339 or epoch milliseconds), or a date and time without offset, read as UTC. */
    static Instant time(String text, String name) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return QueryParams.instant(text, name);
        } catch (InvalidRequestException e) {
            try {
                return LocalDateTime.parse(text.strip()).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException notLocal) {
                throw new InvalidRequestException(name + " must be a time such as 2026-01-01T10:00:00Z (UTC when no offset is given), not '"
                        + text + "'");
            }
        }
    }

    private static String first(Map<String, List<String>> params, String name) {
        List<String> values = params.get(name);
        if (values == null || values.isEmpty()) {
            return null;
        }
        InvalidRequestException.require(values.size() == 1, name + " is given " + values.size() + " times; it takes one value");
        return values.get(0);
    }

    /** The filters given, in a fixed order, blanks left out (an empty field of the form). */
    private static List<String[]> pairs(Map<String, List<String>> params) {
        List<String[]> pairs = new ArrayList<>();
        for (String name : FILTERS) {
            for (String value : new LinkedHashSet<>(params.getOrDefault(name, List.of()))) {
                if (value != null && !value.isBlank()) {
                    pairs.add(new String[] {name, value.strip()});
                }
            }
        }
        return pairs;
    }

    private static List<ActiveFilter> active(List<String[]> pairs) {
        List<ActiveFilter> active = new ArrayList<>();
        for (String[] pair : pairs) {
            List<String[]> rest = pairs.stream().filter(p -> p != pair).toList();
            active.add(new ActiveFilter(pair[0], pair[1], link(rest)));
        }
        return active;
    }

    private static List<String[]> withToken(List<String[]> pairs, Integer maxResults, String token) {
        List<String[]> all = new ArrayList<>(pairs);
        if (maxResults != null) {
            all.add(new String[] {"max_results", maxResults.toString()});
        }
        if (token != null) {
            all.add(new String[] {"page_token", token});
        }
        return all;
    }

    static String link(List<String[]> pairs) {
        StringBuilder link = new StringBuilder("/traces");
        for (int i = 0; i < pairs.size(); i++) {
            link.append(i == 0 ? '?' : '&').append(Urls.queryValue(pairs.get(i)[0])).append('=').append(Urls.queryValue(pairs.get(i)[1]));
        }
        return link.toString();
    }

    /**
     * The text fields of the form: one per value given (so that submitting it again keeps every filter) and one empty
     * field for another value of the repeatable ones.
     */
    private static Map<String, List<Field>> fields(Map<String, List<String>> params) {
        Map<String, List<Field>> fields = new java.util.LinkedHashMap<>();
        for (String name : List.of("from", "to", "tag", "has", "lacks", "assessment", "errored")) {
            List<String> values = params.getOrDefault(name, List.of()).stream().filter(v -> v != null && !v.isBlank()).distinct().toList();
            List<Field> each = new ArrayList<>();
            for (String value : values) {
                each.add(new Field(name, "filter-" + name + "-" + each.size(), value.strip()));
            }
            boolean single = name.equals("from") || name.equals("to");
            if (each.isEmpty() || !single) {
                each.add(new Field(name, "filter-" + name + "-" + each.size(), ""));
            }
            fields.put(name, each);
        }
        return fields;
    }

    /** The values of a select (state, source): one select per value given, or one choosing nothing. */
    private static List<Field> selected(Map<String, List<String>> params, String name) {
        List<String> values = params.getOrDefault(name, List.of()).stream().filter(v -> v != null && !v.isBlank())
                .map(v -> v.strip().toUpperCase(Locale.ROOT)).distinct().toList();
        List<Field> fields = new ArrayList<>();
        for (String value : values.isEmpty() ? List.of("") : values) {
            fields.add(new Field(name, "filter-" + name + "-" + fields.size(), value));
        }
        return fields;
    }

    static Row row(TraceView trace) {
        List<Chip> values = new ArrayList<>();
        List<Chip> errors = new ArrayList<>();
        for (AssessmentView a : trace.assessments() == null ? List.<AssessmentView>of() : trace.assessments()) {
            if (Boolean.FALSE.equals(a.valid())) {
                continue;
            }
            String source = a.source() == null ? "" : a.source().sourceType();
            AssessmentView.ErrorView error = a.feedback() == null ? null : a.feedback().error();
            if (error != null) {
                errors.add(new Chip(a.assessmentName(), error.errorCode(), "error", source));
                continue;
            }
            JsonNode value = a.feedback() != null ? a.feedback().value()
                    : a.expectation().value() != null ? a.expectation().value()
                    : a.expectation().serializedValue() == null ? null : dev.tribunal.system.Json.read(a.expectation().serializedValue().value());
            values.add(new Chip(a.assessmentName(), cut(valueText(value), CHIP_LENGTH), kind(value), source));
        }
        Comparator<Chip> byName = Comparator.comparing(Chip::name).thenComparing(Chip::text);
        return new Row(trace.traceId(), "/traces/" + URLEncoder.encode(trace.traceId(), StandardCharsets.UTF_8).replace("+", "%20"),
                trace.requestTime() == null ? "" : TIME.format(trace.requestTime()),
                trace.requestTime() == null ? "" : trace.requestTime().toString(),
                trace.state() == null ? "" : trace.state().name(),
                line(trace.inputs(), trace.truncated(), "inputs"), line(trace.outputs(), trace.truncated(), "outputs"),
                values.stream().distinct().sorted(byName).toList(), errors.stream().distinct().sorted(byName).toList());
    }

    static String kind(JsonNode value) {
        if (value == null || value.isNull()) {
            return "other";
        }
        if (value.isNumber()) {
            return "number";
        }
        String text = value.isValueNode() ? value.asText().strip().toLowerCase(Locale.ROOT) : "";
        return PASS.contains(text) ? "pass" : FAIL.contains(text) ? "fail" : "other";
    }

    private static String valueText(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return "(none)";
        }
        return value.isValueNode() ? value.asText() : value.toString();
    }

    /** The first line of a request or response: the first text in it (a question, a message), else its JSON. */
    static String line(JsonNode value, List<String> truncated, String field) {
        if (truncated != null && truncated.contains(field)) {
            return "(too large to show here)";
        }
        if (value == null || value.isNull() || value.isMissingNode()) {
            return "";
        }
        String text = firstText(value);
        if (text == null) {
            text = value.toString();
        }
        String stripped = text.strip();
        int newline = stripped.indexOf('\n');
        return cut(newline < 0 ? stripped : stripped.substring(0, newline).strip(), LINE_LENGTH);
    }

    private static String firstText(JsonNode value) {
        if (value.isTextual()) {
            return value.textValue().isBlank() ? null : value.textValue();
        }
        for (JsonNode child : value) {
            String text = firstText(child);
            if (text != null) {
                return text;
            }
        }
        return null;
    }

    static String cut(String text, int length) {
        return text.codePointCount(0, text.length()) <= length ? text
                : text.substring(0, text.offsetByCodePoints(0, length - 1)) + "…";
    }
}
