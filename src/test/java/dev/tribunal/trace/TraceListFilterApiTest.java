package dev.tribunal.trace;

import dev.tribunal.TestSecurity;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.List;
import java.util.Set;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The filters {@code GET /api/traces} shares with the traces page: state, a valid assessment's value
 * ({@code assessment=name=value}), errors ({@code errored=true|false|<name>}) and source type; a malformed one is a 400
 * naming its parameter.
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TraceListFilterApiTest {

    private final String suite = "api-list-" + UUID.randomUUID().toString().substring(0, 8);
    private final String[] t = new String[5];

    private boolean seeded;

    /** Seeds once, from the first test (REST Assured knows the server's port only once a test runs). */
    private synchronized void seed() {
        if (seeded) {
            return;
        }
        seeded = true;
        StringBuilder body = new StringBuilder("{\"traces\": [");
        for (int i = 1; i <= 4; i++) {
            t[i] = "tr-api-list-" + i + "-" + UUID.randomUUID().toString().substring(0, 8);
            body.append(i == 1 ? "" : ",").append("{\"trace_id\": \"%s\", \"request_time\": \"2026-03-02T10:00:0%dZ\", \"state\": \"%s\", \"inputs\": \"q\", \"tags\": {\"suite\": \"%s\"}}"
                    .formatted(t[i], i, i == 4 ? "ERROR" : "OK", suite));
        }
        given().contentType(ContentType.JSON).body(body.append("]}").toString()).post("/api/traces").then().statusCode(200);
        judge(t[1], "correctness", "\"yes\"");
        judge(t[1], "score", "0.5");
        String overridden = judge(t[2], "correctness", "\"no\"");
        log(t[2], "{\"assessment_name\": \"correctness\", \"source\": {\"source_type\": \"HUMAN\", \"source_id\": \"bo@example.com\"}, "
                + "\"feedback\": {\"value\": \"yes\"}, \"overrides\": \"" + overridden + "\"}");
        judge(t[3], "correctness", "\"no\"");
        log(t[3], "{\"assessment_name\": \"safety\", \"source\": {\"source_type\": \"CODE\", \"source_id\": \"checker\"}, "
                + "\"feedback\": {\"error\": {\"error_code\": \"TIMEOUT\", \"error_message\": \"took too long\"}}}");
    }

    private static String log(String traceId, String json) {
        return TestSecurity.author(json).contentType(ContentType.JSON).body("{\"assessment\": " + json + "}")
                .post("/api/3.0/mlflow/traces/" + traceId + "/assessments").then().statusCode(200).extract().path("assessment.assessment_id");
    }

    private static String judge(String traceId, String name, String value) {
        return log(traceId, "{\"assessment_name\": \"" + name + "\", \"source\": {\"source_type\": \"LLM_JUDGE\", "
                + "\"source_id\": \"openai:/gpt-4o-mini\"}, \"feedback\": {\"value\": " + value + "}}");
    }

    private RequestSpecification mine() {
        return given().queryParam("tag", "suite=" + suite);
    }

    private Set<String> ids(RequestSpecification request) {
        List<String> ids = request.get("/api/traces").then().statusCode(200).extract().path("traces.trace_id");
        return Set.copyOf(ids);
    }

    private Set<String> traces(int... numbers) {
        Set<String> ids = new java.util.HashSet<>();
        for (int n : numbers) {
            ids.add(t[n]);
        }
        return ids;
    }

    @Test
    void valuesErrorsStateAndSourceNarrowTheList() {
        seed();
        assertEquals(traces(1, 2, 3, 4), ids(mine()));
        assertEquals(traces(3), ids(mine().queryParam("assessment", "correctness=no")), "the overridden no of trace 2 is left out");
        assertEquals(traces(1, 2), ids(mine().queryParam("assessment", "correctness=yes")));
        assertEquals(traces(1), ids(mine().queryParam("assessment", "score=0.5")), "a number, as its text");
        assertEquals(traces(1), ids(mine().queryParam("assessment", "correctness=yes").queryParam("assessment", "score=0.5")), "AND");
        assertEquals(traces(4), ids(mine().queryParam("state", "ERROR")));
        assertEquals(traces(1, 2, 3, 4), ids(mine().queryParam("state", "OK").queryParam("state", "error")), "any of the states");
        assertEquals(traces(3), ids(mine().queryParam("errored", "true")));
        assertEquals(traces(3), ids(mine().queryParam("errored", "safety")));
        assertEquals(traces(1, 2, 4), ids(mine().queryParam("errored", "false")));
        assertEquals(traces(2), ids(mine().queryParam("source_type", "HUMAN")));
        assertEquals(traces(3), ids(mine().queryParam("source_type", "CODE")));
        assertEquals(traces(), ids(mine().queryParam("source_type", "CODE").queryParam("assessment", "correctness=no")),
                "the source narrows the value: no CODE assessment says no");
        assertEquals(traces(2), ids(mine().queryParam("source_type", "HUMAN").queryParam("assessment", "correctness=yes")));
    }

    @Test
    void aMalformedFilterIsA400NamingIt() {
        seed();
        mine().queryParam("assessment", "correctness").get("/api/traces").then().statusCode(400)
                .body("detail", containsString("assessment must be name=value"));
        mine().queryParam("state", "DONE").get("/api/traces").then().statusCode(400)
                .body("detail", containsString("state must be one of OK, ERROR, IN_PROGRESS"));
        mine().queryParam("source_type", "ROBOT").get("/api/traces").then().statusCode(400)
                .body("detail", containsString("source_type must be one of HUMAN, LLM_JUDGE, CODE"));
        given().queryParam("tag", "env").get("/api/traces").then().statusCode(400).body("detail", containsString("tag must be key=value"));
    }

    @Test
    void longValuesAreStoredAndFoundWhole() {
        seed();
        String head = "A long answer. ".repeat(20);
        String one = head + "x".repeat(10_000);
        String other = head + "y".repeat(300);
        judge(t[1], "summary", "\"" + one + "\"");
        judge(t[2], "summary", "\"" + other + "\"");
        assertEquals(traces(2), ids(mine().queryParam("assessment", "summary=" + other)),
                "the whole value is compared, not the first 200 characters the index holds");
        assertEquals(Set.of(), ids(mine().queryParam("assessment", "summary=" + head)));
    }
}
