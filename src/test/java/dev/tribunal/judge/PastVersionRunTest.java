package dev.tribunal.judge;

import dev.tribunal.run.RunTestSupport;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
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
import static org.junit.jupiter.api.Assertions.assertEquals;

/** A past version of a judge, kept with its file, runs again as it was when a run names it. */
@QuarkusTest
class PastVersionRunTest {

    @Inject
    Pool pool;

    @TempDir
    Path dir;

    @Test
    void aRunNamingAPastVersionJudgesWithThatVersion() throws Exception {
        // the past exact_match compared case by case; the loaded one ignores case
        String past = Files.readString(Path.of("judges/exact_match.yaml")).replace("case_sensitive: false", "case_sensitive: true");
        Files.writeString(dir.resolve("exact_match.yaml"), past);
        String version = JudgeCatalog.load(dir, Set.of("openai")).get("exact_match").version();
        pool.preparedQuery("insert into judge_version (name, version, definition, file, first_seen_at, first_seen_by) "
                + "values ('exact_match', $1, $2, 'judges/exact_match.yaml', $3, 'an-old-host/1/ab') on conflict do nothing")
                .execute(Tuple.of(version, past, OffsetDateTime.now().minusDays(10))).await().indefinitely();
        String loaded = given().get("/api/judges/exact_match").then().statusCode(200).extract().path("version");

        String trace = "tr-" + UUID.randomUUID().toString().replace("-", "");
        given().contentType(ContentType.JSON).body("{\"traces\": [{\"trace_id\": \"" + trace + "\", \"inputs\": \"Capital of France?\", "
                + "\"outputs\": \"PARIS\", \"expectations\": {\"expected_response\": \"Paris\"}}]}").post("/api/traces").then().statusCode(200);
        String run = given().contentType(ContentType.JSON).body("{\"judges\": [\"exact_match\", {\"name\": \"exact_match\", \"version\": \""
                + version + "\"}], \"trace_ids\": [\"" + trace + "\"]}").post("/api/judge-runs").then().statusCode(202).extract().path("run_id");
        RunTestSupport.awaitCompleted(run, Duration.ofSeconds(60));
        List<Map<String, Object>> results = RunTestSupport.assessments(run);
        assertEquals(2, results.size());
        for (Map<String, Object> result : results) {
            @SuppressWarnings("unchecked")
            String judgedBy = ((Map<String, String>) result.get("metadata")).get("tribunal.judge.version");
            Object value = ((Map<?, ?>) result.get("feedback")).get("value");
            // each version judged as it is written: the loaded one ignores case, the past one does not
            assertEquals(judgedBy.equals(loaded), value, judgedBy + " said " + value);
        }
        assertEquals(Set.of(loaded, version), Set.copyOf(results.stream()
                .map(r -> ((Map<?, ?>) r.get("metadata")).get("tribunal.judge.version")).toList()));

        given().contentType(ContentType.JSON).body("{\"judges\": [{\"name\": \"exact_match\", \"version\": \"ffffffffffff\"}], \"trace_ids\": [\""
                + trace + "\"]}").post("/api/judge-runs").then().statusCode(400)
                .body("detail", containsString("judge 'exact_match' has no version ffffffffffff"));
        given().contentType(ContentType.JSON).body("{\"judges\": [{\"version\": \"" + version + "\"}], \"trace_ids\": [\"" + trace + "\"]}")
                .post("/api/judge-runs").then().statusCode(400).body("detail", containsString("judges"));
    }
}
