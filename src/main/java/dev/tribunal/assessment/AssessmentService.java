package dev.tribunal.assessment;

import dev.tribunal.security.Caller;
import dev.tribunal.system.PermissionDeniedException;
import dev.tribunal.assessment.AssessmentView.FeedbackView;
import dev.tribunal.system.ApiConfig;
import dev.tribunal.system.InvalidRequestException;
import dev.tribunal.system.LeftOut;
import dev.tribunal.system.PageReader;
import dev.tribunal.system.Json;
import dev.tribunal.system.Page;
import dev.tribunal.system.PageToken;
import dev.tribunal.system.ResourceNotFoundException;
import dev.tribunal.system.Rows;
import dev.tribunal.system.Times;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.quarkus.hibernate.reactive.panache.common.WithTransaction;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** MLflow's assessment semantics: create (with overrides), get, update by field mask, delete. */
@ApplicationScoped
public class AssessmentService {

    /** Field-mask paths that PATCH may change. */
    private static final Set<String> MUTABLE = Set.of("assessment_name", "feedback", "expectation", "rationale", "metadata");
    /** Paths that exist but are fixed once written. */
    private static final Set<String> IMMUTABLE = Set.of("assessment_id", "trace_id", "source", "span_id", "create_time",
            "last_update_time", "overrides", "valid", "run_id");

    private static final org.jboss.logging.Logger LOG = org.jboss.logging.Logger.getLogger(AssessmentService.class);

    private final AssessmentRepository assessments;
    private final KnownTraces traces;
    private final KnownRuns runs;
    private final ApiConfig api;
    private final RunResults runResults;

    AssessmentService(AssessmentRepository assessments, KnownTraces traces, KnownRuns runs, ApiConfig api, RunResults runResults) {
        this.runs = runs;
        this.assessments = assessments;
        this.traces = traces;
        this.api = api;
        this.runResults = runResults;
    }

    /**
     * A person's label from a page: HUMAN feedback of {@code name} in the caller's name, optionally overriding another
     * assessment (which then stops counting), with the rationale they gave, if any.
     */
    public Uni<AssessmentView> label(String traceId, String name, com.fasterxml.jackson.databind.JsonNode value, String rationale,
                                     String overrides, Caller caller) {
        AssessmentView feedback = new AssessmentView(null, name, traceId, null, new AssessmentView.SourceView("HUMAN", caller.name()), null, null,
                new AssessmentView.FeedbackView(value, null), null, rationale == null || rationale.isBlank() ? null : rationale.strip(), null, null,
                overrides == null || overrides.isBlank() ? null : overrides, null, null, null);
        return create(traceId, feedback, caller);
    }

    /** Logs an assessment; when it overrides another, that one becomes invalid in the same transaction. */
    @WithTransaction
    public Uni<AssessmentView> create(String traceId, AssessmentView view, Caller caller) {
        return Uni.createFrom().item(() -> AssessmentFactory.fromView(traceId, view, caller))
                .call(() -> requireTrace(traceId))
                .call(this::requireNotARunsId)
                .call(assessment -> invalidateOverridden(assessment, caller))
                .call(assessments::persist)
                .map(AssessmentView::of);
    }

    /**
     * Expectations sent with new traces (see {@link AssessmentFactory#expectation}), written in the caller's
     * transaction: a batch of traces is stored whole or not at all.
     */
    public Uni<Void> persistExpectations(List<Assessment> expectations) {
        return Rows.persistAll(expectations);
    }

    @WithSession
    public Uni<AssessmentView> get(String traceId, String assessmentId) {
        return requireAssessment(traceId, assessmentId)
                .map(AssessmentView::of);
    }

