package dev.tribunal.judge;

import dev.tribunal.TestSecurity;
import dev.tribunal.llm.FakeProviders;
import dev.tribunal.run.RunTestSupport;
import io.quarkus.test.junit.QuarkusTest;
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

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The champion: the version of a judge that runs, sweeps and comparisons use when they name none. The newest loaded
 * version by default; an admin may promote a past one, and runs and sweeps then judge with it.
 */
@QuarkusTest
class ChampionTest {

    @Inject
    Pool pool;

    @Inject
    JudgeChampions champions;

    @TempDir
    Path dir;

    private static JsonPath versions(String name) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            JsonPath page = given().get("/api/judges/" + name + "/versions").then().statusCode(200).extract().jsonPath();
            if (page.get("champion") != null) {
                return page;
            }
        }
        fail("judge " + name + " has no champion");
        return null;
    }

    /** A trace whose response differs from the expected one only in case, tagged for the sweep "champion". */
    private static String trace(boolean forSweep) {
        String id = "tr-" + UUID.randomUUID().toString().replace("-", "");
        given().contentType(ContentType.JSON).body("{\"traces\": [{\"trace_id\": \"" + id + "\", \"inputs\": \"Capital of France?\", "
                + "\"outputs\": \"PARIS\", \"expectations\": {\"expected_response\": \"Paris\"}, \"tags\": {\"sweep\": \"" + (forSweep ? "champion" : "none") + "\"}}]}")
                .post("/api/traces").then().statusCode(200);
        return id;
    }

    private static Map<String, Object> onlyResult(String runId) {
        List<Map<String, Object>> results = RunTestSupport.assessments(runId);
        assertEquals(1, results.size(), results.toString());
        return results.get(0);
    }

    private static String version(Map<String, Object> result) {
        return (String) ((Map<?, ?>) result.get("metadata")).get("tribunal.judge.version");
    }

    @Test
    void aPromotedVersionJudgesRunsAndSweepsThatNameNone() throws Exception {
        String loaded = given().get("/api/judges/exact_match").then().statusCode(200).extract().path("version");
        JsonPath start = versions("exact_match");
        assertEquals(loaded, start.getString("champion.version"));
        assertEquals(Boolean.TRUE, start.get("versions.find { it.version == '" + loaded + "' }.champion"));
        String log = Files.readString(Path.of(FakeProviders.LOG_FILE));
        assertTrue(log.contains("Judge exact_match runs version " + loaded + " ("), "the start says which version each judge runs");

        // a past version that compared case by case
        String pastFile = Files.readString(Path.of("judges/exact_match.yaml")).replace("case_sensitive: false", "case_sensitive: true");
        Files.writeString(dir.resolve("exact_match.yaml"), pastFile);
        String past = JudgeCatalog.load(dir, Set.of("openai")).get("exact_match").version();
        pool.preparedQuery("insert into judge_version (name, version, definition, file, first_seen_at, first_seen_by) "
                + "values ('exact_match', $1, $2, 'judges/exact_match.yaml', $3, 'an-old-host/1/ab') on conflict do nothing")
                .execute(Tuple.of(past, pastFile, OffsetDateTime.now().minusDays(20))).await().indefinitely();

        String judge = TestSecurity.key("champion-judge", "read", "judge");
        given().header("Authorization", "Bearer " + judge).post("/api/judges/exact_match/versions/" + past + "/promote")
                .then().statusCode(403);
        given().post("/api/judges/exact_match/versions/ffffffffffff/promote").then().statusCode(404)
                .body("detail", containsString("has no version ffffffffffff"));
        try {
            given().post("/api/judges/exact_match/versions/" + past + "/promote").then().statusCode(200)
                    .body("version", equalTo(past))
                    .body("reason", containsString("promoted by"));
            JsonPath promoted = versions("exact_match");
            assertEquals(past, promoted.getString("champion.version"));
            assertEquals(Boolean.TRUE, promoted.get("versions.find { it.version == '" + past + "' }.champion"));
            assertEquals(Boolean.FALSE, promoted.get("versions.find { it.version == '" + loaded + "' }.champion"));

            // a run that names no version judges with the champion: case by case, "PARIS" is not "Paris"
            String first = trace(true);
            String run = RunTestSupport.startRun(List.of("exact_match"), List.of(first), null);
            RunTestSupport.awaitCompleted(run, Duration.ofSeconds(60));
            Map<String, Object> result = onlyResult(run);
            assertEquals(past, version(result));
            assertEquals(Boolean.FALSE, ((Map<?, ?>) result.get("feedback")).get("value"));

            // and so does a sweep's next tick
            long ticks = given().get("/api/sweeps/champion").then().statusCode(200).extract().jsonPath().getLong("ticks");
            given().post("/api/sweeps/champion/trigger").then().statusCode(202);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            JsonPath sweep = null;
            while (System.nanoTime() < deadline) {
                sweep = given().get("/api/sweeps/champion").then().statusCode(200).extract().jsonPath();
                if (sweep.getLong("ticks") > ticks) {
                    break;
                }
            }
            String sweepRun = sweep.getString("last_run_id");
            RunTestSupport.awaitCompleted(sweepRun, Duration.ofSeconds(60));
            assertTrue(RunTestSupport.assessments(sweepRun).stream().allMatch(a -> past.equals(version(a))), "the sweep judged with " + past);
        } finally {
            // the loaded version back, for the tests that follow
            given().post("/api/judges/exact_match/versions/" + loaded + "/promote").then().statusCode(200);
        }
        // a file brought back to a version already known makes it champion again, unless one was promoted by hand
        pool.preparedQuery("update judge_champion set version = $1, reason = 'the version loaded from its file' where name = 'exact_match'")
                .execute(Tuple.of(past)).await().indefinitely();
        champions.settle().await().indefinitely();
        assertEquals(loaded, versions("exact_match").getString("champion.version"));
        pool.preparedQuery("update judge_champion set version = $1, reason = 'promoted by someone' where name = 'exact_match'")
                .execute(Tuple.of(past)).await().indefinitely();
        champions.settle().await().indefinitely();
        assertEquals(past, versions("exact_match").getString("champion.version"), "a promotion stays");
        given().post("/api/judges/exact_match/versions/" + loaded + "/promote").then().statusCode(200);
        String again = RunTestSupport.startRun(List.of("exact_match"), List.of(trace(false)), null);
        RunTestSupport.awaitCompleted(again, Duration.ofSeconds(60));
        assertEquals(loaded, version(onlyResult(again)));
    }
}
