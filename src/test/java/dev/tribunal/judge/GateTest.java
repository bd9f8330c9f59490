package dev.tribunal.judge;

import dev.tribunal.TestSecurity;
import dev.tribunal.run.RunTestSupport;
import dev.tribunal.run.VerdictJudges;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Gates: a gated judge's version runs (where no version is named) only once it agrees with people's labels. The judge
 * "gated" asks fake:/acc-95, right 95 % of the time; a version on acc-60 fails its gate and the sweep keeps judging with
 * the champion; a version on acc-100 passes and takes over at the sweep's next tick.
 */
@QuarkusTest
@TestProfile(VerdictJudges.class)
class GateTest {

    private static final String FILE = "src/test/resources/verdict-judges/gated.yaml";

    @Inject
    Pool pool;

    @TempDir
    Path dir;

    private static JsonPath history() {
        return given().get("/api/judges/gated/versions").then().statusCode(200).extract().jsonPath();
    }

    private static Map<String, Object> version(String version) {
        return history().getMap("versions.find { it.version == '" + version + "' }");
    }

    /** Waits until the version's gate entry satisfies the condition. */
    private static Map<String, Object> awaitVersion(String version, Predicate<Map<String, Object>> condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        Map<String, Object> last = null;
        while (System.nanoTime() < deadline) {
            last = version(version);
            if (last != null && condition.test(last)) {
                return last;
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        fail("version " + version + " never " + what + ": " + last);
        return null;
    }

    private static String trace(String tag, boolean right) {
        String id = "tr-" + UUID.randomUUID().toString().replace("-", "");
        given().contentType(ContentType.JSON).body("{\"traces\": [{\"trace_id\": \"" + id + "\", \"inputs\": \"question " + id + "\", "
                + "\"outputs\": \"answer " + id + " truth=" + right + "\", \"tags\": {\"sweep\": \"" + tag + "\"}}]}")
                .post("/api/traces").then().statusCode(200);
        return id;
    }

    private static void label(String trace, boolean right) {
        String json = "{\"assessment_name\": \"gated_truth\", \"source\": {\"source_type\": \"HUMAN\", \"source_id\": \"lab@example.com\"}, "
                + "\"feedback\": {\"value\": " + right + "}}";
        TestSecurity.author(json).contentType(ContentType.JSON).body("{\"assessment\": " + json + "}")
                .post("/api/3.0/mlflow/traces/" + trace + "/assessments").then().statusCode(200);
    }

    /** A new version of the file (as a process that loaded it would record it); returns its version. */
    private String newVersion(String text) throws Exception {
        Files.writeString(dir.resolve("gated.yaml"), text);
        String version = JudgeCatalog.load(dir, Set.of("fake")).get("gated").version();
        pool.preparedQuery("insert into judge_version (name, version, definition, file, first_seen_at, first_seen_by, gate_status, gate_reason) "
                + "values ('gated', $1, $2, 'judges/gated.yaml', $3, 'another-host/1/ab', 'pending', 'a new version')")
                .execute(Tuple.of(version, text, OffsetDateTime.now())).await().indefinitely();
        return version;
    }

    /** Triggers the sweep "gated" and returns the versions its new run judged with. */
    private static Set<Object> sweepVersions(String traceId) {
        long ticks = given().get("/api/sweeps/gated").then().statusCode(200).extract().jsonPath().getLong("ticks");
        given().post("/api/sweeps/gated/trigger").then().statusCode(202);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonPath sweep = null;
        while (System.nanoTime() < deadline) {
            sweep = given().get("/api/sweeps/gated").then().statusCode(200).extract().jsonPath();
            if (sweep.getLong("ticks") > ticks) {
                break;
            }
        }
        String run = sweep.getString("last_run_id");
        assertNotNull(run, "the tick judged " + traceId);
        RunTestSupport.awaitCompleted(run, Duration.ofSeconds(60));
        List<Map<String, Object>> results = RunTestSupport.assessments(run);
        assertTrue(results.stream().anyMatch(a -> traceId.equals(a.get("trace_id"))), "the tick judged " + traceId + ": " + results);
        return Set.copyOf(results.stream().map(a -> ((Map<?, ?>) a.get("metadata")).get("tribunal.judge.version")).toList());
    }

    @Test
    void aWorseVersionFailsItsGateAndTheChampionKeepsJudgingUntilABetterOnePasses() throws Exception {
        String text = Files.readString(Path.of(FILE));
        String first = given().get("/api/judges/gated").then().statusCode(200).extract().path("version");
        Map<String, Object> waiting = awaitVersion(first, v -> String.valueOf(v.get("status_reason")).startsWith("waiting for labels"),
                "waited for labels");
        assertEquals("pending", waiting.get("status"));
        assertNull(history().get("champion"), "no version has passed yet");
        assertEquals(Map.of("human_feedback", "gated_truth"), history().getMap("gate.reference"));
        // nothing that has not passed runs unless a run names it
        given().contentType(ContentType.JSON).body("{\"judges\": [\"gated\"], \"trace_ids\": [\"" + trace("none", true) + "\"]}")
                .post("/api/judge-runs").then().statusCode(400).body("detail", containsString("no version that passed its gate"));

        // people label 60 traces; the loaded version (95 % right) passes
        for (int i = 0; i < 60; i++) {
            boolean right = i % 2 == 0;
            label(trace("none", right), right);
        }
        Map<String, Object> passed = awaitVersion(first, v -> !"pending".equals(v.get("status")), "was decided");
        assertEquals("passed", passed.get("status"), String.valueOf(passed));
        Map<?, ?> figures = (Map<?, ?>) passed.get("figures");
        assertEquals("kappa", figures.get("metric"));
        // validated as soon as 40 traces had labels: every one of them compared
        int compared = (Integer) figures.get("compared");
        assertTrue(compared >= 40, figures.toString());
        assertEquals(compared, figures.get("judged"));
        assertTrue(((Number) ((List<?>) figures.get("ci")).get(0)).doubleValue() >= 0.5, figures.toString());
        assertEquals(first, history().getString("champion.version"));
        assertTrue(history().getString("champion.reason").startsWith("passed its gate"), history().getString("champion.reason"));
        String validationRun = (String) passed.get("validation_run_id");
        assertEquals("VALIDATION", given().get("/api/judge-runs/" + validationRun).then().statusCode(200).extract().path("trigger"));
        assertEquals(compared, RunTestSupport.assessments(validationRun).size());

        // a version on a less accurate model fails, and the sweep keeps judging with the first
        String worse = newVersion(text.replace("fake:/acc-95", "fake:/acc-60"));
        Map<String, Object> failed = awaitVersion(worse, v -> !"pending".equals(v.get("status")), "was decided");
        assertEquals("failed", failed.get("status"), String.valueOf(failed));
        assertTrue(String.valueOf(failed.get("status_reason")).contains("below 0.50"), String.valueOf(failed.get("status_reason")));
        assertEquals(first, history().getString("champion.version"));
        assertEquals(Set.of(first), sweepVersions(trace("gated", true)));
        // a run may still name it
        given().contentType(ContentType.JSON).body("{\"judges\": [{\"name\": \"gated\", \"version\": \"" + worse + "\"}], \"trace_ids\": [\""
                + trace("none", true) + "\"]}").post("/api/judge-runs").then().statusCode(202);

        // a better one passes and takes over at the sweep's next tick
        String better = newVersion(text.replace("fake:/acc-95", "fake:/acc-100"));
        assertEquals("passed", awaitVersion(better, v -> !"pending".equals(v.get("status")), "was decided").get("status"));
        assertEquals(better, history().getString("champion.version"));
        assertEquals(Set.of(better), sweepVersions(trace("gated", false)));

        // a validation estimated over max_cost waits for a confirmation
        String costly = newVersion(text.replace("fake:/acc-95", "fake:/acc-100").replace("max_cost: 1.00", "max_cost: 0.000001"));
        Map<String, Object> unconfirmed = awaitVersion(costly, v -> String.valueOf(v.get("status_reason")).startsWith("waiting for a confirmation"),
                "waited for a confirmation");
        double estimate = ((Number) unconfirmed.get("validation_estimated_cost")).doubleValue();
        assertTrue(estimate > 0.000001, "estimated " + estimate);
        given().contentType(ContentType.JSON).body("{\"confirm_cost\": -1}").post("/api/judges/gated/versions/" + costly + "/validate")
                .then().statusCode(400);
        String reader = TestSecurity.key("gate-reader", "read");
        given().header("Authorization", "Bearer " + reader).contentType(ContentType.JSON).body("{\"confirm_cost\": 1}")
                .post("/api/judges/gated/versions/" + costly + "/validate").then().statusCode(403);
        given().contentType(ContentType.JSON).body("{\"confirm_cost\": 1}").post("/api/judges/gated/versions/" + costly + "/validate")
                .then().statusCode(202).body("status", org.hamcrest.Matchers.equalTo("pending"));
        assertEquals("passed", awaitVersion(costly, v -> !"pending".equals(v.get("status")), "was decided").get("status"));
        assertEquals(costly, history().getString("champion.version"));

        // asking again validates a decided version anew, with a new run
        String before = (String) version(worse).get("validation_run_id");
        given().contentType(ContentType.JSON).body("{}").post("/api/judges/gated/versions/" + worse + "/validate").then().statusCode(202);
        Map<String, Object> again = awaitVersion(worse, v -> "failed".equals(v.get("status")) && !before.equals(v.get("validation_run_id")),
                "was validated again");
        assertNotNull(again.get("decided_at"));
        assertEquals(costly, history().getString("champion.version"), "a failed version never becomes champion");

        // what cannot be validated
        String ungated = given().get("/api/judges/consistent").then().statusCode(200).extract().path("version");
        given().contentType(ContentType.JSON).body("{}").post("/api/judges/consistent/versions/" + ungated + "/validate").then().statusCode(409)
                .body("detail", containsString("has no gate"));
        given().contentType(ContentType.JSON).body("{}").post("/api/judges/gated/versions/ffffffffffff/validate").then().statusCode(404);
    }
}
