package dev.tribunal.trace;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.tribunal.Answers.bounded;
import static dev.tribunal.Answers.pageThrough;
import static dev.tribunal.Answers.text;
import static dev.tribunal.TestData.logAssessment;
import static dev.tribunal.TestData.uniqueTraceId;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Answers about traces hold at most {@code tribunal.api.max-answer-bytes} (4 MiB by default), however large the
 * traces: a page ends early and says so with its token, and a trace's spans and assessments come in pages too.
 */
@QuarkusTest
class TraceAnswerBoundTest {

    @Test
    void aListOfLargeTracesIsCutIntoPagesWithinTheBound() {
        String run = UUID.randomUUID().toString();
        List<String> ids = new ArrayList<>();
        // 8 traces of 3 MB (2 MB of inputs, 1 MB of outputs), 3 per request to stay within the 10M body limit
        for (int batch = 0; batch < 3; batch++) {
            StringBuilder body = new StringBuilder("{\"traces\": [");
            for (int i = 0; i < (batch < 2 ? 3 : 2); i++) {
                String id = uniqueTraceId();
                ids.add(id);
                body.append(i == 0 ? "" : ",").append("{\"trace_id\": \"").append(id).append("\", \"tags\": {\"run\": \"").append(run)
                        .append("\"}, \"inputs\": {\"question\": \"").append(text(2_000_000, 'q')).append("\"}, \"outputs\": \"")
                        .append(text(1_000_000, 'a')).append("\"}");
            }
            given().contentType(ContentType.JSON).body(body.append("]}").toString()).post("/api/traces").then().statusCode(200);
        }
        // one trace larger than the bound by itself
        String huge = uniqueTraceId();
        given().contentType(ContentType.JSON).body("{\"traces\": [{\"trace_id\": \"" + huge + "\", \"tags\": {\"run\": \"" + run
                + "\"}, \"inputs\": {\"document\": \"" + text(5_000_000, 'd') + "\"}, \"outputs\": \"short\"}]}")
                .post("/api/traces").then().statusCode(200);
        ids.add(huge);
        logAssessment(ids.get(0), "{\"assessment_name\": \"size\", \"feedback\": {\"value\": \"large\"}}");

        List<Map<String, Object>> seen = pageThrough(token -> given().queryParam("tag", "run=" + run).queryParam("max_results", 1000)
                .queryParam("page_token", token == null ? "" : token).get("/api/traces"), "traces");

        assertEquals(new HashSet<>(ids), new HashSet<>(seen.stream().map(t -> (String) t.get("trace_id")).toList()));
        assertEquals(ids.size(), seen.size(), "every trace exactly once");
        for (Map<String, Object> trace : seen) {
            if (trace.get("trace_id").equals(huge)) {
                assertNull(trace.get("inputs"), "inputs larger than the bound are left out");
                assertEquals(List.of("inputs"), trace.get("truncated"));
                assertEquals("short", trace.get("outputs"));
            } else {
                assertEquals(2_000_000, ((String) ((Map<?, ?>) trace.get("inputs")).get("question")).length());
                assertEquals(1_000_000, ((String) trace.get("outputs")).length());
                assertNull(trace.get("truncated"));
            }
        }
        Map<String, Object> first = seen.stream().filter(t -> t.get("trace_id").equals(ids.get(0))).findFirst().orElseThrow();
        assertEquals(1, ((List<?>) first.get("assessments")).size(), "a listed trace carries its assessments");
    }

