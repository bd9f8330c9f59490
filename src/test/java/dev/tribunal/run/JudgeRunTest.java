package dev.tribunal.run;

import dev.tribunal.llm.FakeOpenAiServer;
import dev.tribunal.llm.FakeProviders;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.tribunal.run.RunTestSupport.assessments;
import static dev.tribunal.run.RunTestSupport.awaitCompleted;
import static dev.tribunal.run.RunTestSupport.startRun;
import static dev.tribunal.run.RunTestSupport.traces;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Judge runs end to end against a provider simulated at its HTTP boundary. */
@QuarkusTest
class JudgeRunTest {

    @jakarta.inject.Inject
    io.vertx.mutiny.sqlclient.Pool pool;

    @jakarta.inject.Inject
    dev.tribunal.judge.JudgeRunner runner;

    @jakarta.inject.Inject
    dev.tribunal.judge.JudgeCatalog catalog;

    private static final Duration WAIT = Duration.ofSeconds(60);

    private static Map<String, Object> only(List<Map<String, Object>> assessments, String sourceId) {
        List<Map<String, Object>> matching = assessments.stream()
                .filter(a -> sourceId.equals(((Map<?, ?>) a.get("source")).get("source_id"))).toList();
        assertEquals(1, matching.size(), "assessments from " + sourceId + ": " + matching);
        return matching.get(0);
    }

    private static String errorMessage(Map<String, Object> assessment) {
        return (String) ((Map<?, ?>) ((Map<?, ?>) assessment.get("feedback")).get("error")).get("error_message");
    }

    @SuppressWarnings("unchecked")
    private static String errorCode(Map<String, Object> assessment) {
        Map<String, Object> feedback = (Map<String, Object>) assessment.get("feedback");
        Map<String, Object> error = (Map<String, Object>) feedback.get("error");
        return error == null ? null : (String) error.get("error_code");
    }

    @Test
    void everyTraceJudgeAndModelEndsInExactlyOneAssessment() {
        List<String> traceIds = traces(5, "2");
        var created = given().contentType(ContentType.JSON)
                .body("{\"judges\": [\"correctness\", \"relevance\", \"exact_match\"], \"trace_ids\": " + RunTestSupport.json(traceIds)
                        + ", \"models\": [\"fake:/ok\", \"fake:/slow\"]}")
                .post("/api/judge-runs")
                .then().statusCode(202)
                .body("status", equalTo("QUEUED"))
                .body("total", equalTo(5 * (2 * 2 + 1)))
                .body("run_id", matchesPattern("[0-9a-f]{32}"))
                .extract();
        String runId = created.path("run_id");
        assertTrue(created.header("Location").endsWith("/api/judge-runs/" + runId), created.header("Location"));
        JsonPath run = awaitCompleted(runId, WAIT);
        assertEquals(25, run.getInt("total"));
        assertEquals(25, run.getInt("completed"));
        assertEquals(25, run.getInt("succeeded"));
        assertEquals(0, run.getInt("errored"));
        assertNotNull(run.getString("started_at"));
        assertNotNull(run.getString("finished_at"));
        assertEquals(0, run.getInt("eta_seconds"));

        // every call's body is compact JSON: no indentation written, sent or read
        for (String traceId : traceIds) {
            List<FakeOpenAiServer.Received> calls = FakeProviders.server.received("ok").stream()
                    .filter(r -> r.userMessage().contains(traceId)).toList();
            assertFalse(calls.isEmpty(), "calls for " + traceId);
            calls.forEach(call -> assertFalse(call.body().contains("\n"), "an indented request body: " + call.body()));
        }

        List<Map<String, Object>> results = assessments(runId);
        assertEquals(25, results.size());
        Set<String> keys = new HashSet<>();
        for (Map<String, Object> a : results) {
            Map<?, ?> source = (Map<?, ?>) a.get("source");
            keys.add(a.get("trace_id") + "|" + a.get("assessment_name") + "|" + source.get("source_id"));
            assertEquals(runId, a.get("run_id"));
            Map<?, ?> metadata = (Map<?, ?>) a.get("metadata");
            assertTrue(((String) metadata.get("tribunal.judge.version")).matches("[0-9a-f]{12}"), metadata.toString());
            assertNotNull(metadata.get("tribunal.latency_ms"));
            assertNotNull(metadata.get("tribunal.attempts"));
            if ("exact_match".equals(a.get("assessment_name"))) {
                assertEquals("CODE", source.get("source_type"));
                assertEquals("exact_match", source.get("source_id"));
            } else {
                assertEquals("LLM_JUDGE", source.get("source_type"));
                assertTrue(Set.of("fake:/ok", "fake:/slow").contains(source.get("source_id")));
                assertEquals("yes", ((Map<?, ?>) a.get("feedback")).get("value"));
                assertEquals("Checked against the request.", a.get("rationale"));
                assertEquals("120", metadata.get("tribunal.tokens.prompt"));
                assertEquals("30", metadata.get("tribunal.tokens.completion"));
                // 120 × 0.15 / 1e6 + 30 × 0.60 / 1e6
                assertEquals("0.000036", metadata.get("mlflow.assessment.judgeCost"));
            }
        }
        assertEquals(25, keys.size(), "one assessment per (trace, judge, model)");
        // the exact_match verdicts: the answer to "What is 1 + 1?" is "2" only for the second trace
        long exactTrue = results.stream().filter(a -> "exact_match".equals(a.get("assessment_name")))
                .filter(a -> Boolean.TRUE.equals(((Map<?, ?>) a.get("feedback")).get("value"))).count();
        assertEquals(1, exactTrue);
    }

