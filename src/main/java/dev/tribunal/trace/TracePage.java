package dev.tribunal.trace;

import dev.tribunal.system.Urls;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tribunal.assessment.AssessmentService;
import dev.tribunal.assessment.AssessmentView;
import dev.tribunal.judge.HumanLabels;
import dev.tribunal.judge.JudgeCatalog;
import dev.tribunal.judge.JudgeDefinition;
import dev.tribunal.judge.JudgeRunner;
import dev.tribunal.security.Caller;
import dev.tribunal.security.Csrf;
import dev.tribunal.security.Roles;
import dev.tribunal.system.FormBody;
import dev.tribunal.system.InvalidRequestException;
import dev.tribunal.system.Redirects;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A trace as a person reads it, at {@code /traces/{trace_id}}: the request and the response, its expectations, the spans
 * as a tree with their type and a bar of their timing, and every feedback with its source, value or error, rationale,
 * run, judge version, validity and what overrides what. People with the annotate role label it and override a judge's
 * verdict there; people with the judge role judge it again. The pages link here; the JSON stays at
 * {@code /api/traces/{trace_id}}.
 */
@Path("/traces")
@RolesAllowed(Roles.READ)
public class TracePage {

    private final TraceService traces;
    private final AssessmentService assessments;
    private final dev.tribunal.assessment.KnownRuns runs;
    private final JudgeCatalog judges;
    private final Template page;
    private final io.quarkus.security.identity.SecurityIdentity identity;

    TracePage(TraceService traces, AssessmentService assessments, dev.tribunal.assessment.KnownRuns runs, JudgeCatalog judges,
              @Location("trace/page.html") Template page, io.quarkus.security.identity.SecurityIdentity identity) {
        this.identity = identity;
        this.traces = traces;
        this.assessments = assessments;
        this.runs = runs;
        this.judges = judges;
        this.page = page;
    }

    /**
     * A span and the spans under it, with its times relative to the trace's start, and where its bar starts and how
     * long it is, in thousandths of the trace's whole time.
     */
    public record SpanNode(TraceView.SpanView span, String offset, String duration, String inputs, String outputs, String attributes,
                           List<SpanNode> children, Bar bar) {
    }

    /** A span's timing bar: where it starts ({@code x}) and its {@code width}, in thousandths of the trace's time (at least one, to stay visible). */
    public record Bar(long x, long width, String label) {
    }

    /**
     * An assessment as a row: what it says, who said it, and whether it still counts.
     *
     * @param runLink the judge run's page, when the run is one of Tribunal's (else the run id is an MLflow run's)
     * @param overriddenBy the assessments on this trace that override this one
     * @param overrides the assessment this one overrides, when it does
     */
    public record AssessmentRow(AssessmentView assessment, String kind, String value, String error, String runLink,
                                String judgeVersion, List<Link> overriddenBy, Link overrides, List<String> choices, boolean overridable) {
    }

    /** Another assessment of the trace, by its id (the row's anchor) and who made it. */
    public record Link(String assessmentId, String by) {
    }

    /** A judged name of the trace that a person may label, with the labels its judge chooses from (none: free text). */
    public record LabelTarget(String name, int index, List<String> choices) {
    }

    /** A loaded judge, as a re-judge checkbox. */
    public record JudgeChoice(String name, String description, String model, int index) {
    }

    /** What the page says after an action. */
    private static final Map<String, String> DONE = Map.of(
            "label", "Label saved.",
            "override", "Override saved: the judge's verdict it replaces is no longer valid.");

    @GET
    @Path("/{trace_id}")
    @Produces(MediaType.TEXT_HTML)
    public Uni<String> show(@RestPath("trace_id") String traceId, @RestQuery("done") String done) {
        return traces.get(traceId).chain(trace -> runs.existing(runIds(trace.assessments())).map(known -> {
            List<AssessmentRow> rows = rows(trace.assessments(), known, this::choices);
            List<AssessmentRow> feedback = rows.stream().filter(r -> r.kind().equals("feedback")).toList();
            List<AssessmentRow> expectations = rows.stream().filter(r -> r.kind().equals("expectation")).toList();
            return page
                    .data("viewer", dev.tribunal.security.Viewer.of(identity))
                    .data("trace", trace)
                    .data("inputs", text(trace.inputs()))
                    .data("outputs", text(trace.outputs()))
                    .data("spans", tree(trace))
                    .data("spanCount", trace.spans() == null ? 0 : trace.spans().size())
                    .data("assessments", feedback)
                    .data("expectations", expectations)
                    .data("labelTargets", labelTargets(feedback))
                    .data("judges", judgeChoices())
                    .data("done", done == null ? null : DONE.get(done))
                    .data("json", "/api/traces/" + Urls.encode(traceId))
                    .data("path", "/traces/" + Urls.encode(traceId))
                    .render();
        }));
    }

