package dev.tribunal.versions;

import dev.tribunal.judge.JudgeVersions;

import dev.tribunal.run.RunTestSupport;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Every judge version loaded is kept with its file; a judge's history shows each with its diff and what it judged. */
@QuarkusTest
class JudgeVersionTest {

    @Inject
    Pool pool;

    @Inject
    JudgeVersions versions;

    private static JsonPath history(String name) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            JsonPath page = given().get("/api/judges/" + name + "/versions").then().statusCode(200).extract().jsonPath();
            if (!page.getList("versions").isEmpty()) {
                return page;
            }
        }
        fail("no version of " + name + " was recorded");
        return null;
    }

    @Test
    void theLoadedVersionIsRecordedWithItsFileAndWhoFirstSawIt() throws Exception {
        String loaded = given().get("/api/judges/correctness").then().statusCode(200).extract().path("version");
        JsonPath history = history("correctness");
        assertEquals(loaded, history.getString("loaded_version"));
        Map<String, Object> current = history.getMap("versions.find { it.version == '" + loaded + "' }");
        assertEquals(Boolean.TRUE, current.get("loaded"));
        assertEquals("ungated", current.get("status"));
        assertEquals(Files.readString(Path.of("judges/correctness.yaml")), current.get("definition"));
        assertTrue(((String) current.get("first_seen_by")).matches(".+/[0-9]+/[0-9a-f]+"), current.toString());

        // recorded again (another process, a restart): the first sighting stays
        Object firstSeen = current.get("first_seen_at");
        versions.record().await().indefinitely();
        assertEquals(firstSeen, history("correctness").getMap("versions.find { it.version == '" + loaded + "' }").get("first_seen_at"));
    }

    @Test
    void aPastVersionIsShownWithWhatChangedSince() throws Exception {
        String file = Files.readString(Path.of("judges/relevance.yaml"));
        String loaded = given().get("/api/judges/relevance").then().statusCode(200).extract().path("version");
        history("relevance");
        String older = file.replace("inference: {temperature: 0", "inference: {temperature: 0.3");
        assertFalse(older.equals(file), "the shipped file sets a temperature of 0");
        pool.preparedQuery("insert into judge_version (name, version, definition, file, first_seen_at, first_seen_by) "
                + "values ('relevance', 'aaaaaaaaaaaa', $1, 'judges/relevance.yaml', $2, 'an-old-host/1/ab') on conflict do nothing")
                .execute(Tuple.of(older, OffsetDateTime.now().minusDays(30))).await().indefinitely();
        JsonPath history = history("relevance");
        List<String> order = history.getList("versions.version");
        assertTrue(order.indexOf(loaded) < order.indexOf("aaaaaaaaaaaa"), "newest first: " + order);
        Map<String, Object> now = history.getMap("versions.find { it.version == '" + loaded + "' }");
        assertEquals("aaaaaaaaaaaa", now.get("previous_version"));
        String diff = (String) now.get("diff");
        assertTrue(diff.contains("- inference: {temperature: 0.3") && diff.contains("+ inference: {temperature: 0,"), diff);
        Map<String, Object> past = history.getMap("versions.find { it.version == 'aaaaaaaaaaaa' }");
        assertEquals(Boolean.FALSE, past.get("loaded"));
        assertEquals(older, past.get("definition"));
        assertNull(past.get("diff"), "the first version has nothing before it");
    }

    @Test
    void eachVersionCountsWhatItJudged() {
        List<String> traces = RunTestSupport.traces(3, "2");
        String run = RunTestSupport.startRun(List.of("exact_match"), traces, null);
        RunTestSupport.awaitCompleted(run, Duration.ofSeconds(60));
        String loaded = given().get("/api/judges/exact_match").then().statusCode(200).extract().path("version");
        Map<String, Object> current = history("exact_match").getMap("versions.find { it.version == '" + loaded + "' }");
        assertTrue(((Number) current.get("judgments")).longValue() >= 3, current.toString());
        long judgments = ((Number) current.get("judgments")).longValue();
        long errored = ((Number) current.get("errored")).longValue();
        assertTrue(errored <= judgments);
        assertEquals((double) errored / judgments, ((Number) current.get("error_rate")).doubleValue(), 1e-6);
    }

    @Test
    void aJudgeNoLongerLoadedKeepsItsHistoryAndAnUnknownOneIs404() {
        pool.preparedQuery("insert into judge_version (name, version, definition, file, first_seen_at, first_seen_by) "
                + "values ('retired_judge', 'bbbbbbbbbbbb', 'name: retired_judge', 'judges/retired_judge.yaml', now(), 'x/1/ab') "
                + "on conflict do nothing").execute().await().indefinitely();
        JsonPath history = history("retired_judge");
        assertNull(history.getString("loaded_version"));
        assertEquals(Boolean.FALSE, history.get("versions[0].loaded"));
        given().get("/api/judges/never_seen/versions").then().statusCode(404).body("detail", containsString("never_seen"));
    }
}