    @Test
    void providerFailuresBecomeTheirErrorCodes() {
        List<String> traceIds = traces(1, "2");
        List<String> models = List.of("fake:/always-429", "fake:/error-500", "fake:/hang", "fake:/invalid-json",
                "fake:/out-of-range", "fake:/bad-request", "fake:/malformed", "fake:/flaky-500");
        String runId = startRun(List.of("relevance"), traceIds, models);
        JsonPath run = awaitCompleted(runId, WAIT);
        List<Map<String, Object>> results = assessments(runId);
        assertEquals(8, results.size());
        assertEquals("RATE_LIMIT_EXCEEDED", errorCode(only(results, "fake:/always-429")));
        assertEquals("PROVIDER_ERROR", errorCode(only(results, "fake:/error-500")));
        assertEquals("TIMEOUT", errorCode(only(results, "fake:/hang")));
        assertEquals("INVALID_JUDGE_OUTPUT", errorCode(only(results, "fake:/invalid-json")));
        assertEquals("INVALID_JUDGE_OUTPUT", errorCode(only(results, "fake:/out-of-range")));
        assertEquals("PROVIDER_REJECTED", errorCode(only(results, "fake:/bad-request")));
        assertEquals("PROVIDER_ERROR", errorCode(only(results, "fake:/malformed")));
        assertNull(errorCode(only(results, "fake:/flaky-500")), "a 5xx followed by an answer is retried and succeeds");

        Map<String, Object> limited = only(results, "fake:/always-429");
        assertNull(((Map<?, ?>) limited.get("feedback")).get("value"), "an error is never a value");
        String message = errorMessage(limited);
        assertTrue(message.contains("HTTP 429") && message.contains("3 attempts") && message.contains("Retry-After"), message);
        assertEquals(3, FakeProviders.server.received("always-429").size(), "max-retries 2: three attempts");
        assertEquals(1, FakeProviders.server.received("bad-request").size(), "other 4xx are not retried");
        String out = errorMessage(only(results, "fake:/out-of-range"));
        assertTrue(out.contains("maybe") && out.contains("not one of"), out);

        assertEquals(7, run.getInt("errored"));
        assertEquals(1, run.getInt("succeeded"));
        assertEquals(2, run.getInt("errors_by_code.INVALID_JUDGE_OUTPUT"));
        assertEquals(2, run.getInt("errors_by_code.PROVIDER_ERROR"));
        assertEquals(1, run.getInt("errors_by_code.TIMEOUT"));
    }

    @Test
    void retryAfterIsHonoured() {
        assertRetryWaitsASecond("rate-limited");
    }

    @Test
    void openAiRateLimitResetHeaderIsHonouredLikeRetryAfter() {
        assertRetryWaitsASecond("reset-limited");
    }