    /**
     * A person's label of a judged name of this trace: HUMAN feedback in the signed-in key's name, typed as the judge of
     * that name answers. Then back to the trace.
     */
    @POST
    @RolesAllowed(Roles.ANNOTATE)
    @Path("/{trace_id}/label")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> label(@RestPath("trace_id") String traceId, byte[] body) {
        FormBody form = dev.tribunal.security.Csrf.form(identity, body);
        String name = required(form, "name", "the judged name to label");
        String value = required(form, "value", "the label");
        return saveHuman(traceId, name, value, form.get("rationale"), null)
                .map(saved -> Redirects.seeOther("/traces/" + Urls.encode(traceId) + "?done=label").build());
    }

    /**
     * A person's verdict in place of a judge's: HUMAN feedback of the same name that overrides the chosen LLM_JUDGE
     * assessment, which then stays, no longer valid. Then back to the trace.
     */
    @POST
    @RolesAllowed(Roles.ANNOTATE)
    @Path("/{trace_id}/override")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> override(@RestPath("trace_id") String traceId, byte[] body) {
        FormBody form = dev.tribunal.security.Csrf.form(identity, body);
        String overridden = required(form, "assessment_id", "the judge's assessment to override");
        String value = required(form, "value", "the value that replaces the judge's");
        return assessments.get(traceId, overridden)
                .invoke(judged -> InvalidRequestException.require(judged.source() != null && "LLM_JUDGE".equals(judged.source().sourceType()),
                        "Assessment '" + overridden + "' is not a judge's (LLM_JUDGE) verdict; label the trace instead"))
                .chain(judged -> saveHuman(traceId, judged.assessmentName(), value, form.get("rationale"), overridden))
                .map(saved -> Redirects.seeOther("/traces/" + Urls.encode(traceId) + "?done=override").build());
    }

    private Uni<AssessmentView> saveHuman(String traceId, String name, String value, String rationale, String overrides) {
        return assessments.label(traceId, name, HumanLabels.typed(judges.find(name).orElse(null), value.strip()), rationale, overrides,
                Caller.of(identity));
    }

    private static String required(FormBody form, String field, String what) {
        String value = form.get(field);
        InvalidRequestException.require(value != null && !value.isBlank(), field + " is required: " + what);
        return value;
    }

    private List<String> choices(String name) {
        return HumanLabels.choices(judges.find(name).orElse(null));
    }

    private List<JudgeDefinition> sortedJudges() {
        return judges.all().stream().sorted(Comparator.comparing(JudgeDefinition::name)).toList();
    }

    private List<JudgeChoice> judgeChoices() {
        List<JudgeChoice> choices = new ArrayList<>();
        for (JudgeDefinition judge : sortedJudges()) {
            choices.add(new JudgeChoice(judge.name(), judge.description(), judge.model() == null ? judge.kind().name().toLowerCase()
                    : judge.model().toString(), choices.size()));
        }
        return choices;
    }

    /** The judged names (those a judge gave feedback on), each once, in the order they first appear. */
    private List<LabelTarget> labelTargets(List<AssessmentRow> feedback) {
        Set<String> names = new java.util.LinkedHashSet<>();
        for (AssessmentRow row : feedback) {
            String type = row.assessment().source() == null ? null : row.assessment().source().sourceType();
            if ("LLM_JUDGE".equals(type) || "CODE".equals(type)) {
                names.add(row.assessment().assessmentName());
            }
        }
        List<LabelTarget> targets = new ArrayList<>();
        for (String name : names) {
            targets.add(new LabelTarget(name, targets.size(), choices(name)));
        }
        return targets;
    }

    private static Set<String> runIds(List<AssessmentView> assessments) {
        Set<String> ids = new HashSet<>();
        (assessments == null ? List.<AssessmentView>of() : assessments).forEach(a -> {
            if (a.runId() != null) {
                ids.add(a.runId());
            }
        });
        return ids;
    }

