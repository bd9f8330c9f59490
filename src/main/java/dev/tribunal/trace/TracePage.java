package dev.tribunal.trace;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tribunal.assessment.AssessmentView;
import dev.tribunal.security.Roles;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.RestPath;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A trace as a person reads it, at {@code /traces/{trace_id}}: the request and the response, the spans as a tree with
 * their type and timing, and every assessment with its source, value or error, rationale, validity and run. The pages
 * link here; the JSON stays at {@code /api/traces/{trace_id}}.
 */
@Path("/traces")
@RolesAllowed(Roles.READ)
public class TracePage {

    private final TraceService traces;
    private final Template page;
    private final io.quarkus.security.identity.SecurityIdentity identity;

    TracePage(TraceService traces, @Location("trace/page.html") Template page, io.quarkus.security.identity.SecurityIdentity identity) {
        this.identity = identity;
        this.traces = traces;
        this.page = page;
    }

    /** A span and the spans under it, with its times relative to the trace's start. */
    public record SpanNode(TraceView.SpanView span, String offset, String duration, String inputs, String outputs, String attributes,
                           List<SpanNode> children) {
    }

    /** An assessment as a row: what it says, who said it, and whether it still counts. */
    public record AssessmentRow(AssessmentView assessment, String kind, String value, String error, String runLink) {
    }

    @GET
    @Path("/{trace_id}")
    @Produces(MediaType.TEXT_HTML)
    public Uni<String> show(@RestPath("trace_id") String traceId) {
        return traces.get(traceId).map(trace -> page
                .data("viewer", dev.tribunal.security.Viewer.of(identity))
                .data("trace", trace)
                .data("inputs", text(trace.inputs()))
                .data("outputs", text(trace.outputs()))
                .data("spans", tree(trace))
                .data("spanCount", trace.spans() == null ? 0 : trace.spans().size())
                .data("assessments", rows(trace.assessments()))
                .data("json", "/api/traces/" + URLEncoder.encode(traceId, StandardCharsets.UTF_8).replace("+", "%20"))
                .render());
    }

    static List<SpanNode> tree(TraceView trace) {
        List<TraceView.SpanView> spans = trace.spans() == null ? List.of() : trace.spans();
        Instant start = spans.stream().map(TraceView.SpanView::startTime).filter(java.util.Objects::nonNull).min(Comparator.naturalOrder())
                .orElse(trace.requestTime());
        Set<String> ids = new HashSet<>();
        spans.forEach(s -> ids.add(s.spanId()));
        Map<String, List<TraceView.SpanView>> children = new HashMap<>();
        List<TraceView.SpanView> roots = new ArrayList<>();
        for (TraceView.SpanView span : spans) {
            if (span.parentSpanId() == null || !ids.contains(span.parentSpanId()) || span.parentSpanId().equals(span.spanId())) {
                roots.add(span);
            } else {
                children.computeIfAbsent(span.parentSpanId(), k -> new ArrayList<>()).add(span);
            }
        }
        List<SpanNode> tree = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (TraceView.SpanView root : roots) {
            tree.add(node(root, start, children, seen));
        }
        return tree;
    }

    private static SpanNode node(TraceView.SpanView span, Instant start, Map<String, List<TraceView.SpanView>> children, Set<String> seen) {
        seen.add(span.spanId());
        List<SpanNode> under = new ArrayList<>();
        for (TraceView.SpanView child : children.getOrDefault(span.spanId(), List.of())) {
            // a parent chain that loops is shown once, not followed forever
            if (!seen.contains(child.spanId())) {
                under.add(node(child, start, children, seen));
            }
        }
        String offset = start == null || span.startTime() == null ? "–" : "+" + Duration.between(start, span.startTime()).toMillis() + " ms";
        String duration = span.startTime() == null || span.endTime() == null ? "–"
                : Duration.between(span.startTime(), span.endTime()).toMillis() + " ms";
        return new SpanNode(span, offset, duration, text(span.inputs()), text(span.outputs()),
                span.attributes() == null || span.attributes().isEmpty() ? "" : span.attributes().toPrettyString(), under);
    }

    static List<AssessmentRow> rows(List<AssessmentView> assessments) {
        List<AssessmentRow> rows = new ArrayList<>();
        for (AssessmentView a : assessments == null ? List.<AssessmentView>of() : assessments) {
            String kind = a.feedback() != null ? "feedback" : "expectation";
            JsonNode value = a.feedback() != null ? a.feedback().value()
                    : a.expectation().value() != null ? a.expectation().value() : dev.tribunal.system.Json.read(a.expectation().serializedValue().value());
            AssessmentView.ErrorView error = a.feedback() == null ? null : a.feedback().error();
            rows.add(new AssessmentRow(a, kind, value == null || value.isNull() ? "" : text(value),
                    error == null ? null : error.errorCode() + (error.errorMessage() == null ? "" : ": " + error.errorMessage()),
                    a.runId() == null ? null : "/api/judge-runs/" + URLEncoder.encode(a.runId(), StandardCharsets.UTF_8)));
        }
        return rows;
    }

    /** Text as it is; anything else as indented JSON. */
    static String text(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return "";
        }
        return value.isTextual() ? value.textValue() : value.toPrettyString();
    }
}