    private void assertRetryWaitsASecond(String model) {
        List<String> traceIds = traces(1, "2");
        String runId = startRun(List.of("relevance"), traceIds, List.of("fake:/" + model));
        awaitCompleted(runId, WAIT);
        Map<String, Object> result = assessments(runId).get(0);
        assertNull(errorCode(result));
        assertEquals("2", ((Map<?, ?>) result.get("metadata")).get("tribunal.attempts"));
        List<FakeOpenAiServer.Received> calls = FakeProviders.server.received(model).stream()
                .filter(r -> r.userMessage().contains(traceIds.get(0))).toList();
        assertEquals(2, calls.size());
        FakeOpenAiServer.Received first = calls.get(0);
        FakeOpenAiServer.Received second = calls.get(1);
        long waitedMs = (second.atNanos() - first.atNanos()) / 1_000_000;
        assertTrue(waitedMs >= 1000, "the retry came " + waitedMs + " ms after a 429 asking to wait 1 s");
    }

    @Test
    void callsWaitingForASlotAlsoWaitOutRetryAfter() {
        // max-concurrency 4: four calls go, the first is answered 429 "wait 1 s", the other six wait for slots
        List<String> traceIds = traces(9, "2");
        String runId = startRun(List.of("relevance"), traceIds, List.of("fake:/once-429"));
        JsonPath run = awaitCompleted(runId, WAIT);
        assertEquals(9, run.getInt("succeeded"));
        List<Long> arrivals = FakeProviders.server.received("once-429").stream().map(FakeOpenAiServer.Received::atNanos).sorted().toList();
        long throttledAt = arrivals.get(0);
        List<Long> duringPause = arrivals.stream()
                .filter(t -> t > throttledAt + 50_000_000L && t < throttledAt + 950_000_000L).toList();
        assertTrue(duringPause.isEmpty(), duringPause.size() + " calls reached the provider within the second it asked to wait");
    }

    @Test
    void aProviderThatIsNotConfiguredHereMakesTheJudgmentUnavailable() {
        var judge = catalog.require("relevance");
        var trace = new dev.tribunal.judge.TraceData("tr-x", com.fasterxml.jackson.databind.node.TextNode.valueOf("q"),
                com.fasterxml.jackson.databind.node.TextNode.valueOf("a"), Map.of(), Map.of(), List.of());
        var judgment = runner.run(judge, new dev.tribunal.llm.ModelId("gone", "model"), trace, "run-x").await().indefinitely();
        assertEquals(dev.tribunal.llm.ErrorCode.JUDGE_UNAVAILABLE, judgment.errorCode());
        assertTrue(judgment.errorMessage().contains("provider gone is not configured"), judgment.errorMessage());
        assertEquals("gone:/model", judgment.sourceId());
    }

    @Test
    void missingInputIsAnErrorWithoutACall() {
        List<String> traceIds = traces(2, null);
        int before = FakeProviders.server.received("ok").size();
        String runId = startRun(List.of("correctness", "groundedness"), traceIds, List.of("fake:/ok"));
        JsonPath run = awaitCompleted(runId, WAIT);
        assertEquals(4, run.getInt("errors_by_code.MISSING_INPUT"));
        assertEquals(before, FakeProviders.server.received("ok").size(), "no provider call for a judgment that cannot be made");
        String message = errorMessage(assessments(runId).get(0));
        assertTrue(message.contains("expectations.expected_response") || message.contains("context"), message);
    }

    @Test
    void rejectedCredentialsFailTheRestOfTheRunFast() {
        List<String> traceIds = traces(12, "2");
        int before = FakeProviders.server.received("unauthorized").size();
        String runId = startRun(List.of("relevance"), traceIds, List.of("fake:/unauthorized"));
        JsonPath run = awaitCompleted(runId, WAIT);
        assertEquals(12, run.getInt("errors_by_code.AUTHENTICATION_FAILED"));
        int calls = FakeProviders.server.received("unauthorized").size() - before;
        assertTrue(calls <= 4, calls + " calls reached the provider after it rejected the key; at most the ones already in flight");
        for (String traceId : traceIds) {
            assertTrue(FakeProviders.server.received("unauthorized").stream()
                    .filter(r -> r.userMessage().contains(traceId)).count() <= 1, "401 is not retried");
        }
    }

