package dev.tribunal.judge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tribunal.llm.ErrorCode;

import java.util.Map;

/**
 * The result of one judge on one trace (and model): a typed value with a rationale, or an error
 * code with a message. Either way it becomes exactly one Feedback assessment.
 *
 * @param kind the judge's kind (LLM or code): whose verdict it is
 * @param sourceId the model id ({@code openai:/gpt-4o-mini}) or the code judge's name
 * @param spanId the judged span, for span-level judges
 */
public record Judgment(
        String judgeName,
        String judgeVersion,
        JudgeDefinition.Kind kind,
        String sourceId,
        String spanId,
        JsonNode value,
        String rationale,
        ErrorCode errorCode,
        String errorMessage,
        Map<String, String> metadata,
        Outcome outcome) {

    /** Figures kept on the task for run statistics. */
    public record Outcome(int attempts, long latencyMs, int promptTokens, int completionTokens, Double cost) {
        static final Outcome NONE = new Outcome(0, 0, 0, 0, null);
    }

    public boolean succeeded() {
        return errorCode == null;
    }
}
