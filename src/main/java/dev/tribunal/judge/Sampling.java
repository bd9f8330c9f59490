package dev.tribunal.judge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tribunal.cache.JudgmentCache;
import dev.tribunal.judge.JudgeDefinition.Kind;
import dev.tribunal.llm.ErrorCode;
import dev.tribunal.llm.ModelId;
import dev.tribunal.system.Json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Judgments made of several verdicts: a judge's samples of one model, and a jury's members. Either gives a verdict only
 * when at least half answered; otherwise it is an error with the most frequent error code, the others listed.
 */
final class Sampling {

    /** Every sample's value, in the order they were taken (null for a failed one), as a JSON array. */
    static final String SAMPLES_KEY = "tribunal.samples";
    /** How many samples failed, and their codes. */
    static final String SAMPLES_FAILED_KEY = "tribunal.samples.failed";
    static final String SAMPLES_ERRORS_KEY = "tribunal.samples.errors";
    private static final String AGREEMENT_KEY = JudgeRunner.AGREEMENT_KEY;
    /** A jury's members: each member's value (null for one that failed), by model, as a JSON object. */
    static final String MEMBERS_KEY = "tribunal.jury.members";
    static final String AGGREGATE_KEY = "tribunal.jury.aggregate";

    private Sampling() {
    }

    /** The samples of one model combined: the aggregate of those that succeeded, or an error when fewer than half did. */
    static Judgment combine(JudgeDefinition judge, List<Judgment> samples) {
        Judgment first = samples.get(0);
        Judgment.Outcome outcome = Judgment.Outcome.sum(samples.stream().map(Judgment::outcome).toList());
        List<Judgment> answered = samples.stream().filter(Judgment::succeeded).toList();
        List<Judgment> failed = samples.stream().filter(j -> !j.succeeded()).toList();
        Map<String, String> metadata = JudgeRunner.metadata(judge, outcome);
        ArrayNode values = JsonNodeFactory.instance.arrayNode();
        samples.forEach(j -> values.add(j.succeeded() ? j.value() : null));
        metadata.put(SAMPLES_KEY, Json.write(values));
        if (!failed.isEmpty()) {
            metadata.put(SAMPLES_FAILED_KEY, Integer.toString(failed.size()));
            metadata.put(SAMPLES_ERRORS_KEY, Json.write(codeCounts(failed)));
        }
        if (samples.stream().allMatch(Judgment::cached)) {
            metadata.put(JudgmentCache.CACHED_FROM_KEY, first.metadata().get(JudgmentCache.CACHED_FROM_KEY));
        }
        // the samples that answered are kept even when the judgment fails: a retry asks only the others again
        List<JudgmentCache.NewAnswer> answers = samples.stream().flatMap(j -> j.answers().stream()).toList();
        if (answered.size() * 2 < samples.size()) {
            return new Judgment(first.judgeName(), first.judgeVersion(), first.kind(), first.sourceId(), first.spanId(), null, null,
                    mostFrequent(failed), failed.size() + " of " + samples.size() + " samples failed, too few left for a verdict: "
                    + describe(failed, j -> null), metadata, outcome, List.of(), answers);
        }
        Verdicts.Combined combined = Verdicts.combine(judge.output(), Verdicts.samplesRule(judge.output()),
                answered.stream().map(Judgment::value).toList());
        agreement(metadata, answered.size(), combined);
        return new Judgment(first.judgeName(), first.judgeVersion(), first.kind(), first.sourceId(), first.spanId(), combined.value(),
                agreeingRationale(judge, answered, combined.value()), null, null, metadata, outcome, List.of(), answers);
    }

    /** A jury's verdict from its members' judgments, which it carries to be stored with it. */
    static Judgment jury(JudgeDefinition judge, String spanId, List<Judgment> members) {
        Judgment.Outcome outcome = Judgment.Outcome.sum(members.stream().map(Judgment::outcome).toList());
        List<Judgment> answered = members.stream().filter(Judgment::succeeded).toList();
        List<Judgment> failed = members.stream().filter(j -> !j.succeeded()).toList();
        Map<String, String> metadata = JudgeRunner.metadata(judge, outcome);
        ObjectNode values = JsonNodeFactory.instance.objectNode();
        members.forEach(j -> values.set(j.sourceId(), j.succeeded() ? j.value() : null));
        metadata.put(MEMBERS_KEY, Json.write(values));
        metadata.put(AGGREGATE_KEY, judge.jury().aggregate().name().toLowerCase(Locale.ROOT));
        if (answered.size() * 2 < members.size()) {
            return new Judgment(judge.name(), judge.version(), Kind.JURY, judge.jurySourceId(), spanId, null, null, mostFrequent(failed),
                    failed.size() + " of " + members.size() + " members did not answer, too few for a verdict: "
                            + describe(failed, Judgment::sourceId), metadata, outcome, members);
        }
        Verdicts.Combined combined = Verdicts.combine(judge.output(), judge.jury().aggregate(), answered.stream().map(Judgment::value).toList());
        // all / any with members that did not answer: their answers could have changed the verdict
        boolean open = !failed.isEmpty() && switch (judge.jury().aggregate()) {
            case ALL -> combined.value().asBoolean();
            case ANY -> !combined.value().asBoolean();
            default -> false;
        };
        if (open) {
            return new Judgment(judge.name(), judge.version(), Kind.JURY, judge.jurySourceId(), spanId, null, null, mostFrequent(failed),
                    "aggregate " + judge.jury().aggregate().name().toLowerCase(Locale.ROOT) + " cannot be decided without every member: "
                            + describe(failed, Judgment::sourceId), metadata, outcome, members);
        }
        agreement(metadata, answered.size(), combined);
        String votes = members.stream().map(j -> j.sourceId() + " " + (j.succeeded() ? Verdicts.label(j.value()) : "(" + j.errorCode() + ")"))
                .collect(Collectors.joining(", "));
        String rationale = judge.jury().aggregate().name().toLowerCase(Locale.ROOT) + " of " + answered.size() + " of " + members.size()
                + " members: " + votes;
        return new Judgment(judge.name(), judge.version(), Kind.JURY, judge.jurySourceId(), spanId, combined.value(), rationale, null, null,
                metadata, outcome, members);
    }

