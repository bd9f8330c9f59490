package dev.tribunal.judge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.tribunal.judge.JudgeDefinition.CodeScorer;
import dev.tribunal.system.Json;

import java.util.Locale;
import java.util.regex.Pattern;

/** The built-in scorers of code judges: deterministic, offline, no LLM. */
final class CodeScorers {

    /** A scorer's verdict, or the variable the trace lacks. */
    record Score(JsonNode value, String rationale, String missing) {
        static Score missing(String variable) {
            return new Score(null, null, variable);
        }
    }

    private final SentenceEmbeddings embeddings;

    CodeScorers(SentenceEmbeddings embeddings) {
        this.embeddings = embeddings;
    }

    Score score(CodeScorer scorer, JsonNode response, TraceData trace) {
        if (response == null || response.isNull()) {
            return Score.missing("outputs");
        }
        String text = PromptRenderer.asText(response);
        return switch (scorer.scorer()) {
            case "exact_match" -> {
                String expectation = (String) scorer.params().get("expectation");
                JsonNode expected = trace.expectations().get(expectation);
                if (expected == null || expected.isNull()) {
                    yield Score.missing("expectations." + expectation);
                }
                boolean caseSensitive = (Boolean) scorer.params().getOrDefault("case_sensitive", Boolean.TRUE);
                String a = text.trim();
                String b = PromptRenderer.asText(expected).trim();
                boolean equal = caseSensitive ? a.equals(b) : a.equalsIgnoreCase(b);
                yield bool(equal, equal ? "The response equals the expected response." : "The response differs from the expected response.");
            }
            case "contains" -> {
                String needle;
                if (scorer.params().containsKey("text")) {
                    needle = (String) scorer.params().get("text");
                } else {
                    String expectation = (String) scorer.params().get("expectation");
                    JsonNode expected = trace.expectations().get(expectation);
                    if (expected == null || expected.isNull()) {
                        yield Score.missing("expectations." + expectation);
                    }
                    needle = PromptRenderer.asText(expected);
                }
                boolean caseSensitive = (Boolean) scorer.params().getOrDefault("case_sensitive", Boolean.TRUE);
                boolean contains = caseSensitive ? text.contains(needle)
                        : text.toLowerCase(Locale.ROOT).contains(needle.toLowerCase(Locale.ROOT));
                yield bool(contains, contains ? "The response contains \"" + needle + "\"." : "The response does not contain \"" + needle + "\".");
            }
            case "regex" -> {
                String pattern = (String) scorer.params().get("pattern");
                boolean found = Pattern.compile(pattern).matcher(text).find();
                yield bool(found, found ? "The response matches /" + pattern + "/." : "The response does not match /" + pattern + "/.");
            }
            case "json_valid" -> {
                if (!response.isTextual()) {
                    yield bool(true, "The response is structured JSON.");
                }
                try {
                    Json.parseStrict(text);
                    yield bool(true, "The response is valid JSON.");
                } catch (JsonProcessingException e) {
                    yield bool(false, "The response is not valid JSON: " + e.getOriginalMessage());
                }
            }
            case "semantic_similarity" -> {
                String expectation = (String) scorer.params().get("expectation");
                JsonNode expected = trace.expectations().get(expectation);
                if (expected == null || expected.isNull()) {
                    yield Score.missing("expectations." + expectation);
                }
                double similarity = embeddings.cosineSimilarity(text, PromptRenderer.asText(expected));
                double rounded = Math.round(similarity * 10_000) / 10_000.0;
                Object threshold = scorer.params().get("threshold");
                if (threshold == null) {
                    yield new Score(JsonNodeFactory.instance.numberNode(rounded), "Cosine similarity " + rounded + ".", null);
                }
                boolean pass = similarity >= (Double) threshold;
                yield bool(pass, "Cosine similarity " + rounded + (pass ? " reaches " : " is below ") + "the threshold " + threshold + ".");
            }
            default -> throw new IllegalStateException("unchecked scorer " + scorer.scorer());
        };
    }

    private static Score bool(boolean value, String rationale) {
        return new Score(JsonNodeFactory.instance.booleanNode(value), rationale, null);
    }
}
