package dev.tribunal.assessment;

import dev.tribunal.security.Caller;
import dev.tribunal.system.PermissionDeniedException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.tribunal.assessment.AssessmentView.ErrorView;
import dev.tribunal.assessment.AssessmentView.ExpectationView;
import dev.tribunal.assessment.AssessmentView.FeedbackView;
import dev.tribunal.assessment.AssessmentView.SerializedValueView;
import dev.tribunal.system.Ids;
import dev.tribunal.system.InvalidRequestException;
import dev.tribunal.system.Json;
import dev.tribunal.system.Times;

import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * MLflow's rules for what an assessment may hold, applied to client JSON before anything is
 * written. Every broken rule is an {@link InvalidRequestException} naming the field.
 */
public final class AssessmentFactory {

    public static final int MAX_NAME_LENGTH = 250;
    public static final String DEFAULT_FEEDBACK_NAME = "feedback";
    /** MLflow keeps the id of the run that produced an assessment under this metadata key. */
    public static final String SOURCE_RUN_ID_KEY = "mlflow.assessment.sourceRunId";
    static final int MAX_RUN_ID_LENGTH = 64;

    private AssessmentFactory() {
    }

    /**
     * A new assessment on {@code traceId} from MLflow's JSON; {@code overrides} is kept as given
     * (the caller checks that it exists).
     */
    /** Metadata key: who wrote the assessment (the API key's name; {@code tribunal} for judge results). */
    public static final String LOGGED_BY_KEY = "tribunal.logged_by";
    /** Metadata key: who last changed it. */
    public static final String UPDATED_BY_KEY = "tribunal.updated_by";

    /**
     * The source an assessment is recorded with: a HUMAN one is in the caller's name (a missing source_id
     * becomes the caller's; another person's is refused), when the caller is authenticated.
     */
    public static AssessmentSource attributed(AssessmentSource source, Caller caller) {
        if (source.type() != AssessmentSourceType.HUMAN || !caller.authenticated()) {
            return source;
        }
        if (caller.client() && !AssessmentSource.DEFAULT_ID.equals(source.id())) {
            // an evaluation client logs what its data says people expect, in their names; the key stays in tribunal.logged_by
            return source;
        }
        PermissionDeniedException.require(AssessmentSource.DEFAULT_ID.equals(source.id()) || source.id().equals(caller.name()),
                "HUMAN assessments are recorded in the name of the key that writes them ('" + caller.name() + "'); source_id '"
                        + source.id() + "' names someone else");
        return new AssessmentSource(AssessmentSourceType.HUMAN, caller.name());
    }

    /**
     * Feedback from an LLM judge or from code is a judgment, evidence of what a judge says: logging, changing or
     * deleting one takes the {@code judge} role. People's assessments (HUMAN feedback) and expectations take
     * {@code annotate}; a reviewer overrides a judgment with HUMAN feedback rather than changing it (the judgment is
     * kept, no longer valid).
     */
    static void requireRoleFor(AssessmentKind kind, AssessmentSourceType source, Caller caller, String action) {
        if (kind == AssessmentKind.FEEDBACK && source != AssessmentSourceType.HUMAN) {
            PermissionDeniedException.require(caller.judge(), "Feedback from " + source + " sources is a judgment: to " + action
                    + " one, a key needs the judge role ('" + caller.name() + "' has not); reviewers log HUMAN feedback, or override the judgment");
        } else {
            PermissionDeniedException.require(caller.annotate(), "To " + action + " " + (kind == AssessmentKind.FEEDBACK ? "HUMAN feedback" : "an expectation")
                    + ", a key needs the annotate role ('" + caller.name() + "' has not)");
        }
    }

    public static Assessment fromView(String traceId, AssessmentView view, Caller caller) {
        InvalidRequestException.require(view != null, "The body must hold an 'assessment' object");
        InvalidRequestException.require(view.traceId() == null || view.traceId().isEmpty() || view.traceId().equals(traceId),
                "assessment.trace_id '" + view.traceId() + "' differs from the trace id in the path '" + traceId + "'");
        AssessmentKind kind = kindOf(view.feedback(), view.expectation());
        Assessment a = new Assessment();
        a.id = Ids.newAssessmentId();
        a.traceId = traceId;
        a.kind = kind;
        a.name = name(view.assessmentName(), kind);
        if (view.spanId() != null && !view.spanId().isEmpty()) {
            Ids.requireClientId(view.spanId(), "assessment.span_id");
            a.spanId = view.spanId();
        }
        AssessmentSource source = attributed(AssessmentSource.from(view.source(), AssessmentSource.defaultType(kind)), caller);
        requireRoleFor(kind, source.type(), caller, "log");
        a.sourceType = source.type();
        a.sourceId = source.id();
        if (kind == AssessmentKind.FEEDBACK) {
            applyFeedback(a, view.feedback(), view.error());
        } else {
            InvalidRequestException.require(view.error() == null, "An expectation cannot carry an error");
            applyExpectation(a, view.expectation());
        }
        a.rationale = view.rationale();
        Map<String, String> metadata = new LinkedHashMap<>(metadata(view.metadata()));
        metadata.put(LOGGED_BY_KEY, caller.name());
        metadata.remove(UPDATED_BY_KEY);
        a.metadataJson = Json.write(metadata);
        a.mlflowRunId = runId(view.runId() != null ? view.runId() : metadata.get(SOURCE_RUN_ID_KEY));
        a.overrides = view.overrides() == null || view.overrides().isEmpty() ? null : view.overrides();
        a.valid = true;
        Instant now = Times.now();
        // a client's clock may say when it judged, but never a time to come: the latest label must be the latest written
        a.createTime = view.createTime() == null || view.createTime().equals(Instant.EPOCH) || view.createTime().isAfter(now)
                ? now : Times.millis(view.createTime());
        a.lastUpdateTime = view.lastUpdateTime() == null || view.lastUpdateTime().equals(Instant.EPOCH)
                ? a.createTime : Times.millis(view.lastUpdateTime());
        return a;
    }