    /** Changes the fields named by the mask (all present mutable fields when there is no mask). */
    @WithTransaction
    public Uni<AssessmentView> update(String traceId, String assessmentId, AssessmentView changes, String updateMask, Caller caller) {
        InvalidRequestException.require(changes != null, "The body must hold an 'assessment' object");
        Set<String> paths = updateMask == null || updateMask.isBlank() ? presentFields(changes) : parseMask(updateMask);
        return requireAssessment(traceId, assessmentId)
                .invoke(assessment -> {
                    requireOwnLabel(assessment, caller, "change");
                    RunResults.requireAdmin(assessment, caller, "change");
                    AssessmentFactory.requireRoleFor(assessment.kind, assessment.sourceType, caller, "change");
                    runResults.checkChange(assessment, changes, paths);
                })
                .invoke(assessment -> {
                    // who wrote it and who changed it are Tribunal's to record, not the client's
                    String loggedBy = Json.readStringMap(assessment.metadataJson).get(AssessmentFactory.LOGGED_BY_KEY);
                    applyUpdate(assessment, changes, paths);
                    if (assessment.isRunResult() && paths.contains("feedback")) {
                        assessment.valueJson = Json.write(runResults.value(assessment, changes.feedback().value()));
                    }
                    Map<String, String> metadata = new LinkedHashMap<>(Json.readStringMap(assessment.metadataJson));
                    metadata.remove(AssessmentFactory.LOGGED_BY_KEY);
                    if (loggedBy != null) {
                        metadata.put(AssessmentFactory.LOGGED_BY_KEY, loggedBy);
                    }
                    metadata.put(AssessmentFactory.UPDATED_BY_KEY, caller.name());
                    assessment.metadataJson = Json.write(metadata);
                })
                .map(AssessmentView::of);
    }

    /**
     * Deletes an assessment (a missing one is a no-op on an existing trace). The assessment it
     * overrode is valid again unless another assessment still overrides it.
     */
    @WithTransaction
    public Uni<Void> delete(String traceId, String assessmentId, Caller caller) {
        return requireTrace(traceId)
                .chain(() -> assessments.findOnTrace(traceId, assessmentId))
                .invoke(assessment -> {
                    if (assessment != null) {
                        requireOwnLabel(assessment, caller, "delete");
                        RunResults.requireAdmin(assessment, caller, "delete");
                        AssessmentFactory.requireRoleFor(assessment.kind, assessment.sourceType, caller, "delete");
                    }
                })
                .chain(assessment -> assessment == null ? Uni.createFrom().voidItem() : deleteAndRestore(assessment)
                        .invoke(() -> LOG.infof("Assessment %s (%s) of trace %s deleted by %s", assessment.id, assessment.name, traceId,
                                caller.name())));
    }

    /** A person's label is theirs: another key may change or delete it only with the admin role. */
    private static void requireOwnLabel(Assessment assessment, Caller caller, String action) {
        PermissionDeniedException.require(assessment.sourceType != AssessmentSourceType.HUMAN || !caller.authenticated() || caller.admin()
                        || caller.name().equals(assessment.sourceId),
                "Only '" + assessment.sourceId + "' (or an admin) may " + action + " this HUMAN assessment; this key is '" + caller.name() + "'");
    }

    /** A page of {@code GET /api/assessments}: at most {@code maxResults} rows and tribunal.api.max-answer-bytes. */
    public Uni<Page<AssessmentView>> search(AssessmentQuery query, Integer maxResults) {
        int limit = PageToken.maxResults(maxResults);
        return assessments.candidates(query, limit)
                .chain(candidates -> PageReader.read(candidates, limit, api.maxAnswerBytes().asLongValue(), views()));
    }

    /** A page of one trace's assessments, oldest first, within {@code allowance} bytes (one assessment at least). */
    public Uni<Page<AssessmentView>> ofTrace(String traceId, PageToken after, int maxResults, long allowance) {
        return assessments.candidatesOfTrace(traceId, after, maxResults, false)
                .chain(candidates -> PageReader.read(candidates, maxResults, allowance, views()));
    }

    /**
     * The first of a trace's assessments, oldest first, that fit whole in {@code allowance} bytes: for an answer that
     * shows the trace with them. Maybe none; the page's token leads to the rest.
     */
    public Uni<Page<AssessmentView>> firstOfTrace(String traceId, int maxResults, long allowance) {
        return firstOfTrace(traceId, maxResults, allowance, false);
    }