    /**
     * An error of a judge on a model: an LLM judge's (or a jury member's) under the model, a jury's under
     * {@code jury:<name>}, a code judge's under its name.
     */
    static Judgment error(JudgeDefinition judge, ModelId model, String spanId, ErrorCode code, String message, Judgment.Outcome outcome) {
        Kind kind = judge.kind() == Kind.CODE ? Kind.CODE : model != null ? Kind.LLM : judge.kind();
        String sourceId = kind == Kind.CODE || (kind == Kind.LLM && model == null) ? judge.name()
                : kind == Kind.JURY ? judge.jurySourceId() : model.toString();
        return new Judgment(judge.name(), judge.version(), kind, sourceId, spanId, null, null, code, message,
                JudgeRunner.metadata(judge, outcome), outcome);
    }

    /** The rationale of the first verdict that agrees with the aggregate (for a median, the one nearest it). */
    private static String agreeingRationale(JudgeDefinition judge, List<Judgment> answered, JsonNode aggregate) {
        Judgment best = answered.get(0);
        double bestDistance = Double.MAX_VALUE;
        for (Judgment j : answered) {
            double distance = aggregate.isNumber() ? Math.abs(j.value().asDouble() - aggregate.asDouble())
                    : Verdicts.label(j.value()).equals(Verdicts.label(aggregate)) ? 0 : 1;
            if (distance < bestDistance) {
                best = j;
                bestDistance = distance;
            }
        }
        return best.rationale();
    }

    /** Agreement needs two answers at least: one alone agrees with itself and says nothing. */
    private static void agreement(Map<String, String> metadata, int answered, Verdicts.Combined combined) {
        if (answered >= 2) {
            metadata.put(AGREEMENT_KEY, share(combined.agreement()));
        }
    }

    /**
     * The error code most of the failures have (the first seen among equals); a call not sent because the process is
     * stopping or the run was cancelled decides, so that the task is given back or cancelled rather than failed.
     */
    private static ErrorCode mostFrequent(List<Judgment> failed) {
        for (ErrorCode first : List.of(ErrorCode.SHUTTING_DOWN, ErrorCode.CANCELLED)) {
            if (failed.stream().anyMatch(j -> j.errorCode() == first)) {
                return first;
            }
        }
        Map<ErrorCode, Long> counts = codeCountsByCode(failed);
        return counts.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(ErrorCode.INTERNAL_ERROR);
    }

    private static Map<ErrorCode, Long> codeCountsByCode(List<Judgment> failed) {
        Map<ErrorCode, Long> counts = new LinkedHashMap<>();
        failed.forEach(j -> counts.merge(j.errorCode(), 1L, Long::sum));
        return counts;
    }

    private static Map<String, Long> codeCounts(List<Judgment> failed) {
        Map<String, Long> counts = new LinkedHashMap<>();
        codeCountsByCode(failed).forEach((code, n) -> counts.put(code.name(), n));
        return counts;
    }

    /** Each failure as {@code [who: ]CODE: message}, the same ones counted once. */
    private static String describe(List<Judgment> failed, java.util.function.Function<Judgment, String> who) {
        Map<String, Integer> seen = new LinkedHashMap<>();
        for (Judgment j : failed) {
            String name = who.apply(j);
            String text = (name == null ? "" : name + ": ") + j.errorCode() + ": " + dev.tribunal.system.ShortText.oneLine(j.errorMessage(), 200);
            seen.merge(text, 1, Integer::sum);
        }
        List<String> parts = new ArrayList<>();
        seen.forEach((text, n) -> parts.add(n == 1 ? text : n + " × " + text));
        return String.join("; ", parts);
    }

    private static String share(double agreement) {
        return java.math.BigDecimal.valueOf(agreement).setScale(4, java.math.RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();
    }
}
