package dev.tribunal.judge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.tribunal.judge.CodeScorers.Score;
import dev.tribunal.judge.JudgeDefinition.CodeScorer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CodeScorersTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PARIS = "Paris is the capital of France.";
    private static final String PARAPHRASE = "The capital city of France is Paris.";
    private static final String UNRELATED = "Bananas are rich in potassium.";

    /** One real all-MiniLM-L6-v2 for the class: loading it is the slow part. */
    private static CodeScorers scorers;

    @BeforeAll
    static void loadModel() {
        scorers = new CodeScorers(new SentenceEmbeddings());
    }

    @Test
    void exactMatchIsCaseSensitiveByDefaultAndIgnoresSurroundingWhitespace() {
        CodeScorer exact = new CodeScorer("exact_match", Map.of("expectation", "expected_response"));

        assertPass(scorers.score(exact, text("  Paris\n"), expecting("Paris")));
        assertFail(scorers.score(exact, text("paris"), expecting("Paris")));
        assertFail(scorers.score(exact, text("Paris, France"), expecting("Paris")));
    }

    @Test
    void exactMatchCanIgnoreCase() {
        CodeScorer caseless = new CodeScorer("exact_match", Map.of("expectation", "expected_response", "case_sensitive", false));

        assertPass(scorers.score(caseless, text("PARIS "), expecting(" paris")));
        assertFail(scorers.score(caseless, text("Lyon"), expecting("Paris")));
    }

    @Test
    void containsLooksForAFixedText() {
        CodeScorer sensitive = new CodeScorer("contains", Map.of("text", "Paris"));
        CodeScorer caseless = new CodeScorer("contains", Map.of("text", "PARIS", "case_sensitive", false));

        Score found = scorers.score(sensitive, text(PARIS), expecting("unused"));
        assertPass(found);
        assertTrue(found.rationale().contains("\"Paris\""), found.rationale());
        assertFail(scorers.score(sensitive, text("paris is lovely"), expecting("unused")));
        assertPass(scorers.score(caseless, text("paris is lovely"), expecting("unused")));
        assertFail(scorers.score(caseless, text("Lyon is lovely"), expecting("unused")));
    }

    @Test
    void containsLooksForAnExpectation() {
        CodeScorer caseless = new CodeScorer("contains", Map.of("expectation", "expected_response", "case_sensitive", false));

        assertPass(scorers.score(caseless, text("I believe it is PARIS."), expecting("paris")));
        assertFail(scorers.score(caseless, text("I believe it is Lyon."), expecting("paris")));
    }

    @Test
    void regexFindsAPatternAnywhereInTheResponse() {
        CodeScorer date = new CodeScorer("regex", Map.of("pattern", "\\d{4}-\\d{2}-\\d{2}"));

        assertPass(scorers.score(date, text("It shipped on 2024-05-01, as planned."), expecting("unused")));
        Score none = scorers.score(date, text("It shipped in May."), expecting("unused"));
        assertFail(none);
        assertTrue(none.rationale().contains("does not match"), none.rationale());
    }

    @Test
    void jsonValidJudgesTextAndAcceptsStructuredOutputs() throws Exception {
        CodeScorer json = new CodeScorer("json_valid", Map.of());

        assertPass(scorers.score(json, text("{\"city\": \"Paris\", \"population\": 2100000}"), expecting("unused")));
        assertPass(scorers.score(json, text("[1, 2, 3]"), expecting("unused")));
        Score broken = scorers.score(json, text("{\"city\": \"Paris\""), expecting("unused"));
        assertFail(broken);
        assertTrue(broken.rationale().startsWith("The response is not valid JSON"), broken.rationale());
        assertFail(scorers.score(json, text("Paris"), expecting("unused")));
        for (String notOneDocument : new String[] {"", "   ", "{\"a\": 1} trailing garbage", "1 2 3", "true false"}) {
            assertFail(scorers.score(json, text(notOneDocument), expecting("unused")));
        }
        assertPass(scorers.score(json, JSON.readTree("{\"city\": \"Paris\"}"), expecting("unused")));
    }

    @Test
    void aMissingExpectationIsNamed() {
        TraceData noExpectations = new TraceData("tr-1", text("q"), text("Paris"), Map.of("other", text("x")), Map.of(), List.of());

        for (String scorer : List.of("exact_match", "contains", "semantic_similarity")) {
            Score score = scorers.score(new CodeScorer(scorer, Map.of("expectation", "expected_response")), text("Paris"), noExpectations);
            assertEquals("expectations.expected_response", score.missing(), scorer);
            assertNull(score.value(), scorer);
        }
        Map<String, JsonNode> nullExpectation = Map.of("expected_response", JsonNodeFactory.instance.nullNode());
        Score score = scorers.score(new CodeScorer("exact_match", Map.of("expectation", "expected_response")), text("Paris"),
                new TraceData("tr-1", text("q"), text("Paris"), nullExpectation, Map.of(), List.of()));
        assertEquals("expectations.expected_response", score.missing());
    }

    @Test
    void missingOutputsAreNamed() {
        for (String scorer : List.of("exact_match", "regex", "json_valid")) {
            CodeScorer code = new CodeScorer(scorer, Map.of("expectation", "expected_response", "pattern", "x"));
            Score absent = scorers.score(code, null, expecting("Paris"));
            Score jsonNull = scorers.score(code, JsonNodeFactory.instance.nullNode(), expecting("Paris"));
            assertEquals("outputs", absent.missing(), scorer);
            assertNull(absent.value(), scorer);
            assertEquals("outputs", jsonNull.missing(), scorer);
        }
    }

    @Test
    void semanticSimilarityRanksAParaphraseAboveAnUnrelatedSentence() {
        CodeScorer similarity = new CodeScorer("semantic_similarity", Map.of("expectation", "expected_response"));

        Score paraphrase = scorers.score(similarity, text(PARAPHRASE), expecting(PARIS));
        Score unrelated = scorers.score(similarity, text(UNRELATED), expecting(PARIS));
        Score identical = scorers.score(similarity, text(PARIS), expecting(PARIS));
        System.out.printf("cosine similarity: paraphrase %s, unrelated %s, identical %s%n",
                paraphrase.value(), unrelated.value(), identical.value());

        for (Score s : List.of(paraphrase, unrelated, identical)) {
            assertNull(s.missing());
            assertTrue(s.value().isNumber(), s.value().toString());
            assertTrue(s.value().asDouble() >= -1 && s.value().asDouble() <= 1, s.value().toString());
            assertTrue(s.rationale().startsWith("Cosine similarity "), s.rationale());
        }
        assertTrue(paraphrase.value().asDouble() > 0.8, "a paraphrase is close: " + paraphrase.value());
        assertTrue(unrelated.value().asDouble() < 0.3, "an unrelated sentence is far: " + unrelated.value());
        assertTrue(paraphrase.value().asDouble() - unrelated.value().asDouble() > 0.5);
        assertEquals(1.0, identical.value().asDouble(), 1e-3);
    }

    @Test
    void semanticSimilarityWithAThresholdGivesABooleanVerdict() {
        CodeScorer similarity = new CodeScorer("semantic_similarity", Map.of("expectation", "expected_response", "threshold", 0.6));

        Score paraphrase = scorers.score(similarity, text(PARAPHRASE), expecting(PARIS));
        Score unrelated = scorers.score(similarity, text(UNRELATED), expecting(PARIS));

        assertPass(paraphrase);
        assertTrue(paraphrase.rationale().contains("reaches the threshold 0.6"), paraphrase.rationale());
        assertFail(unrelated);
        assertTrue(unrelated.rationale().contains("is below the threshold 0.6"), unrelated.rationale());
    }

    private static TraceData expecting(String expectedResponse) {
        return new TraceData("tr-1", text("What is the capital of France?"), text("unused"),
                Map.of("expected_response", text(expectedResponse)), Map.of(), List.of());
    }

    private static JsonNode text(String value) {
        return JsonNodeFactory.instance.textNode(value);
    }

    private static void assertPass(Score score) {
        assertVerdict(true, score);
    }

    private static void assertFail(Score score) {
        assertVerdict(false, score);
    }

    private static void assertVerdict(boolean expected, Score score) {
        assertNull(score.missing(), "nothing should be missing");
        assertNotNull(score.value());
        assertTrue(score.value().isBoolean(), "a boolean verdict, got " + score.value());
        assertEquals(expected, score.value().booleanValue(), score.rationale());
        assertFalse(score.rationale() == null || score.rationale().isBlank());
    }
}
