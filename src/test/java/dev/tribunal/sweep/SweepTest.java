package dev.tribunal.sweep;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** Sweeps of src/test/resources/sweeps over traces tagged for each. */
@QuarkusTest
class SweepTest {

    @Inject
    io.vertx.mutiny.sqlclient.Pool pool;

    private static List<String> ingest(int count, String sweepTag) {
        List<String> ids = new ArrayList<>();
        StringBuilder body = new StringBuilder("{\"traces\": [");
        for (int i = 0; i < count; i++) {
            String id = "tr-" + UUID.randomUUID().toString().replace("-", "");
            ids.add(id);
            body.append(i == 0 ? "" : ",").append("{\"trace_id\": \"").append(id).append("\", \"inputs\": \"q").append(i)
                    .append("\", \"outputs\": \"a\", \"expectations\": {\"expected_response\": \"a\"}, \"tags\": {\"sweep\": \"")
                    .append(sweepTag).append("\"}}");
        }
        given().contentType(ContentType.JSON).body(body.append("]}").toString()).post("/api/traces").then().statusCode(200);
        return ids;
    }

    private static JsonPath sweep(String name) {
        return given().get("/api/sweeps/" + name).then().statusCode(200).extract().jsonPath();
    }

    /** Triggers a tick and waits for it; returns the sweep afterwards. */
    private static JsonPath tick(String name) throws InterruptedException {
        long ticks = sweep(name).getLong("ticks");
        given().post("/api/sweeps/" + name + "/trigger").then().statusCode(202).body("triggered", equalTo(true));
        return awaitTicks(name, ticks + 1);
    }

