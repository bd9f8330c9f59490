package dev.tribunal.run;

import java.util.UUID;

/**
 * One judgment to make: a judge (at a version) with a model on a trace, as a row of {@code judge_task}.
 * Its state (PENDING until claimed, RUNNING while judged, DONE once its assessment is written) and its
 * outcome live in the table; see {@link TaskRows}.
 *
 * @param modelId the model id ({@code <provider>:/<model>}) of an LLM judge; the judge's name for a code judge
 */
record JudgeTask(UUID taskId, String runId, String traceId, String judgeName, String judgeVersion, String modelId) {
}
