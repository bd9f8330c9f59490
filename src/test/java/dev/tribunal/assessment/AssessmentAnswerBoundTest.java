package dev.tribunal.assessment;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static dev.tribunal.TestData.logAssessment;
import static dev.tribunal.TestData.newTrace;
import static dev.tribunal.Answers.bounded;
import static dev.tribunal.Answers.pageThrough;
import static dev.tribunal.Answers.text;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code GET /api/assessments} holds at most tribunal.api.max-answer-bytes, however large the rationales and values. */
@QuarkusTest
class AssessmentAnswerBoundTest {

    @Test
    void largeAssessmentsComeInPagesWithinTheBound() {
        String trace = newTrace();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(logAssessment(trace, "{\"assessment_name\": \"essay\", \"feedback\": {\"value\": \"" + text(1_500_000, 'v')
                    + "\"}, \"rationale\": \"" + text(1_000_000, 'r') + "\"}"));
        }
        ids.add(logAssessment(trace, "{\"assessment_name\": \"facts\", \"expectation\": {\"value\": [\"" + text(2_000_000, 'e') + "\", \""
                + text(2_000_000, 'f') + "\"]}}"));
        // larger than the bound by itself: its rationale is left out, saying so
        String huge = logAssessment(trace, "{\"assessment_name\": \"essay\", \"feedback\": {\"value\": \"fine\"}, \"rationale\": \""
                + text(5_000_000, 'h') + "\"}");
        ids.add(huge);

        JsonPath first = bounded(given().queryParam("trace_id", trace).queryParam("max_results", 1000).get("/api/assessments"));
        assertNotNull(first.getString("next_page_token"), "a page cut by its size says that more follow");
        assertTrue(first.getList("assessments").size() < ids.size());

        List<Map<String, Object>> seen = pageThrough(token -> given().queryParam("trace_id", trace).queryParam("max_results", 1000)
                .queryParam("page_token", token == null ? "" : token).get("/api/assessments"), "assessments");
        assertEquals(ids.size(), seen.size(), "every assessment exactly once");
        assertEquals(new HashSet<>(ids), new HashSet<>(seen.stream().map(a -> a.get("assessment_id")).toList()));
        for (Map<String, Object> a : seen) {
            if (a.get("assessment_id").equals(huge)) {
                assertNull(a.get("rationale"));
                assertEquals(List.of("rationale"), a.get("truncated"));
                assertEquals("fine", ((Map<?, ?>) a.get("feedback")).get("value"));
            } else if (a.get("feedback") != null) {
                assertEquals(1_500_000, ((String) ((Map<?, ?>) a.get("feedback")).get("value")).length());
                assertEquals(1_000_000, ((String) a.get("rationale")).length());
                assertNull(a.get("truncated"));
            } else {
                assertEquals(4_000_000 + 7, ((String) ((Map<?, ?>) ((Map<?, ?>) a.get("expectation")).get("serialized_value")).get("value")).length());
            }
        }
    }
}
