package dev.tribunal.run;

import java.util.UUID;

/**
 * One judgment to make: a judge (at a version) with a model on a trace, as a row of {@code judge_task}.
 * Its state (PENDING until claimed, RUNNING while judged, DONE once its assessment is written) and its
 * outcome live in the table; see {@link TaskQueue}.
 *
 * @param modelId the model id ({@code <provider>:/<model>}) of an LLM judge; the judge's name for a code judge
 * @param attempt 1, and one more each time the task is retried after an error
 * @param overrides the assessment this attempt's result replaces (the previous attempt's error); null on the first
 * @param claims how many times the task was claimed, this time included
 * @param loggedBy who started the task's run: its result is logged in that name
 * @param samples the samples per judgment its run asked for; null for the judge's own
 * @param baselineTraceId the trace a pairwise judge compares this one (the candidate) with; null for other judges
 * @param challenger whether it judges for a sweep's challenger: its result is marked {@code tribunal.role: challenger}
 * @param sweep the sweep whose run the task is of; null for other runs
 */
public record JudgeTask(UUID taskId, String runId, String traceId, String judgeName, String judgeVersion, String modelId, int attempt,
                        String overrides, int claims, String loggedBy, Integer samples, String baselineTraceId, boolean challenger,
                        String sweep) {

    JudgeTask(UUID taskId, String runId, String traceId, String judgeName, String judgeVersion, String modelId, int attempt,
              String overrides, int claims, String loggedBy, Integer samples, String baselineTraceId, boolean challenger) {
        this(taskId, runId, traceId, judgeName, judgeVersion, modelId, attempt, overrides, claims, loggedBy, samples, baselineTraceId,
                challenger, null);
    }
}