    @Test
    void aTraceWithManyLargeSpansAndAssessmentsComesInPages() {
        String id = uniqueTraceId();
        StringBuilder spans = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            spans.append(i == 0 ? "" : ",").append("{\"span_id\": \"s").append(i).append("\", \"name\": \"step ").append(i)
                    .append("\", \"start_time\": \"2025-11-20T10:00:0").append(i).append("Z\", \"inputs\": \"").append(text(800_000, 's'))
                    .append("\"}");
        }
        // and one span without a start time, which comes last
        spans.append(", {\"span_id\": \"late\", \"name\": \"no start\", \"outputs\": \"").append(text(700_000, 'l')).append("\"}");
        given().contentType(ContentType.JSON).body("{\"traces\": [{\"trace_id\": \"" + id + "\", \"inputs\": \"q\", \"spans\": [" + spans + "]}]}")
                .post("/api/traces").then().statusCode(200);
        List<String> assessmentIds = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            assessmentIds.add(logAssessment(id, "{\"assessment_name\": \"note" + i + "\", \"feedback\": {\"value\": \"ok\"}, \"rationale\": \""
                    + text(900_000, 'r') + "\"}"));
        }

        JsonPath view = bounded(given().get("/api/traces/" + id));
        assertEquals("q", view.getString("inputs"));
        String spansToken = view.getString("spans_next_page_token");
        String assessmentsToken = view.getString("assessments_next_page_token");
        assertNotNull(spansToken, "the spans that did not fit are a page away");
        List<Map<String, Object>> allSpans = new ArrayList<>(view.getList("spans"));
        allSpans.addAll(pageThrough(token -> given().queryParam("page_token", token == null ? spansToken : token)
                .get("/api/traces/" + id + "/spans"), "spans"));
        assertEquals(List.of("s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "late"), allSpans.stream().map(s -> s.get("span_id")).toList(),
                "every span once, in the order they started");
        assertEquals(700_000, ((String) allSpans.get(8).get("outputs")).length());

        List<Map<String, Object>> allAssessments = new ArrayList<>(view.getList("assessments"));
        if (assessmentsToken != null) {
            allAssessments.addAll(pageThrough(token -> given().queryParam("page_token", token == null ? assessmentsToken : token)
                    .get("/api/traces/" + id + "/assessments"), "assessments"));
        }
        assertEquals(assessmentIds, allAssessments.stream().map(a -> a.get("assessment_id")).toList(), "every assessment once, oldest first");

        // the same pages from the start, without the view
        assertEquals(9, pageThrough(token -> given().queryParam("page_token", token == null ? "" : token)
                .get("/api/traces/" + id + "/spans"), "spans").size());
        assertEquals(assessmentIds, pageThrough(token -> given().queryParam("page_token", token == null ? "" : token)
                .get("/api/traces/" + id + "/assessments"), "assessments").stream().map(a -> a.get("assessment_id")).toList());
    }

    @Test
    void mlflowTraceInfoHoldsTheAssessmentsThatFitAndSaysWhereTheRestAre() {
        String id = uniqueTraceId();
        given().contentType(ContentType.JSON).body("{\"traces\": [{\"trace_id\": \"" + id + "\", \"inputs\": \"" + text(3_000_000, 'i') + "\"}]}")
                .post("/api/traces").then().statusCode(200);
        List<String> assessmentIds = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            assessmentIds.add(logAssessment(id, "{\"assessment_name\": \"long\", \"feedback\": {\"value\": " + i + "}, \"rationale\": \""
                    + text(1_000_000, 'r') + "\"}"));
        }

        JsonPath info = bounded(given().get("/api/3.0/mlflow/traces/" + id));
        assertEquals(1000, info.getString("trace.trace_info.request_preview").length());
        List<String> listed = new ArrayList<>(info.getList("trace.trace_info.assessments.assessment_id"));
        assertTrue(listed.size() < assessmentIds.size());
        String token = info.getString("trace.trace_info.trace_metadata.'tribunal.assessments.next_page_token'");
        assertNotNull(token, "the trace info says where the other assessments are");
        listed.addAll(pageThrough(t -> given().queryParam("page_token", t == null ? token : t).get("/api/traces/" + id + "/assessments"),
                "assessments").stream().map(a -> (String) a.get("assessment_id")).toList());
        assertEquals(assessmentIds, listed);
    }

    @Test
    void pagesOfSmallTracesAreUnchanged() {
        String run = UUID.randomUUID().toString();
        Map<String, Integer> order = new HashMap<>();
        for (int i = 0; i < 5; i++) {
            String id = uniqueTraceId();
            order.put(id, i);
            given().contentType(ContentType.JSON).body("{\"traces\": [{\"trace_id\": \"" + id + "\", \"tags\": {\"run\": \"" + run
                    + "\"}, \"inputs\": \"q\", \"request_time\": \"2025-11-20T10:00:0" + i + "Z\"}]}").post("/api/traces").then().statusCode(200);
        }
        JsonPath page = bounded(given().queryParam("tag", "run=" + run).queryParam("max_results", 2).get("/api/traces"));
        assertEquals(2, page.getList("traces").size());
        assertNotNull(page.getString("next_page_token"));
        JsonPath all = bounded(given().queryParam("tag", "run=" + run).get("/api/traces"));
        assertEquals(5, all.getList("traces").size());
        assertNull(all.getString("next_page_token"));
    }
}
