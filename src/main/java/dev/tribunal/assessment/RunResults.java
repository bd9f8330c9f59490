package dev.tribunal.assessment;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tribunal.assessment.AssessmentView.FeedbackView;
import dev.tribunal.judge.JudgeCatalog;
import dev.tribunal.judge.JudgeRunner;
import dev.tribunal.judge.VerdictFormat;
import dev.tribunal.security.Caller;
import dev.tribunal.system.InvalidRequestException;
import dev.tribunal.system.Json;
import dev.tribunal.system.PermissionDeniedException;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Map;
import java.util.Set;

/**
 * The results of Tribunal's judge runs are the record of what a judge said. Only an admin changes or deletes
 * one, and then only to a value the judge could have given; a retry of the run overrides it with its next
 * attempt. People who disagree override it with HUMAN feedback, and the result stays, no longer valid.
 */
@ApplicationScoped
class RunResults {

    /** Metadata the run wrote about the judgment (judge version, latency, tokens, cost, run): its record, fixed. */
    private static final Set<String> RUN_METADATA_PREFIXES = Set.of("tribunal.", "mlflow.assessment.");

    private final JudgeCatalog judges;

    RunResults(JudgeCatalog judges) {
        this.judges = judges;
    }

    /** Changing or deleting a run's result takes an admin (or security off, where everyone is). */
    static void requireAdmin(Assessment assessment, Caller caller, String action) {
        PermissionDeniedException.require(!assessment.isRunResult() || caller.admin() || !caller.authenticated(),
                "Assessment " + assessment.id + " is the result of judge run " + assessment.runId + ": only an admin may " + action
                        + " it ('" + caller.name() + "' is not one); log HUMAN feedback that overrides it instead");
    }

    /** A run's result is overridden by a person's HUMAN feedback (or by an admin), never by another judge's feedback. */
    static void requireMayOverride(Assessment overridden, Assessment overriding, Caller caller) {
        boolean human = overriding.kind == AssessmentKind.FEEDBACK && overriding.sourceType == AssessmentSourceType.HUMAN;
        PermissionDeniedException.require(!overridden.isRunResult() || human || caller.admin() || !caller.authenticated(),
                "Assessment " + overridden.id + " is the result of judge run " + overridden.runId + ": only HUMAN feedback (or an admin) "
                        + "may override it; retry the run to judge it again");
    }

    /**
     * What a change to a run's result may hold: its name stays the judge's, its feedback a value the judge can give
     * (checked against the judge's output while the judge that made it is loaded), and the run's metadata stays.
     */
    void checkChange(Assessment result, AssessmentView changes, Set<String> paths) {
        if (!result.isRunResult()) {
            return;
        }
        InvalidRequestException.require(!paths.contains("assessment_name"),
                "The name of a run's result is its judge's ('" + result.name + "'); it cannot be changed");
        if (paths.contains("feedback")) {
            FeedbackView feedback = changes.feedback();
            InvalidRequestException.require(feedback != null && feedback.value() != null && !feedback.value().isNull()
                            && feedback.error() == null && changes.error() == null,
                    "A run's result can be changed to another value of its judge only: feedback.value is required, an error is not taken");
        }
        if (paths.contains("metadata") && changes.metadata() != null) {
            Map<String, String> stored = Json.readStringMap(result.metadataJson);
            // who wrote and who changed it are recorded by Tribunal whatever a client sends, on every assessment
            changes.metadata().forEach((key, value) -> InvalidRequestException.require(
                    RUN_METADATA_PREFIXES.stream().noneMatch(key::startsWith) || java.util.Objects.equals(stored.get(key), value)
                            || key.equals(AssessmentFactory.LOGGED_BY_KEY) || key.equals(AssessmentFactory.UPDATED_BY_KEY),
                    "metadata '" + key + "' of a run's result is the run's record of the judgment; it cannot be changed"));
        }
    }

    /**
     * The value a run's result is changed to, as the judge would have given it (a choice in its declared spelling,
     * a whole number as such); a value the judge cannot give is refused. When the judge that made the result is no
     * longer loaded (removed, or changed since: another version), the value is taken as it is.
     */
    JsonNode value(Assessment result, JsonNode value) {
        String version = Json.readStringMap(result.metadataJson).get(JudgeRunner.VERSION_KEY);
        return judges.find(result.name)
                .filter(judge -> judge.version().equals(version))
                .map(judge -> {
                    VerdictFormat.Verdict verdict = VerdictFormat.check(value, judge.output());
                    InvalidRequestException.require(verdict.valid(), "feedback.value does not fit judge " + judge.name() + "'s output ("
                            + judge.output().type() + "): " + verdict.problem());
                    return verdict.value();
                })
                .orElse(value);
    }
}