    @Test
    void aRunOnAProviderThatNeedsAKeyItLacksIsRefusedNamingTheSetting() {
        List<String> traceIds = traces(2, "2");
        String why = "The run could not make a single call: provider 'fake-keyless' has no API key (set "
                + "TRIBUNAL_PROVIDERS_FAKE_KEYLESS_API_KEY or tribunal.providers.fake-keyless.api-key), for relevance on fake-keyless:/keyless";
        for (boolean dryRun : new boolean[] {false, true}) {
            given().contentType(io.restassured.http.ContentType.JSON)
                    .body(java.util.Map.of("judges", List.of("relevance"), "trace_ids", traceIds, "models", List.of("fake-keyless:/keyless"),
                            "dry_run", dryRun))
                    .post("/api/judge-runs").then().statusCode(400).body("detail", org.hamcrest.Matchers.equalTo(why));
        }
        // the shipped judges on OpenAI, which has no key in the tests
        given().contentType(io.restassured.http.ContentType.JSON)
                .body(java.util.Map.of("judges", List.of("correctness", "exact_match"), "trace_ids", traceIds))
                .post("/api/judge-runs").then().statusCode(400)
                .body("detail", org.hamcrest.Matchers.containsString("provider 'openai' has no API key (set OPENAI_API_KEY or "
                        + "tribunal.providers.openai.api-key), for correctness on openai:/gpt-4o-mini"));
        // a run and its tasks are committed before the answer to the request that starts it
        assertEquals(0, tasksOn(traceIds), "the refused requests created no task");
        assertEquals(0, FakeProviders.server.received("keyless").size(), "nothing is sent without the key");
        // code judges need no key: the same traces are judged
        awaitCompleted(startRun(List.of("exact_match"), traceIds, null), WAIT);
        assertEquals(2, tasksOn(traceIds), "exact_match on the two traces: the only tasks on them");
        assertEquals(0, FakeProviders.server.received("keyless").size(), "nothing was sent without the key, then either");
    }

    private long tasksOn(List<String> traceIds) {
        return pool.preparedQuery("select count(*) from judge_task where trace_id = any($1)")
                .execute(io.vertx.mutiny.sqlclient.Tuple.tuple().addArrayOfString(traceIds.toArray(new String[0])))
                .await().indefinitely().iterator().next().getLong(0);
    }

    @Test
    void callsThatHangAreAbandonedAndFreeTheirSlots() {
        // provider fake: max-concurrency 4, timeout 2 s; eight hanging calls need their slots back to finish
        List<String> traceIds = traces(8, "2");
        long started = System.nanoTime();
        String runId = startRun(List.of("relevance"), traceIds, List.of("fake:/hang"));
        JsonPath run = awaitCompleted(runId, WAIT);
        double seconds = (System.nanoTime() - started) / 1e9;
        assertEquals(8, run.getInt("errors_by_code.TIMEOUT"));
        assertTrue(seconds < 20, "two waves of four 2-second timeouts took " + seconds + " s");
        assertTrue(errorMessage(assessments(runId).get(0)).contains("no answer within 2000 ms"));
    }

    @Test
    void theSchemaHoldsOneAssessmentPerTask() {
        List<String> traceIds = traces(1, "2");
        String runId = startRun(List.of("exact_match"), traceIds, null);
        awaitCompleted(runId, WAIT);
        String duplicateAssessment = "insert into assessment (assessment_id, trace_id, name, kind, value, source_type, source_id, "
                + "create_time, last_update_time, run_id, task_id, task_attempt) select 'a-dup' || substr(md5(random()::text), 1, 20), "
                + "trace_id, name, kind, value, source_type, source_id, now(), now(), run_id, task_id, task_attempt from assessment "
                + "where run_id = $1";
        // (a run's tasks are distinct by construction: distinct traces times distinct judge-model pairs, in one statement)
        for (String sql : List.of(duplicateAssessment)) {
            Throwable refused = assertThrows(Throwable.class,
                    () -> pool.preparedQuery(sql).execute(io.vertx.mutiny.sqlclient.Tuple.of(runId)).await().indefinitely());
            assertTrue(refused.getMessage().contains("duplicate key"), refused.getMessage());
        }
        // an assessment of a task always says which attempt it is
        String withoutAttempt = duplicateAssessment.replace(", task_attempt)", ")").replace(", task_id, task_attempt from", ", task_id from");
        Throwable refused = assertThrows(Throwable.class,
                () -> pool.preparedQuery(withoutAttempt).execute(io.vertx.mutiny.sqlclient.Tuple.of(runId)).await().indefinitely());
        assertTrue(refused.getMessage().contains("assessment_task_attempt_ck"), refused.getMessage());
    }

