package dev.tribunal.batch;

import dev.tribunal.llm.FakeOpenAiServer;
import dev.tribunal.llm.FakeProviders;
import dev.tribunal.llm.ProviderBatches;
import dev.tribunal.run.RunTestSupport;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.tribunal.run.RunTestSupport.assessments;
import static dev.tribunal.run.RunTestSupport.awaitCompleted;
import static dev.tribunal.run.RunTestSupport.jsonList;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Runs and sweeps in batch mode against the simulated provider's Batch API: every judgment made once, through batches
 * only, at the batch prices; answers that failed, batches that failed or expired, and cancelled runs.
 */
@QuarkusTest
class BatchRunTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    private static String start(List<String> judges, List<String> traceIds, List<String> models, String mode) {
        String body = "{\"judges\": " + jsonList(judges) + ", \"trace_ids\": " + jsonList(traceIds) + ", \"models\": " + jsonList(models)
                + (mode == null ? "" : ", \"mode\": \"" + mode + "\"") + "}";
        return given().contentType(ContentType.JSON).body(body).post("/api/judge-runs").then().statusCode(202).extract().path("run_id");
    }

    /** Chat calls (online) whose prompt is about one of these traces. */
    private static long onlineCalls(List<String> traceIds) {
        return FakeProviders.server.received().stream().filter(r -> traceIds.stream().anyMatch(id -> r.userMessage().contains(id))).count();
    }

    private static JsonPath batches(String runId) {
        return given().get("/api/judge-runs/" + runId + "/batches").then().statusCode(200).extract().jsonPath();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> error(Map<String, Object> assessment) {
        return (Map<String, Object>) ((Map<String, Object>) assessment.get("feedback")).get("error");
    }

    @Test
    void aBatchRunJudgesEveryTraceOnceThroughBatchesOnlyAtHalfThePrice() {
        List<String> ids = RunTestSupport.traces(4, "1");
        String batchRun = start(List.of("relevance", "exact_match"), ids, List.of("fake-batch:/ok"), "batch");
        JsonPath batch = awaitCompleted(batchRun, WAIT);
        assertEquals(8, batch.getInt("completed"));
        assertEquals(0, batch.getInt("errored"), batch.prettify());
        assertEquals(0, onlineCalls(ids), "no online call in batch mode");
        List<Map<String, Object>> judged = assessments(batchRun);
        assertEquals(8, judged.size());
        assertEquals(8, new HashSet<>(judged.stream().map(a -> a.get("trace_id") + "|" + a.get("assessment_name")).toList()).size());
        JsonPath runBatches = batches(batchRun);
        assertEquals(1, runBatches.getList("batches").size(), runBatches.prettify());
        assertEquals("completed", runBatches.getString("batches[0].status"));
        assertEquals(4, runBatches.getInt("batches[0].requests"));
        assertEquals(4, runBatches.getInt("batches[0].completed"));

        // the same judgments online: each call 120 prompt and 30 completion tokens at 0.15 / 0.60 per million
        String onlineRun = start(List.of("relevance", "exact_match"), ids, List.of("fake-batch:/ok"), "online");
        JsonPath online = awaitCompleted(onlineRun, WAIT);
        assertEquals(4, onlineCalls(ids));
        assertEquals(4 * (120 * 0.15 + 30 * 0.60) / 1e6, online.getDouble("cost"), 1e-12);
        assertEquals(4 * (120 * 0.075 + 30 * 0.30) / 1e6, batch.getDouble("cost"), 1e-12);
        assertEquals(online.getDouble("cost") / 2, batch.getDouble("cost"), 1e-12);
        Map<String, Object> one = judged.stream().filter(a -> "relevance".equals(a.get("assessment_name"))).findFirst().orElseThrow();
        @SuppressWarnings("unchecked")
        Map<String, String> metadata = (Map<String, String>) one.get("metadata");
        assertEquals(0.0000180, Double.parseDouble(metadata.get("mlflow.assessment.judgeCost")), 1e-12, "each judgment at the batch price");
    }

    @Test
    void judgmentsInTheJudgmentCacheAreAnsweredFromItWithoutABatch() {
        List<String> ids = RunTestSupport.traces(2, null);
        awaitCompleted(start(List.of("relevance"), ids, List.of("fake-batch-cache:/ok"), "online"), WAIT);
        assertEquals(2, onlineCalls(ids));
        String runId = start(List.of("relevance"), ids, List.of("fake-batch-cache:/ok"), "batch");
        JsonPath run = awaitCompleted(runId, WAIT);
        assertEquals(2, run.getInt("cached"), run.prettify());
        assertEquals(0, run.getInt("errored"));
        assertEquals(2, onlineCalls(ids), "no call sent again");
        assertTrue(batches(runId).getList("batches").isEmpty(), "no batch for judgments the cache answers");
    }

    @Test
    void aBatchLineIsTheSameChatCompletionBodyAsTheOnlineCall() {
        List<String> ids = RunTestSupport.traces(1, null);
        awaitCompleted(start(List.of("relevance"), ids, List.of("fake-batch:/ok"), "online"), WAIT);
        awaitCompleted(start(List.of("relevance"), ids, List.of("fake-batch:/ok"), "batch"), WAIT);
        io.vertx.core.json.JsonObject online = FakeProviders.server.received().stream().filter(r -> r.userMessage().contains(ids.get(0)))
                .map(r -> new io.vertx.core.json.JsonObject(r.body())).findFirst().orElseThrow();
        List<io.vertx.core.json.JsonObject> batched = FakeProviders.server.batchBodies().stream()
                .filter(b -> b.encode().contains(ids.get(0))).toList();
        assertEquals(1, batched.size());
        assertEquals(online, batched.get(0), "the same model, messages, temperature, max tokens and response format");
    }

    @Test
    void aBatchFileHoldsAtMostTheProvidersMaximumOfRequests() {
        List<String> ids = RunTestSupport.traces(5, null);
        String runId = start(List.of("relevance"), ids, List.of("fake-batch-small:/ok"), "batch");
        JsonPath run = awaitCompleted(runId, WAIT);
        assertEquals(5, run.getInt("completed"));
        assertEquals(0, run.getInt("errored"));
        List<Integer> sizes = batches(runId).getList("batches.requests", Integer.class);
        assertEquals(List.of(2, 2, 1), sizes);
    }

    @Test
    void answersThatFailedAtTheProviderEndWithTheUsualErrorCodes() {
        List<String> ids = RunTestSupport.traces(2, null);
        String runId = start(List.of("relevance"), ids, List.of("fake-batch:/error-500", "fake-batch:/always-429", "fake-batch:/invalid-json",
                "fake-batch:/bad-request"), "batch");
        JsonPath run = awaitCompleted(runId, WAIT);
        assertEquals(8, run.getInt("errored"), run.prettify());
        assertEquals(2, run.getInt("errors_by_code.PROVIDER_ERROR"));
        assertEquals(2, run.getInt("errors_by_code.RATE_LIMIT_EXCEEDED"));
        assertEquals(2, run.getInt("errors_by_code.INVALID_JUDGE_OUTPUT"));
        assertEquals(2, run.getInt("errors_by_code.PROVIDER_REJECTED"));
        assertEquals(0, onlineCalls(ids));
        assertTrue(assessments(runId).stream().filter(a -> "PROVIDER_ERROR".equals(error(a).get("error_code")))
                .allMatch(a -> ((String) error(a).get("error_message")).contains("HTTP 500")));
    }

    @Test
    void aBatchWhoseCreateIsAnsweredTooLateIsFoundAtTheProviderAndNotSentAgain() {
        List<String> ids = RunTestSupport.traces(3, null);
        String runId = start(List.of("relevance"), ids, List.of("fake-batch:/batch-slow-create"), "batch");
        JsonPath run = awaitCompleted(runId, WAIT);
        assertEquals(3, run.getInt("completed"));
        assertEquals(0, run.getInt("errored"), run.prettify());
        assertEquals(1, FakeProviders.server.batches("batch-slow-create").size(), "the batch made without an answer is not made again");
        List<Map<String, Object>> judged = assessments(runId);
        assertEquals(3, judged.size());
        assertEquals(new HashSet<>(ids), new HashSet<>(judged.stream().map(a -> (String) a.get("trace_id")).toList()));
        JsonPath runBatches = batches(runId);
        assertEquals(1, runBatches.getList("batches").size(), runBatches.prettify());
        assertEquals(FakeProviders.server.batches("batch-slow-create").get(0).id(), runBatches.getString("batches[0].provider_batch_id"));
        assertEquals("completed", runBatches.getString("batches[0].status"));
    }

    @jakarta.inject.Inject
    dev.tribunal.llm.ProviderBatches providerBatches;

    @Test
    void aBatchIsFoundByItsInputFileInTheProvidersListAndNotFoundWhereTheProviderListsNone() {
        List<String> ids = RunTestSupport.traces(1, null);
        awaitCompleted(start(List.of("relevance"), ids, List.of("fake-batch:/ok"), "batch"), WAIT);
        String batchId = FakeProviders.server.batches().get(FakeProviders.server.batches().size() - 1).id();
        ProviderBatches.BatchState made = providerBatches.get("fake-batch", batchId).await().atMost(WAIT);
        String inputFile = FakeProviders.server.batchInputFile(batchId);
        assertEquals(batchId, providerBatches.find("fake-batch", inputFile, java.time.Instant.now().minusSeconds(60)).await().atMost(WAIT)
                .orElseThrow().id());
        assertEquals("completed", made.status());
        assertTrue(providerBatches.find("fake-batch", "file-never-uploaded", java.time.Instant.now().minusSeconds(60)).await().atMost(WAIT)
                .isEmpty());
        FakeProviders.server.batchListing(false);
        try {
            assertTrue(providerBatches.find("fake-batch", inputFile, java.time.Instant.now().minusSeconds(60)).await().atMost(WAIT).isEmpty(),
                    "a provider that lists no batches has none found");
        } finally {
            FakeProviders.server.batchListing(true);
        }
    }

    @Test
    void aFailedBatchAndAnExpiredOneAreSentAgainThenTheirUnansweredJudgmentsEndAsErrors() {
        List<String> ids = RunTestSupport.traces(4, null);
        int failedBefore = FakeProviders.server.batches("batch-fail").size();
        String runId = start(List.of("relevance"), ids, List.of("fake-batch:/batch-fail", "fake-batch:/batch-expire"), "batch");
        JsonPath run = awaitCompleted(runId, WAIT);
        assertEquals(8, run.getInt("completed"));
        // batch-fail: 4 judgments in 2 batches (batch-max-tries 2), all failed; batch-expire: 2 answered in the first
        // batch, 1 of the other 2 in the second, the last one ends as an error
        assertEquals(5, run.getInt("errors_by_code.PROVIDER_ERROR"), run.prettify());
        assertEquals(3, run.getInt("succeeded"));
        assertEquals(2, FakeProviders.server.batches("batch-fail").size() - failedBefore);
        List<String> statuses = batches(runId).getList("batches.status");
        assertEquals(4, statuses.size(), statuses.toString());
        assertEquals(2, statuses.stream().filter("failed"::equals).count());
        assertEquals(2, statuses.stream().filter("expired"::equals).count());
        List<String> messages = new ArrayList<>();
        assessments(runId).stream().filter(a -> error(a) != null).forEach(a -> messages.add((String) error(a).get("error_message")));
        assertEquals(4, messages.stream().filter(m -> m.startsWith("sent in 2 provider batches without an answer") && m.endsWith("ended failed"))
                .count(), messages.toString());
        assertEquals(1, messages.stream().filter(m -> m.endsWith("ended expired")).count(), messages.toString());
    }

    @Test
    void cancellingARunCancelsItsBatchAtTheProvider() throws InterruptedException {
        List<String> ids = RunTestSupport.traces(3, null);
        String runId = start(List.of("relevance"), ids, List.of("fake-batch:/batch-hold"), "batch");
        String providerId = awaitBatch(runId);
        given().post("/api/judge-runs/" + runId + "/cancel").then().statusCode(200);
        long deadline = System.nanoTime() + WAIT.toNanos();
        JsonPath run = null;
        while (System.nanoTime() < deadline) {
            run = given().get("/api/judge-runs/" + runId).then().statusCode(200).extract().jsonPath();
            FakeOpenAiServer.FakeBatch at = FakeProviders.server.batches().stream().filter(b -> b.id().equals(providerId)).findFirst().orElseThrow();
            if (at.cancelRequested() && "cancelled".equals(at.status()) && run.getInt("cancelled") == 3) {
                break;
            }
            Thread.sleep(100);
        }
        assertEquals("CANCELLED", run.getString("status"));
        assertEquals(3, run.getInt("cancelled"), run.prettify());
        assertEquals(0, run.getInt("completed"));
        assertEquals("cancelled", batches(runId).getString("batches[0].status"));
        assertTrue(assessments(runId).isEmpty());
    }

    private static String awaitBatch(String runId) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            String id = batches(runId).getString("batches[0].provider_batch_id");
            if (id != null) {
                return id;
            }
            Thread.sleep(100);
        }
        fail("run " + runId + " sent no batch");
        return null;
    }

    /** Whether a sweep's sample takes a trace: the first 32 bits of MD5("<sweep>:<trace id>") below the rate's share. */
    private static boolean sampled(String sweep, String traceId, double rate) {
        try {
            byte[] md5 = java.security.MessageDigest.getInstance("MD5").digest((sweep + ":" + traceId).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return Long.parseLong(java.util.HexFormat.of().formatHex(md5).substring(0, 8), 16) < rate * 4294967296.0;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aSweepInBatchModeJudgesEverySampledTraceOnceAtHalfThePrice() throws InterruptedException {
        // traces until the sweep's half sample takes some and leaves some
        List<String> ids = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        while (ids.size() < 8 || expected.isEmpty() || expected.size() == ids.size()) {
            String id = "tr-" + UUID.randomUUID().toString().replace("-", "");
            ids.add(id);
            if (sampled("batch", id, 0.5)) {
                expected.add(id);
            }
        }
        StringBuilder body = new StringBuilder("{\"traces\": [");
        for (int i = 0; i < ids.size(); i++) {
            String id = ids.get(i);
            body.append(i == 0 ? "" : ",").append("{\"trace_id\": \"").append(id).append("\", \"inputs\": \"q").append(i)
                    .append(" ").append(id).append("\", \"outputs\": \"a\", \"expectations\": {\"expected_response\": \"a\"}, ")
                    .append("\"tags\": {\"sweep\": \"batch\"}}");
        }
        given().contentType(ContentType.JSON).body(body.append("]}").toString()).post("/api/traces").then().statusCode(200);
        long ticks = given().get("/api/sweeps/batch").then().statusCode(200).extract().jsonPath().getLong("ticks");
        given().post("/api/sweeps/batch/trigger").then().statusCode(202);
        String runId = null;
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline && runId == null) {
            JsonPath sweep = given().get("/api/sweeps/batch").then().statusCode(200).extract().jsonPath();
            runId = sweep.getLong("ticks") > ticks ? sweep.getString("last_run_id") : null;
            Thread.sleep(100);
        }
        JsonPath run = awaitCompleted(runId, WAIT);
        int n = expected.size();
        assertEquals(2 * n, run.getInt("completed"), "the " + n + " sampled traces × (exact_match + relevance)");
        assertEquals(0, run.getInt("errored"), run.prettify());
        List<Map<String, Object>> judged = assessments(runId);
        assertEquals(2 * n, judged.size(), "each judged once");
        assertEquals(2 * n, new HashSet<>(judged.stream().map(a -> a.get("trace_id") + "|" + a.get("assessment_name")).toList()).size());
        assertEquals(new HashSet<>(expected), new HashSet<>(judged.stream().map(a -> (String) a.get("trace_id")).toList()));
        assertEquals(0, onlineCalls(ids));
        assertEquals(1, batches(runId).getList("batches").size());
        assertEquals(n, batches(runId).getInt("batches[0].requests"));
        // relevance's calls at the batch prices: half of what the same calls cost online
        double online = n * (120 * 0.15 + 30 * 0.60) / 1e6;
        assertEquals(online / 2, run.getDouble("cost"), 1e-12);
    }
}