    static List<SpanNode> tree(TraceView trace) {
        List<TraceView.SpanView> spans = trace.spans() == null ? List.of() : trace.spans();
        Instant start = spans.stream().map(TraceView.SpanView::startTime).filter(java.util.Objects::nonNull).min(Comparator.naturalOrder())
                .orElse(trace.requestTime());
        Instant end = spans.stream().map(TraceView.SpanView::endTime).filter(java.util.Objects::nonNull).max(Comparator.naturalOrder())
                .orElse(null);
        // the bars' scale: the spans' whole time, or the trace's recorded duration when that is longer
        long total = start == null || end == null ? 0 : Math.max(0, Duration.between(start, end).toMillis());
        if (trace.executionDurationMs() != null) {
            total = Math.max(total, trace.executionDurationMs());
        }
        Timeline timeline = new Timeline(start, total);
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
            tree.add(node(root, timeline, children, seen));
        }
        return tree;
    }

    /** Where the trace starts and how long it lasts, in milliseconds: the scale of the spans' bars. */
    private record Timeline(Instant start, long totalMs) {

        Bar bar(TraceView.SpanView span) {
            if (start == null || span.startTime() == null || span.endTime() == null || totalMs <= 0) {
                return null;
            }
            long offset = Math.max(0, Duration.between(start, span.startTime()).toMillis());
            long duration = Math.max(0, Duration.between(span.startTime(), span.endTime()).toMillis());
            long from = Math.min(999, offset * 1000 / totalMs);
            long length = Math.max(1, Math.min(1000 - from, duration * 1000 / totalMs));
            return new Bar(from, length, "starts at " + offset + " ms, lasts " + duration + " ms of " + totalMs + " ms");
        }
    }

    private static SpanNode node(TraceView.SpanView span, Timeline timeline, Map<String, List<TraceView.SpanView>> children, Set<String> seen) {
        Instant start = timeline.start();
        seen.add(span.spanId());
        List<SpanNode> under = new ArrayList<>();
        for (TraceView.SpanView child : children.getOrDefault(span.spanId(), List.of())) {
            // a parent chain that loops is shown once, not followed forever
            if (!seen.contains(child.spanId())) {
                under.add(node(child, timeline, children, seen));
            }
        }
        String offset = start == null || span.startTime() == null ? "–" : "+" + Duration.between(start, span.startTime()).toMillis() + " ms";
        String duration = span.startTime() == null || span.endTime() == null ? "–"
                : Duration.between(span.startTime(), span.endTime()).toMillis() + " ms";
        return new SpanNode(span, offset, duration, text(span.inputs()), text(span.outputs()),
                span.attributes() == null || span.attributes().isEmpty() ? "" : span.attributes().toPrettyString(), under, timeline.bar(span));
    }

    static List<AssessmentRow> rows(List<AssessmentView> assessments, Set<String> judgeRuns,
                                    java.util.function.Function<String, List<String>> choices) {
        List<AssessmentView> all = assessments == null ? List.of() : assessments;
        Map<String, Link> links = new HashMap<>();
        Map<String, List<Link>> overriddenBy = new HashMap<>();
        for (AssessmentView a : all) {
            links.put(a.assessmentId(), new Link(a.assessmentId(), a.source() == null ? a.assessmentId()
                    : a.source().sourceId() == null ? a.source().sourceType() : a.source().sourceId() + " (" + a.source().sourceType() + ")"));
        }
        for (AssessmentView a : all) {
            if (a.overrides() != null) {
                overriddenBy.computeIfAbsent(a.overrides(), k -> new ArrayList<>()).add(links.get(a.assessmentId()));
            }
        }
        List<AssessmentRow> rows = new ArrayList<>();
        for (AssessmentView a : all) {
            String kind = a.feedback() != null ? "feedback" : "expectation";
            JsonNode value = a.feedback() != null ? a.feedback().value()
                    : a.expectation().value() != null ? a.expectation().value()
                    // an expectation logged without a value (a withdrawn one) has neither
                    : a.expectation().serializedValue() == null ? null : dev.tribunal.system.Json.read(a.expectation().serializedValue().value());
            AssessmentView.ErrorView error = a.feedback() == null ? null : a.feedback().error();
            boolean judged = a.feedback() != null && a.source() != null && "LLM_JUDGE".equals(a.source().sourceType());
            rows.add(new AssessmentRow(a, kind, value == null || value.isNull() ? "" : text(value),
                    error == null ? null : error.errorCode() + (error.errorMessage() == null ? "" : ": " + error.errorMessage()),
                    a.runId() == null || !judgeRuns.contains(a.runId()) ? null : "/runs/" + URLEncoder.encode(a.runId(), StandardCharsets.UTF_8),
                    a.metadata() == null ? null : a.metadata().get(JudgeRunner.VERSION_KEY),
                    overriddenBy.getOrDefault(a.assessmentId(), List.of()),
                    a.overrides() == null ? null : links.getOrDefault(a.overrides(), new Link(a.overrides(), a.overrides())),
                    judged ? choices.apply(a.assessmentName()) : List.of(),
                    judged && Boolean.TRUE.equals(a.valid())));
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