    private static JsonPath awaitTicks(String name, long ticks) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            JsonPath state = sweep(name);
            if (state.getLong("ticks") >= ticks) {
                return state;
            }
            Thread.sleep(100);
        }
        fail("sweep " + name + " did not tick");
        return null;
    }

    private static JsonPath awaitRun(String runId) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            JsonPath run = given().get("/api/judge-runs/" + runId).then().statusCode(200).extract().jsonPath();
            if ("COMPLETED".equals(run.getString("status"))) {
                return run;
            }
            Thread.sleep(100);
        }
        fail("run " + runId + " did not complete");
        return null;
    }

    /** (trace, judge) of every assessment of the run. */
    private static List<String> judged(String runId) {
        List<Map<String, Object>> all = given().queryParam("run_id", runId).queryParam("max_results", 1000).get("/api/assessments")
                .then().statusCode(200).extract().jsonPath().getList("assessments");
        return all.stream().map(a -> a.get("trace_id") + "|" + a.get("assessment_name")).toList();
    }

    @Test
    void eachTickJudgesTheTracesThatArrivedSinceTheLastOnce() throws InterruptedException {
        List<String> first = ingest(5, "tagged");
        JsonPath tick1 = tick("tagged");
        assertEquals(3, tick1.getInt("last_tick_traces"), "max_traces_per_tick is 3");
        String run1 = tick1.getString("last_run_id");
        JsonPath run = awaitRun(run1);
        assertEquals(6, run.getInt("total"), "3 traces × (exact_match + relevance)");
        assertEquals("SWEEP", run.getString("trigger"));
        assertEquals("tagged", run.getString("sweep"));
        assertEquals("sweep:tagged", run.getString("created_by"), "a sweep's run is started by the sweep");

        JsonPath tick2 = tick("tagged");
        assertEquals(2, tick2.getInt("last_tick_traces"), "the two left");
        String run2 = tick2.getString("last_run_id");
        awaitRun(run2);

        JsonPath tick3 = tick("tagged");
        assertEquals(0, tick3.getInt("last_tick_traces"), "nothing new");
        assertEquals(run2, tick3.getString("last_run_id"), "no run for an empty tick");

        List<String> later = ingest(1, "tagged");
        JsonPath tick4 = tick("tagged");
        assertEquals(1, tick4.getInt("last_tick_traces"));
        String run4 = tick4.getString("last_run_id");
        awaitRun(run4);

        List<String> all = new ArrayList<>(judged(run1));
        all.addAll(judged(run2));
        all.addAll(judged(run4));
        assertEquals(12, all.size(), "6 traces × 2 judges");
        assertEquals(12, new HashSet<>(all).size(), "each trace judged once per judge");
        Set<String> traces = all.stream().map(k -> k.substring(0, k.indexOf('|'))).collect(Collectors.toSet());
        Set<String> expected = new HashSet<>(first);
        expected.addAll(later);
        assertEquals(expected, traces);
        JsonPath state = sweep("tagged");
        assertEquals(4, state.getInt("ticks"));
        assertEquals(6, state.getInt("traces_judged"));
        assertEquals(12, state.getInt("judgments"));
        assertEquals(0, state.getInt("errored"));
        assertNotNull(state.get("lag_seconds"));
        given().get("/q/metrics").then().body(containsString("tribunal_sweep_lag_seconds{sweep=\"tagged\"}"));
        assertNotNull(state.get("next_tick_at"));
    }

    @Test
    void samplingIsADeterministicHashOfTheTraceAndTheSweep() throws Exception {
        List<String> ids = ingest(40, "sampled");
        JsonPath state = tick("sampled");
        awaitRun(state.getString("last_run_id"));
        Set<String> judged = judged(state.getString("last_run_id")).stream().map(k -> k.substring(0, k.indexOf('|')))
                .collect(Collectors.toSet());
        Set<String> expected = new HashSet<>();
        for (String id : ids) {
            byte[] md5 = MessageDigest.getInstance("MD5").digest(("sampled:" + id).getBytes(StandardCharsets.UTF_8));
            long first32 = Long.parseLong(HexFormat.of().formatHex(md5).substring(0, 8), 16);
            if (first32 < 0.5 * 4294967296.0) {
                expected.add(id);
            }
        }
        assertEquals(expected, judged, "sample_rate 0.5: the traces whose hash falls in the lower half");
        assertTrue(expected.size() > 5 && expected.size() < 35, "about half of 40: " + expected.size());
    }

    @Test
    void aJudgeWhoseVersionChangedJudgesAgainOnlyWhenTheSweepSaysSo() throws InterruptedException {
        List<String> rejudged = ingest(3, "rejudge");
        ingest(3, "keep");
        assertEquals(3, tick("rejudge").getInt("last_tick_traces"));
        assertEquals(3, tick("keep").getInt("last_tick_traces"));
        // as after a restart with an edited exact_match.yaml
        pool.preparedQuery("update sweep_checkpoint set judge_version = 'old', versions = array['old'] where sweep in ('rejudge', 'keep')")
                .execute().await().indefinitely();
        JsonPath again = tick("rejudge");
        assertEquals(3, again.getInt("last_tick_traces"), "rejudge_on_version_change: true judges the traces again");
        awaitRun(again.getString("last_run_id"));
        Set<String> traces = judged(again.getString("last_run_id")).stream().map(k -> k.substring(0, k.indexOf('|')))
                .collect(Collectors.toSet());
        assertEquals(new HashSet<>(rejudged), traces);
        assertEquals(0, tick("keep").getInt("last_tick_traces"), "rejudge_on_version_change: false: the new version judges new traces only");
        // a replica still on the old version takes the next tick: that is no new version, nothing is judged again
        pool.preparedQuery("update sweep_checkpoint set judge_version = 'old' where sweep = 'rejudge'").execute().await().indefinitely();
        assertEquals(0, tick("rejudge").getInt("last_tick_traces"), "a version already seen does not rejudge");
    }

    @Test
    void judgingAgainAfterAVersionChangeReusesTheAnswersAlreadyPaidFor() throws InterruptedException {
        // relevance at temperature 0 on a provider that caches by default
        String marker = "cached-" + UUID.randomUUID();
        StringBuilder body = new StringBuilder("{\"traces\": [");
        for (int i = 0; i < 3; i++) {
            body.append(i == 0 ? "" : ",").append("{\"inputs\": \"").append(marker).append(" question ").append(i)
                    .append("\", \"outputs\": \"an answer\", \"tags\": {\"sweep\": \"rejudge-cached\"}}");
        }
        given().contentType(ContentType.JSON).body(body.append("]}").toString()).post("/api/traces").then().statusCode(200);
        java.util.function.LongSupplier calls = () -> dev.tribunal.llm.FakeProviders.server.received().stream()
                .filter(r -> r.userMessage().contains(marker)).count();

        JsonPath first = tick("rejudge-cached");
        assertEquals(3, first.getInt("last_tick_traces"));
        assertEquals(0, awaitRun(first.getString("last_run_id")).getInt("cached"));
        assertEquals(3, calls.getAsLong());

        // as after a restart with another version of relevance.yaml, the sweep judges every trace again
        pool.preparedQuery("update sweep_checkpoint set judge_version = 'old', versions = array['old'] where sweep = 'rejudge-cached'")
                .execute().await().indefinitely();
        JsonPath again = tick("rejudge-cached");
        assertEquals(3, again.getInt("last_tick_traces"));
        JsonPath run = awaitRun(again.getString("last_run_id"));
        assertEquals(3, run.getInt("cached"), run.prettify());
        assertEquals(3, run.getInt("succeeded"), run.prettify());
        assertEquals(3, calls.getAsLong(), "the same judge version on unchanged traces: no call is paid twice");
    }

    @Test
    void aSweepTicksOnItsOwnSchedule() throws InterruptedException {
        List<String> ids = ingest(2, "auto");
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline && sweep("auto").getLong("traces_judged") < 2) {
            Thread.sleep(200);
        }
        assertEquals(2, sweep("auto").getLong("traces_judged"), "every 2s, without a trigger");
        assertTrue(ids.size() == 2);
    }

    @Test
    void sweepsAreListedAndTriggersAreChecked() {
        given().get("/api/sweeps").then().statusCode(200)
                .body("sweeps.name", hasItems("auto", "keep", "off", "rejudge", "sampled", "tagged"))
                .body("sweeps.find { it.name == 'tagged' }.judges", equalTo(List.of("exact_match", "relevance")))
                .body("sweeps.find { it.name == 'tagged' }.models", equalTo(List.of("fake:/ok")))
                .body("sweeps.find { it.name == 'tagged' }.schedule", equalTo("every 1h"))
                .body("sweeps.find { it.name == 'tagged' }.filter_tags.sweep", equalTo("tagged"))
                .body("sweeps.find { it.name == 'tagged' }.max_traces_per_tick", equalTo(3))
                .body("sweeps.find { it.name == 'off' }.schedule", equalTo("cron 0 0 2 * * ?"))
                .body("sweeps.find { it.name == 'off' }.enabled", equalTo(false))
                .body("sweeps.find { it.name == 'sampled' }.sample_rate", equalTo(0.5f));
        given().post("/api/sweeps/off/trigger").then().statusCode(409).body("detail", containsString("disabled"));
        given().post("/api/sweeps/nope/trigger").then().statusCode(404).body("detail", containsString("No sweep named 'nope'"));
        given().get("/api/sweeps/nope").then().statusCode(404);
    }

    @Test
    void aSweepWhoseJudgeCannotRunSaysSoAtStartOnEachTickAndInItsView() throws Exception {
        String why = "judge 'relevance' on fake-keyless:/keyless cannot run: provider 'fake-keyless' has no API key "
                + "(set TRIBUNAL_PROVIDERS_FAKE_KEYLESS_API_KEY or tribunal.providers.fake-keyless.api-key)";
        assertEquals(List.of(why), sweep("keyless").getList("warnings"));
        assertEquals(List.of(), sweep("tagged").getList("warnings"), "a sweep whose judges can run has no warning");
        java.nio.file.Path log = java.nio.file.Path.of(dev.tribunal.llm.FakeProviders.LOG_FILE);
        String started = java.nio.file.Files.readString(log);
        assertTrue(started.contains("Sweep 'keyless': " + why), "said at start");
        assertTrue(started.contains("Sweep 'tagged' is enabled (every 1h): next tick at "), "each sweep with its next tick");
        assertTrue(started.contains("Sweep 'off' is disabled (enabled: false in "), "and the disabled ones");
        given().post("/api/sweeps/keyless/trigger").then().statusCode(202);
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        while (!java.nio.file.Files.readString(log).contains("Sweep 'keyless' ticks, but " + why) && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertTrue(java.nio.file.Files.readString(log).contains("Sweep 'keyless' ticks, but " + why), "said again at its tick");
    }
}
