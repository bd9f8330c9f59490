package dev.tribunal.batch;

import dev.tribunal.judge.JudgeDefinition;
import dev.tribunal.judge.JudgeRunner;
import dev.tribunal.judge.JudgeVersions;
import dev.tribunal.judge.Judgment;
import dev.tribunal.llm.ErrorCode;
import dev.tribunal.llm.ModelId;
import dev.tribunal.run.JudgeTask;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * What a batch needs to know of a task's judge: the judge at the task's version (as the workers find it), the custom_id of
 * each of its calls, and the judgment of a task that cannot be judged.
 */
@ApplicationScoped
class BatchJudges {

    private final JudgeVersions versions;

    BatchJudges(JudgeVersions versions) {
        this.versions = versions;
    }

    /** The judge at the version the task was made for, or why there is none. */
    Uni<JudgeVersions.Found> judgeOf(JudgeTask task) {
        return versions.forTask(task.judgeName(), task.judgeVersion());
    }

    /** A call's custom_id in a batch: {@code <task id>:<attempt>:<sample>}, unique per call and attempt. */
    static String customId(JudgeTask task, int sample) {
        return task.taskId() + ":" + task.attempt() + ":" + sample;
    }

    /** A call named by a custom_id. */
    record Call(UUID taskId, int attempt, int sample) {
    }

    /** The call a custom_id names; empty for one Tribunal did not write. */
    static Optional<Call> call(String customId) {
        String[] parts = customId.split(":");
        if (parts.length != 3) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Call(UUID.fromString(parts[0]), Integer.parseInt(parts[1]), Integer.parseInt(parts[2])));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    static Judgment unavailable(JudgeTask task, String message) {
        return failed(task, ErrorCode.JUDGE_UNAVAILABLE, message);
    }

    /** A task's judgment that carries only an error (its judge may be gone: it is known by the task alone). */
    static Judgment failed(JudgeTask task, ErrorCode code, String message) {
        JudgeDefinition.Kind kind = ModelId.parse(task.modelId()).isPresent() ? JudgeDefinition.Kind.LLM
                : task.modelId().startsWith(JudgeDefinition.JURY_PREFIX) ? JudgeDefinition.Kind.JURY : JudgeDefinition.Kind.CODE;
        return new Judgment(task.judgeName(), task.judgeVersion(), kind, task.modelId(), null, null, null, code, message,
                Map.of(JudgeRunner.VERSION_KEY, task.judgeVersion()), new Judgment.Outcome(0, 0, 0, 0, null));
    }
}