    /** An expectation logged with a trace at ingest time. */
    public static Assessment expectation(String traceId, String name, JsonNode value, AssessmentSource source, Instant at, Caller caller) {
        Assessment a = new Assessment();
        a.id = Ids.newAssessmentId();
        a.traceId = traceId;
        a.kind = AssessmentKind.EXPECTATION;
        a.name = name(name, AssessmentKind.EXPECTATION);
        InvalidRequestException.require(value != null && !value.isNull(), "expectation '" + name + "' has no value");
        a.valueJson = Json.write(value);
        AssessmentSource attributed = attributed(source, caller);
        a.sourceType = attributed.type();
        a.sourceId = attributed.id();
        a.metadataJson = Json.write(Map.of(LOGGED_BY_KEY, caller.name()));
        a.valid = true;
        a.createTime = at;
        a.lastUpdateTime = at;
        return a;
    }

    static AssessmentKind kindOf(FeedbackView feedback, ExpectationView expectation) {
        InvalidRequestException.require(feedback != null || expectation != null,
                "An assessment needs exactly one of 'feedback' or 'expectation'; it has neither");
        InvalidRequestException.require(feedback == null || expectation == null,
                "An assessment needs exactly one of 'feedback' or 'expectation'; it has both");
        return feedback != null ? AssessmentKind.FEEDBACK : AssessmentKind.EXPECTATION;
    }

    static String name(String name, AssessmentKind kind) {
        if (name == null || name.isBlank()) {
            InvalidRequestException.require(kind == AssessmentKind.FEEDBACK, "An expectation needs an assessment_name");
            return DEFAULT_FEEDBACK_NAME;
        }
        InvalidRequestException.require(name.length() <= MAX_NAME_LENGTH,
                "assessment_name is " + name.length() + " characters long; at most " + MAX_NAME_LENGTH + " are allowed");
        return name;
    }

    /** Sets value and error from a feedback; the deprecated top-level error is MLflow's older place for it. */
    static void applyFeedback(Assessment a, FeedbackView feedback, ErrorView topLevelError) {
        JsonNode value = feedback.value() == null || feedback.value().isNull() ? null : feedback.value();
        ErrorView errorView = feedback.error() != null ? feedback.error() : topLevelError;
        InvalidRequestException.require(value != null || errorView != null,
                "A feedback needs a value or an error; it has neither");
        if (value != null) {
            requireFeedbackValue(value);
        }
        a.valueJson = Json.write(value);
        a.error(errorView == null ? null : new AssessmentError(errorView.errorCode(), errorView.errorMessage(), errorView.stackTrace()));
    }

    static void applyExpectation(Assessment a, ExpectationView expectation) {
        InvalidRequestException.require(expectation.error() == null, "An expectation cannot carry an error");
        JsonNode value = expectation.value() == null || expectation.value().isNull() ? null : expectation.value();
        SerializedValueView serialized = expectation.serializedValue();
        InvalidRequestException.require(value == null || serialized == null,
                "An expectation holds 'value' or 'serialized_value', not both");
        if (serialized != null) {
            InvalidRequestException.require(serialized.serializationFormat() == null
                            || SerializedValueView.JSON_FORMAT.equals(serialized.serializationFormat()),
                    "expectation.serialized_value.serialization_format must be JSON_FORMAT");
            InvalidRequestException.require(serialized.value() != null, "expectation.serialized_value.value is required");
            value = Json.parseClientJson(serialized.value(), "expectation.serialized_value.value");
        }
        // MLflow accepts an expectation without a value (log_expectation(value=None)), and so does Tribunal
        a.valueJson = value == null ? null : Json.write(value);
        a.error(null);
    }

    /** Number, string, boolean, a list of those, or a string-keyed map of those (MLflow's FeedbackValueType). */
    static void requireFeedbackValue(JsonNode value) {
        boolean ok;
        if (value.isArray()) {
            ok = allPrimitive(value.elements());
        } else if (value.isObject()) {
            ok = allPrimitive(value.elements());
        } else {
            ok = isPrimitive(value);
        }
        InvalidRequestException.require(ok,
                "feedback.value must be a number, string or boolean, a list of those, or an object whose values are those");
    }

    private static boolean allPrimitive(Iterator<JsonNode> elements) {
        while (elements.hasNext()) {
            if (!isPrimitive(elements.next())) {
                return false;
            }
        }
        return true;
    }

    private static boolean isPrimitive(JsonNode node) {
        return node.isNumber() || node.isTextual() || node.isBoolean();
    }

    static Map<String, String> metadata(Map<String, String> metadata) {
        if (metadata == null) {
            return Map.of();
        }
        Map<String, String> copy = new LinkedHashMap<>();
        metadata.forEach((key, value) -> {
            InvalidRequestException.require(key != null && !key.isEmpty(), "metadata keys must be non-empty strings");
            InvalidRequestException.require(value != null, "metadata value of '" + key + "' must be a string, not null");
            copy.put(key, value);
        });
        return copy;
    }

    private static String runId(String runId) {
        if (runId == null || runId.isEmpty()) {
            return null;
        }
        InvalidRequestException.require(runId.length() <= MAX_RUN_ID_LENGTH, "run_id is longer than " + MAX_RUN_ID_LENGTH + " characters");
        return runId;
    }
}