    /** The same, with a sweep's challengers' assessments when {@code includeChallengers}. */
    public Uni<Page<AssessmentView>> firstOfTrace(String traceId, int maxResults, long allowance, boolean includeChallengers) {
        return assessments.candidatesOfTrace(traceId, null, maxResults, includeChallengers)
                .chain(candidates -> PageReader.readWhole(candidates, maxResults, allowance, views()));
    }

    /** What the assessments of each trace add to an answer that lists the trace with them (none: absent). */
    public Uni<Map<String, Long>> bytesByTrace(List<String> traceIds) {
        return traceIds.isEmpty() ? Uni.createFrom().item(Map.of()) : assessments.bytesByTrace(traceIds);
    }

    /** Every assessment of these traces, oldest first, by trace: for traces whose {@link #bytesByTrace} fit an answer. */
    public Uni<Map<String, List<AssessmentView>>> ofTraces(List<String> traceIds) {
        return assessments.forTraces(traceIds)
                .map(found -> found.stream().collect(Collectors.groupingBy(a -> a.traceId, LinkedHashMap::new,
                        Collectors.mapping(AssessmentView::of, Collectors.toList()))));
    }

    private PageReader.Rows<AssessmentView> views() {
        return new PageReader.Rows<>() {
            @Override
            public Uni<List<AssessmentView>> load(List<String> ids, LeftOut leftOut) {
                return assessments.load(ids, leftOut)
                        .map(found -> found.stream().map(a -> AssessmentView.of(a, leftOut.truncated())).toList());
            }

            @Override
            public Uni<Map<String, Long>> fieldBytes(String id) {
                return assessments.fieldBytes(id);
            }
        };
    }

    private Uni<Void> deleteAndRestore(Assessment assessment) {
        Uni<Void> deleted = assessments.delete(assessment).chain(() -> assessments.flush());
        if (assessment.overrides == null) {
            return deleted;
        }
        return deleted
                .chain(() -> assessments.isOverriddenByAnother(assessment.overrides, assessment.id))
                .chain(stillOverridden -> stillOverridden
                        ? Uni.createFrom().voidItem()
                        : assessments.findOnTrace(assessment.traceId, assessment.overrides)
                                .invoke(overridden -> {
                                    if (overridden != null) {
                                        overridden.valid = true;
                                    }
                                })
                                .replaceWithVoid());
    }

    private Uni<Void> invalidateOverridden(Assessment assessment, Caller caller) {
        if (assessment.overrides == null) {
            return Uni.createFrom().voidItem();
        }
        return assessments.findOnTrace(assessment.traceId, assessment.overrides)
                .onItem().ifNull().failWith(() -> new ResourceNotFoundException(
                        "Assessment '" + assessment.overrides + "' named by 'overrides' does not exist on trace " + assessment.traceId))
                .invoke(overridden -> requireOwnLabel(overridden, caller, "override"))
                .invoke(overridden -> RunResults.requireMayOverride(overridden, assessment, caller))
                .invoke(overridden -> overridden.valid = false)
                .replaceWithVoid();
    }

    /** A run's results are written by the run: no client logs one in its name. */
    private Uni<Void> requireNotARunsId(Assessment assessment) {
        if (assessment.mlflowRunId == null) {
            return Uni.createFrom().voidItem();
        }
        return runs.exists(assessment.mlflowRunId)
                .invoke(exists -> InvalidRequestException.require(!exists, "run_id '" + assessment.mlflowRunId
                        + "' names one of Tribunal's judge runs; its results are written by the run itself"))
                .replaceWithVoid();
    }

    private Uni<Void> requireTrace(String traceId) {
        return traces.exists(traceId)
                .invoke(exists -> {
                    if (!exists) {
                        throw new ResourceNotFoundException("Trace '" + traceId + "' does not exist");
                    }
                })
                .replaceWithVoid();
    }