    @Test
    void aTaskWhoseHolderDiedIsClaimedAgainOnceItsLeaseEnds() throws InterruptedException {
        List<String> traceIds = traces(2, "2");
        String runId = "leasetest" + Long.toHexString(System.nanoTime());
        pool.preparedQuery("insert into judge_run (run_id, status, judges, total, created_at, started_at) "
                + "values ($1, 'RUNNING', '[\"exact_match\"]'::jsonb, 2, now(), now())").execute(io.vertx.mutiny.sqlclient.Tuple.of(runId))
                .await().indefinitely();
        String task = "insert into judge_task (task_id, run_id, trace_id, judge_name, judge_version, model_id, status, lease_until, "
                + "claimed_by, claims, created_at) values (gen_random_uuid(), $1, $2, 'exact_match', 'v0', 'exact_match', 'RUNNING', "
                + "now() + make_interval(secs => $3), $4, 1, now())";
        // one held by a process that died a second after its lease ran out, one by a live process for another hour
        pool.preparedQuery(task).execute(io.vertx.mutiny.sqlclient.Tuple.of(runId, traceIds.get(0), -1.0, "dead-host/1/0"))
                .await().indefinitely();
        pool.preparedQuery(task).execute(io.vertx.mutiny.sqlclient.Tuple.of(runId, traceIds.get(1), 3600.0, "live-host/2/0"))
                .await().indefinitely();
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (assessments(runId).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        List<Map<String, Object>> results = assessments(runId);
        assertEquals(1, results.size(), "only the task whose lease ended is judged again");
        assertEquals(traceIds.get(0), results.get(0).get("trace_id"));
        var rows = pool.preparedQuery("select trace_id, status, claims, claimed_by from judge_task where run_id = $1 order by claims desc")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(runId)).await().indefinitely();
        List<String> states = new java.util.ArrayList<>();
        rows.forEach(r -> states.add(r.getString("status") + "/" + r.getInteger("claims") + "/" + r.getString("claimed_by")));
        assertTrue(states.get(0).startsWith("DONE/2/") && !states.get(0).contains("dead-host"), states.toString());
        assertEquals("RUNNING/1/live-host/2/0", states.get(1), "a task under a live lease is left alone");
        given().get("/api/judge-runs/" + runId).then().body("completed", equalTo(1)).body("status", equalTo("RUNNING"));
        given().get("/q/metrics").then().body(org.hamcrest.Matchers.matchesPattern("(?s).*tribunal_worker_lease_expiries_total [1-9].*"));
    }

    @Test
    void runningRunsLogTheirProgress() {
        List<String> traceIds = traces(12, "2");
        String runId = startRun(List.of("relevance"), traceIds, List.of("fake:/slow-1000"));
        awaitCompleted(runId, WAIT);
        String log = readLog();
        assertTrue(log.contains("Run " + runId + ": ") && log.contains("judged"), "no progress line for run " + runId);
    }

    @Test
    void maxConcurrencyIsSharedAmongTheLiveProcesses() throws InterruptedException {
        // another judging process on the database: each takes half of provider fake's max-concurrency of 4
        pool.preparedQuery("insert into worker (holder, started_at, heartbeat_at) values ('other-host/1/0', now(), now() + interval '1 hour')")
                .execute().await().indefinitely();
        try {
            awaitConcurrencyLimit("fake", 2);
            List<String> traceIds = traces(12, "2");
            awaitCompleted(startRun(List.of("relevance"), traceIds, List.of("fake:/slow-151")), WAIT);
            assertEquals(2, FakeProviders.server.maxInFlight("slow-151"), "half of the max-concurrency, kept busy");
        } finally {
            pool.preparedQuery("delete from worker where holder = 'other-host/1/0'").execute().await().indefinitely();
        }
        awaitConcurrencyLimit("fake", 4);
    }

