package dev.tribunal.metaeval;

import dev.tribunal.TestSecurity;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.tribunal.TestData.newTrace;
import static dev.tribunal.Answers.bounded;
import static dev.tribunal.Answers.pageThrough;
import static dev.tribunal.Answers.text;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Meta-evaluation answers stay within tribunal.api.max-answer-bytes, however long the rationales, values and labels. */
@QuarkusTest
class MetaEvalAnswerBoundTest {

    private static void log(String trace, String json) {
        TestSecurity.author(json).contentType(ContentType.JSON).body("{\"assessment\": " + json + "}")
                .post("/api/3.0/mlflow/traces/" + trace + "/assessments").then().statusCode(200);
    }

    private static void judge(String trace, String name, String value, String rationale) {
        log(trace, "{\"assessment_name\": \"" + name + "\", \"source\": {\"source_type\": \"LLM_JUDGE\", \"source_id\": \"openai:/verbose\"}, "
                + "\"feedback\": {\"value\": " + value + "}, \"rationale\": \"" + rationale + "\"}");
    }

    private static void person(String trace, String name, String value) {
        log(trace, "{\"assessment_name\": \"" + name + "\", \"source\": {\"source_type\": \"HUMAN\", \"source_id\": \"meta-reviewer\"}, "
                + "\"feedback\": {\"value\": " + value + "}}");
    }

    @Test
    void disagreementsWithLongRationalesComeInPages() {
        String name = "essay-" + UUID.randomUUID().toString().substring(0, 8);
        List<String> traces = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String trace = newTrace();
            traces.add(trace);
            judge(trace, name, "\"yes\"", text(1_000_000, 'r'));
            person(trace, name, "\"no\"");
        }
        String path = "/api/meta-evaluations/disagreements?name=" + name + "&model=openai:/verbose&human_feedback=" + name;
        JsonPath first = bounded(given().queryParam("max_results", 1000).get(path));
        assertNotNull(first.getString("next_page_token"));
        List<Map<String, Object>> rows = pageThrough(token -> given().queryParam("max_results", 1000)
                .queryParam("page_token", token == null ? "" : token).get(path), "disagreements");
        assertEquals(6, rows.size(), "every disagreement exactly once");
        assertEquals(new HashSet<>(traces), new HashSet<>(rows.stream().map(r -> r.get("trace_id")).toList()));
        rows.forEach(r -> assertEquals(1_000_000, ((String) r.get("rationale")).length()));

        JsonPath two = given().queryParam("max_results", 2).get(path).then().statusCode(200).extract().jsonPath();
        assertEquals(2, two.getList("disagreements").size());
    }

    @Test
    void aReportOnLongValuesAndManyLabelsStaysSmall() {
        String name = "free-" + UUID.randomUUID().toString().substring(0, 8);
        // two traces where judge and person agree on a 3 MB answer, one where they differ on it
        String agreed = text(3_000_000, 'x');
        for (int i = 0; i < 2; i++) {
            String trace = newTrace();
            judge(trace, name, "\"" + agreed + "\"", "same");
            person(trace, name, "\"" + agreed + "\"");
        }
        String trace = newTrace();
        judge(trace, name, "\"" + agreed + "\"", "differs");
        person(trace, name, "\"" + text(3_000_000, 'y') + "\"");

        JsonPath report = bounded(given().queryParam("name", name).queryParam("human_feedback", name).get("/api/meta-evaluations"));
        assertEquals(3, report.getInt("judges[0].coverage.compared"));
        assertEquals(2.0 / 3, report.getDouble("judges[0].statistics.accuracy"), 1e-3, "long values are still compared");
        for (Object label : report.getList("judges[0].statistics.labels")) {
            assertTrue(((String) label).length() < 1000, "a long value is named, not repeated");
        }

        // free text: more distinct labels than a confusion matrix can show
        String many = "many-" + UUID.randomUUID().toString().substring(0, 8);
        for (int i = 0; i < 60; i++) {
            String t = newTrace();
            judge(t, many, "\"label " + i + "\"", "r");
            person(t, many, "\"label " + (i + 1) + "\"");
        }
        JsonPath free = bounded(given().queryParam("name", many).queryParam("human_feedback", many).get("/api/meta-evaluations"));
        assertEquals(60, free.getInt("judges[0].coverage.compared"));
        assertEquals(0.0, free.getDouble("judges[0].statistics.accuracy"), 1e-9);
        assertEquals(61, free.getInt("judges[0].statistics.label_count"));
        assertNull(free.get("judges[0].statistics.confusion"), "no matrix of 61 × 61 labels");
        assertNull(free.get("judges[0].statistics.labels"));
    }
}
