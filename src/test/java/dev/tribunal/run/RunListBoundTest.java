package dev.tribunal.run;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static dev.tribunal.Answers.bounded;
import static dev.tribunal.Answers.pageThrough;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** {@code GET /api/judge-runs} holds at most tribunal.api.max-answer-bytes, however many models the runs name. */
@QuarkusTest
class RunListBoundTest {

    /** A run of a code judge on one trace that names {@code models} long model ids (kept with the run, unused by the judge). */
    private static String runNaming(String trace, int models, int tag) {
        String padding = "m".repeat(190);
        String list = IntStream.range(0, models).mapToObj(i -> "\"openai:/" + padding + "-" + tag + "-" + i + "\"")
                .collect(Collectors.joining(",", "[", "]"));
        return given().contentType(ContentType.JSON)
                .body("{\"judges\": [\"exact_match\"], \"trace_ids\": [\"" + trace + "\"], \"models\": " + list + "}")
                .post("/api/judge-runs").then().statusCode(202).extract().path("run_id");
    }

    @Test
    void runsNamingManyModelsComeInPagesWithinTheBound() {
        String trace = RunTestSupport.traces(1, "1").get(0);
        List<String> runs = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            runs.add(runNaming(trace, 10_000, r));  // about 2 MB of model ids each
        }
        String huge = runNaming(trace, 25_000, 9);  // about 5 MB: more than an answer holds
        runs.add(huge);

        List<Map<String, Object>> seen = pageThrough(token -> given().queryParam("max_results", 1000)
                .queryParam("page_token", token == null ? "" : token).get("/api/judge-runs"), "runs");
        List<Map<String, Object>> ours = seen.stream().filter(r -> runs.contains((String) r.get("run_id"))).toList();
        assertEquals(runs.size(), ours.size(), "every run exactly once");
        for (Map<String, Object> run : ours) {
            if (run.get("run_id").equals(huge)) {
                assertNull(run.get("models"));
                assertEquals(List.of("models"), run.get("truncated"));
            } else {
                assertEquals(10_000, ((List<?>) run.get("models")).size());
            }
            assertEquals(List.of("exact_match"), run.get("judges"));
        }
        JsonPath single = bounded(given().get("/api/judge-runs/" + huge));
        assertEquals(List.of("models"), single.getList("truncated"));
    }
}