    private static void awaitConcurrencyLimit(String provider, int limit) throws InterruptedException {
        String line = "tribunal_provider_concurrency_limit{provider=\"" + provider + "\"} " + limit + ".0";
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!given().get("/q/metrics").asString().contains(line)) {
            assertTrue(System.nanoTime() < deadline, "no " + line);
            Thread.sleep(200);
        }
    }

    @Test
    void concurrencyNeverExceedsMaxConcurrency() {
        List<String> traceIds = traces(16, "2");
        String runId = startRun(List.of("relevance"), traceIds, List.of("fake:/slow-150"));
        awaitCompleted(runId, WAIT);
        assertEquals(4, FakeProviders.server.maxInFlight("slow-150"), "provider fake has max-concurrency 4, and a run keeps it full");
    }

    @Test
    void requestsPerMinuteIsNeverExceeded() {
        List<String> traceIds = traces(10, "2");
        String runId = startRun(List.of("relevance"), traceIds, List.of("fake-rpm:/ok-rpm"));
        awaitCompleted(runId, WAIT);
        List<Long> run = FakeProviders.server.received("ok-rpm").stream()
                .filter(r -> traceIds.stream().anyMatch(id -> r.userMessage().contains(id)))
                .map(FakeOpenAiServer.Received::atNanos).sorted().toList();
        assertEquals(10, run.size());
        // 120 per minute: a burst of 2, then one every ~0.51 s; allow 100 ms of scheduling slack
        for (int j = 0; j < run.size(); j++) {
            double seconds = (run.get(j) - run.get(0)) / 1e9;
            double allowed = 2 + (118 / 60.0) * (seconds + 0.1);
            assertTrue(j + 1 <= allowed, "request " + (j + 1) + " came " + seconds + " s after the first; at most " + allowed + " allowed");
        }
    }

    @Test
    void tokensPerMinuteIsNeverExceeded() {
        List<String> traceIds = traces(6, "2");
        String runId = startRun(List.of("relevance"), traceIds, List.of("fake-tpm:/ok-tpm"));
        awaitCompleted(runId, WAIT);
        List<FakeOpenAiServer.Received> calls = FakeProviders.server.received("ok-tpm").stream()
                .filter(r -> traceIds.stream().anyMatch(id -> r.userMessage().contains(id)))
                .sorted(java.util.Comparator.comparingLong(FakeOpenAiServer.Received::atNanos)).toList();
        assertEquals(6, calls.size());
        // each call counts its prompt (4 characters a token) and its max_tokens, as OpenAI counts them
        long used = 0;
        for (FakeOpenAiServer.Received call : calls) {
            assertNotNull(call.maxTokens(), "the judge's max_tokens is sent");
            used += call.systemMessage().length() / 4 + call.userMessage().length() / 4 + call.maxTokens();
            double seconds = (call.atNanos() - calls.get(0).atNanos()) / 1e9;
            // 60,000 a minute: a burst of 1,000, then 983 a second; 100 ms of scheduling slack
            double allowed = 1000 + (59_000 / 60.0) * (seconds + 0.1);
            assertTrue(used <= allowed, used + " tokens sent " + seconds + " s after the first call; at most " + allowed + " allowed");
        }
        assertTrue(used > 1000, "the calls must outgrow the burst for this test to mean anything: " + used);
    }

    @Test
    void aPromptLargerThanTheTokenBurstIsStillJudged() {
        String id = "tr-long-" + System.nanoTime();
        String longAnswer = "All work and no play makes Jack a dull boy. ".repeat(200);
        given().contentType(io.restassured.http.ContentType.JSON)
                .body("{\"traces\": [{\"trace_id\": \"" + id + "\", \"inputs\": \"Write something long.\", \"outputs\": \""
                        + longAnswer + "\"}]}")
                .post("/api/traces").then().statusCode(200);
        String runId = startRun(List.of("relevance"), List.of(id), List.of("fake-tpm:/ok-tpm"));
        JsonPath run = awaitCompleted(runId, WAIT);
        assertEquals(1, run.getInt("succeeded"), "a call needing more than a second's worth of tokens waits, then goes");
    }

    @Test
    void circuitBreakerStopsCallingAProviderThatIsDown() {
        List<String> traceIds = traces(30, "2");
        int before = FakeProviders.server.received("error-500").size();
        String runId = startRun(List.of("relevance"), traceIds, List.of("fake-cb:/error-500"));
        JsonPath run = awaitCompleted(runId, WAIT);
        assertEquals(30, run.getInt("errors_by_code.PROVIDER_ERROR"));
        int calls = FakeProviders.server.received("error-500").size() - before;
        // the breaker opens once 20 calls have failed; then calls wait for it, and one trial call per half-open state goes
        assertTrue(calls < 30, "the circuit should open after 20 failed calls; " + calls + " reached the provider");
        assertTrue(assessments(runId).stream()
                .map(a -> String.valueOf(((Map<?, ?>) a.get("feedback")).get("error")))
                .anyMatch(error -> error.contains("circuit breaker open")));
    }

    @Test
    void anOpenCircuitIsReportedByHealthAndMetrics() {
        // provider fake-down: the circuit stays open for a minute once 20 calls failed
        List<String> traceIds = traces(20, "2");
        JsonPath run = awaitCompleted(startRun(List.of("relevance"), traceIds, List.of("fake-down:/error-500")), WAIT);
        assertEquals(20, run.getInt("errors_by_code.PROVIDER_ERROR"));
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("tribunal_provider_circuit_open{provider=\"fake-down\"} 1.0"));
        // reported by health as a wellness problem; the API stays ready for traffic
        given().get("/q/health/well").then().statusCode(503)
                .body("checks.find { it.name == 'LLM providers' }.data['fake-down']", equalTo("circuit open"))
                .body("checks.find { it.name == 'LLM providers' }.data.fake", equalTo("circuit closed"));
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void apiKeysNeverReachResponsesOrAssessments() {
        List<String> traceIds = traces(1, "2");
        String runId = startRun(List.of("relevance"), traceIds, List.of("fake:/unauthorized"));
        awaitCompleted(runId, WAIT);
        assertTrue(FakeProviders.server.received("unauthorized").stream()
                .allMatch(r -> ("Bearer " + FakeProviders.SECRET_KEY).equals(r.authorization())), "the key is sent to the provider");
        String stored = given().queryParam("run_id", runId).get("/api/assessments").asString();
        assertTrue(stored.contains("Incorrect API key provided: Bearer [api key]"), "the provider's echo of the key is redacted: " + stored);
        String everything = stored + given().get("/api/judge-runs/" + runId).asString() + given().get("/q/metrics").asString()
                + given().get("/q/health").asString() + given().get("/api/judges").asString();
        assertFalse(everything.contains(FakeProviders.SECRET_KEY));
        String log = readLog();
        assertTrue(log.contains("Loaded "), "the log file is written: " + FakeProviders.LOG_FILE);
        assertFalse(log.contains(FakeProviders.SECRET_KEY), "the API key is in the log");
    }

    private static String readLog() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of(FakeProviders.LOG_FILE));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void metricsCountJudgmentsByJudgeModelAndOutcome() {
        List<String> traceIds = traces(1, "2");
        awaitCompleted(startRun(List.of("relevance"), traceIds, List.of("fake:/ok")), WAIT);
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("tribunal_judgments_total{judge=\"relevance\",model=\"fake:/ok\",outcome=\"ok\"}"))
                .body(containsString("tribunal_provider_latency_seconds"))
                .body(containsString("tribunal_provider_tokens_total"))
                .body(containsString("tribunal_judgment_cost_total{model=\"fake:/ok\"}"))
                .body(containsString("tribunal_tasks_pending"))
                .body(containsString("tribunal_worker_tasks{state=\"judging\"}"))
                .body(containsString("tribunal_provider_throttled_total"));
    }
}
