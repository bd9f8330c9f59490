package dev.tribunal.judge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tribunal.cache.JudgmentCache;
import dev.tribunal.llm.ErrorCode;

import java.util.List;
import java.util.Map;

/**
 * The result of one judge on one trace (and model): a typed value with a rationale, or an error
 * code with a message. Either way it becomes exactly one Feedback assessment.
 *
 * @param kind the judge's kind (LLM or code): whose verdict it is
 * @param sourceId the model id ({@code openai:/gpt-4o-mini}) or the code judge's name
 * @param spanId the judged span, for span-level judges
 * @param members a jury's verdict: each member's judgment, each stored as a Feedback of its own; empty for any other judge
 * @param answers the model's answers that this judgment got from calls (not from the cache) and that the judgment cache
 *                keeps, stored with it; a jury's are its members'
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
        Outcome outcome,
        List<Judgment> members,
        List<JudgmentCache.NewAnswer> answers) {

    public Judgment {
        members = List.copyOf(members);
        answers = List.copyOf(answers);
    }

    /** A judgment whose answers are not kept by the cache. */
    public Judgment(String judgeName, String judgeVersion, JudgeDefinition.Kind kind, String sourceId, String spanId, JsonNode value,
                    String rationale, ErrorCode errorCode, String errorMessage, Map<String, String> metadata, Outcome outcome,
                    List<Judgment> members) {
        this(judgeName, judgeVersion, kind, sourceId, spanId, value, rationale, errorCode, errorMessage, metadata, outcome, members,
                List.of());
    }

    /** A judgment of one model or code judge: no members. */
    public Judgment(String judgeName, String judgeVersion, JudgeDefinition.Kind kind, String sourceId, String spanId, JsonNode value,
                    String rationale, ErrorCode errorCode, String errorMessage, Map<String, String> metadata, Outcome outcome) {
        this(judgeName, judgeVersion, kind, sourceId, spanId, value, rationale, errorCode, errorMessage, metadata, outcome, List.of(),
                List.of());
    }

    /** Figures kept on the task for run statistics. */
    public record Outcome(int attempts, long latencyMs, int promptTokens, int cachedPromptTokens, int completionTokens, Double cost) {
        static final Outcome NONE = new Outcome(0, 0, 0, 0, null);

        /** Figures of calls whose prompts the provider did not take from its cache. */
        public Outcome(int attempts, long latencyMs, int promptTokens, int completionTokens, Double cost) {
            this(attempts, latencyMs, promptTokens, 0, completionTokens, cost);
        }

        /** Several calls' figures together: made side by side, so the latency is the longest. */
        static Outcome sum(List<Outcome> outcomes) {
            int attempts = 0;
            long latency = 0;
            int prompt = 0;
            int cached = 0;
            int completion = 0;
            Double cost = null;
            for (Outcome o : outcomes) {
                attempts += o.attempts();
                latency = Math.max(latency, o.latencyMs());
                prompt += o.promptTokens();
                cached += o.cachedPromptTokens();
                completion += o.completionTokens();
                if (o.cost() != null) {
                    cost = (cost == null ? 0 : cost) + o.cost();
                }
            }
            return new Outcome(attempts, latency, prompt, cached, completion, cost);
        }
    }

    public boolean succeeded() {
        return errorCode == null;
    }

    /** Whether every call of this judgment was answered from the cache, none sent (a jury's: every member's). */
    public boolean cached() {
        if (!members.isEmpty()) {
            return members.stream().allMatch(Judgment::cached);
        }
        return metadata != null && metadata.containsKey(JudgmentCache.CACHED_FROM_KEY);
    }
}