    private Uni<Assessment> requireAssessment(String traceId, String assessmentId) {
        return requireTrace(traceId)
                .chain(() -> assessments.findOnTrace(traceId, assessmentId))
                .onItem().ifNull().failWith(() -> new ResourceNotFoundException(
                        "Assessment '" + assessmentId + "' does not exist on trace " + traceId));
    }

    private static void applyUpdate(Assessment assessment, AssessmentView changes, Set<String> paths) {
        InvalidRequestException.require(!(paths.contains("feedback") && paths.contains("expectation")),
                "update_mask cannot name both feedback and expectation");
        for (String path : paths) {
            switch (path) {
                case "assessment_name" -> assessment.name = AssessmentFactory.name(changes.assessmentName(), assessment.kind);
                case "feedback" -> {
                    InvalidRequestException.require(assessment.kind == AssessmentKind.FEEDBACK,
                            "Assessment " + assessment.id + " is an expectation; it cannot become a feedback");
                    FeedbackView feedback = changes.feedback();
                    InvalidRequestException.require(feedback != null, "update_mask names 'feedback' but the body has no feedback");
                    AssessmentFactory.applyFeedback(assessment, feedback, changes.error());
                }
                case "expectation" -> {
                    InvalidRequestException.require(assessment.kind == AssessmentKind.EXPECTATION,
                            "Assessment " + assessment.id + " is a feedback; it cannot become an expectation");
                    InvalidRequestException.require(changes.expectation() != null,
                            "update_mask names 'expectation' but the body has no expectation");
                    AssessmentFactory.applyExpectation(assessment, changes.expectation());
                }
                case "rationale" -> assessment.rationale = changes.rationale();
                case "metadata" -> {
                    Map<String, String> merged = new LinkedHashMap<>(Json.readStringMap(assessment.metadataJson));
                    merged.putAll(AssessmentFactory.metadata(changes.metadata()));
                    assessment.metadataJson = Json.write(merged);
                }
                default -> throw new IllegalStateException("unchecked path " + path);
            }
        }
        assessment.lastUpdateTime = Times.now();
    }

    /** MLflow sends lowerCamelCase paths on the wire and reads snake_case ones; both are accepted. */
    static Set<String> parseMask(String mask) {
        Set<String> paths = new LinkedHashSet<>();
        for (String raw : mask.split(",")) {
            String path = raw.trim();
            if (path.isEmpty()) {
                continue;
            }
            String snake = path.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
            // sub-fields (feedback.value, expectation.serialized_value) update their whole value
            String top = snake.split("\\.", 2)[0];
            if (IMMUTABLE.contains(top)) {
                throw new InvalidRequestException("'" + path + "' cannot be changed after an assessment is logged; "
                        + "updatable fields are " + String.join(", ", sorted(MUTABLE)));
            }
            InvalidRequestException.require(MUTABLE.contains(top),
                    "Unknown update_mask path '" + path + "'; updatable fields are " + String.join(", ", sorted(MUTABLE)));
            paths.add(top);
        }
        InvalidRequestException.require(!paths.isEmpty(), "update_mask names no field");
        return paths;
    }

    private static Set<String> presentFields(AssessmentView changes) {
        Set<String> paths = new LinkedHashSet<>();
        if (changes.assessmentName() != null) {
            paths.add("assessment_name");
        }
        if (changes.feedback() != null) {
            paths.add("feedback");
        }
        if (changes.expectation() != null) {
            paths.add("expectation");
        }
        if (changes.rationale() != null) {
            paths.add("rationale");
        }
        if (changes.metadata() != null) {
            paths.add("metadata");
        }
        InvalidRequestException.require(!paths.isEmpty(), "Nothing to update: give an update_mask and the fields it names");
        return paths;
    }

    private static List<String> sorted(Set<String> set) {
        return Arrays.stream(set.toArray(String[]::new)).sorted().collect(Collectors.toList());
    }
}
