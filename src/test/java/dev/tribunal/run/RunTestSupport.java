package dev.tribunal.run;

import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.fail;

/** Helpers shared by the judge-run tests. */
public final class RunTestSupport {

    private RunTestSupport() {
    }

    /** Ingests traces with a question, an answer and (when given) an expected response; returns their ids. */
    public static List<String> traces(int count, String expected) {
        List<String> ids = new ArrayList<>();
        StringBuilder body = new StringBuilder("{\"traces\": [");
        for (int i = 0; i < count; i++) {
            String id = "tr-" + UUID.randomUUID().toString().replace("-", "");
            ids.add(id);
            body.append(i == 0 ? "" : ",").append("{\"trace_id\": \"").append(id).append("\", \"inputs\": {\"question\": \"What is ")
                    .append(i).append(" + 1? (").append(id).append(")\"}, \"outputs\": \"").append(i + 1).append("\"")
                    .append(expected == null ? "" : ", \"expectations\": {\"expected_response\": \"" + expected + "\"}")
                    .append("}");
        }
        body.append("]}");
        given().contentType(ContentType.JSON).body(body.toString()).post("/api/traces").then().statusCode(200);
        return ids;
    }

    public static String startRun(List<String> judges, List<String> traceIds, List<String> models) {
        String body = "{\"judges\": " + json(judges) + ", \"trace_ids\": " + json(traceIds)
                + (models == null ? "" : ", \"models\": " + json(models)) + "}";
        return given().contentType(ContentType.JSON).body(body).post("/api/judge-runs")
                .then().statusCode(202).extract().path("run_id");
    }

    /** Strings as a JSON array. */
    public static String jsonList(List<String> values) {
        return json(values);
    }

    static String json(List<String> values) {
        return values.stream().map(v -> "\"" + v + "\"").collect(Collectors.joining(",", "[", "]"));
    }

    /** Waits for a run to complete and returns its final view. */
    public static JsonPath awaitCompleted(String runId, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonPath run = null;
        while (System.nanoTime() < deadline) {
            run = given().get("/api/judge-runs/" + runId).then().statusCode(200).extract().jsonPath();
            if ("COMPLETED".equals(run.getString("status"))) {
                return run;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        fail("Run " + runId + " did not complete within " + timeout + "; last state " + (run == null ? "none" : run.prettify()));
        return run;
    }

    /** Every assessment of a run. */
    public static List<Map<String, Object>> assessments(String runId) {
        return assessments(runId, Map.of());
    }

    /** Every assessment of a run that passes more filters of GET /api/assessments. */
    public static List<Map<String, Object>> assessments(String runId, Map<String, String> filters) {
        List<Map<String, Object>> all = new ArrayList<>();
        String token = null;
        do {
            var request = given().queryParam("run_id", runId).queryParam("max_results", 1000).queryParams(filters);
            if (token != null) {
                request.queryParam("page_token", token);
            }
            JsonPath page = request.get("/api/assessments").then().statusCode(200).extract().jsonPath();
            all.addAll(page.getList("assessments"));
            token = page.getString("next_page_token");
        } while (token != null);
        return all;
    }
}
