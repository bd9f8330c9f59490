package dev.tribunal.run;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tribunal.llm.FakeProviders;
import dev.tribunal.system.Json;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Collectors;

import static dev.tribunal.run.RunTestSupport.assessments;
import static dev.tribunal.run.RunTestSupport.awaitCompleted;
import static dev.tribunal.run.RunTestSupport.json;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Verdicts of several samples and of juries, against a simulated provider whose models are right with a set accuracy
 * ({@code fake:/acc-<percent>}: the prompt carries the true verdict) and draw anew per call above temperature 0.
 */
@QuarkusTest
@TestProfile(VerdictJudges.class)
class VerdictTest {

    @jakarta.inject.Inject
    io.vertx.mutiny.sqlclient.Pool pool;

    @jakarta.inject.Inject
    ResultSink sink;

    private static final Duration WAIT = Duration.ofSeconds(120);

    /** Traces whose response carries its true verdict; the expectation {@code correct} holds it too. */
    private static Map<String, Boolean> traces(int count, long seed) {
        Random random = new Random(seed);
        Map<String, Boolean> truth = new HashMap<>();
        StringBuilder body = new StringBuilder("{\"traces\": [");
        for (int i = 0; i < count; i++) {
            String id = "tr-" + UUID.randomUUID().toString().replace("-", "");
            boolean right = random.nextBoolean();
            truth.put(id, right);
            body.append(i == 0 ? "" : ",").append("{\"trace_id\": \"").append(id).append("\", \"inputs\": {\"question\": \"q").append(i)
                    .append("\"}, \"outputs\": \"answer ").append(id).append(" truth=").append(right).append("\", ")
                    .append("\"expectations\": {\"correct\": ").append(right).append("}}");
        }
        body.append("]}");
        given().contentType(ContentType.JSON).body(body.toString()).post("/api/traces").then().statusCode(200);
        return truth;
    }

    private static String run(String body) {
        return given().contentType(ContentType.JSON).body(body).post("/api/judge-runs").then().statusCode(202).extract().path("run_id");
    }

    @SuppressWarnings("unchecked")
    private static JsonNode value(Map<String, Object> assessment) {
        Map<String, Object> feedback = (Map<String, Object>) assessment.get("feedback");
        return feedback == null || !feedback.containsKey("value") ? null
                : new com.fasterxml.jackson.databind.ObjectMapper().valueToTree(feedback.get("value"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> metadata(Map<String, Object> assessment) {
        return (Map<String, String>) assessment.get("metadata");
    }

    @SuppressWarnings("unchecked")
    private static String sourceId(Map<String, Object> assessment) {
        return (String) ((Map<String, Object>) assessment.get("source")).get("source_id");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> error(Map<String, Object> assessment) {
        Map<String, Object> feedback = (Map<String, Object>) assessment.get("feedback");
        return feedback == null ? null : (Map<String, Object>) feedback.get("error");
    }

    private static double accuracy(List<Map<String, Object>> assessments, Map<String, Boolean> truth) {
        long right = assessments.stream().filter(a -> value(a) != null && value(a).asBoolean() == truth.get((String) a.get("trace_id"))).count();
        return (double) right / assessments.size();
    }

    @Test
    void theMajorityOfFiveSamplesBeatsOneSampleAsTheoryPredicts() {
        Map<String, Boolean> truth = traces(400, 1);
        List<String> ids = new ArrayList<>(truth.keySet());
        // one sample: the judge's own temperature (none), so each prompt's answer is fixed; right 70 % of the time
        String one = run("{\"judges\": [\"consistent\"], \"trace_ids\": " + json(ids) + ", \"samples\": 1}");
        String five = run("{\"judges\": [\"consistent\"], \"trace_ids\": " + json(ids) + "}");
        awaitCompleted(one, WAIT);
        JsonPath fiveRun = awaitCompleted(five, WAIT);
        assertEquals(400, fiveRun.getInt("completed"));
        assertEquals(0, fiveRun.getInt("errored"));
        List<Map<String, Object>> single = assessments(one);
        List<Map<String, Object>> majority = assessments(five);
        assertEquals(400, single.size());
        assertEquals(400, majority.size());
        double p = 0.7;
        // P(at least 3 of 5 right) = 10 p^3 q^2 + 5 p^4 q + p^5
        double theory = 10 * Math.pow(p, 3) * Math.pow(1 - p, 2) + 5 * Math.pow(p, 4) * (1 - p) + Math.pow(p, 5);
        double accuracyOne = accuracy(single, truth);
        double accuracyFive = accuracy(majority, truth);
        System.out.printf("samples: one sample right %.3f, the majority of five %.3f (theory %.3f), over %d traces%n", accuracyOne,
                accuracyFive, theory, single.size());
        assertTrue(Math.abs(accuracyOne - p) < 0.07, "one sample right " + accuracyOne);
        assertTrue(Math.abs(accuracyFive - theory) < 0.06, "five samples right " + accuracyFive + ", theory " + theory);
        assertTrue(accuracyFive > accuracyOne + 0.06, accuracyFive + " vs " + accuracyOne);
        assertFalse(metadata(single.get(0)).containsKey("tribunal.samples"), "one sample keeps no samples");

        // each verdict is the majority of the samples it keeps, with the share that agrees
        for (Map<String, Object> a : majority) {
            Map<String, String> metadata = metadata(a);
            JsonNode samples = Json.read(metadata.get("tribunal.samples"));
            assertEquals(5, samples.size(), metadata.toString());
            long yes = 0;
            for (JsonNode s : samples) {
                yes += s.asBoolean() ? 1 : 0;
            }
            boolean verdict = yes >= 3;
            assertEquals(verdict, value(a).asBoolean(), metadata.toString());
            assertEquals((verdict ? yes : 5 - yes) / 5.0, Double.parseDouble(metadata.get("tribunal.agreement")), 1e-9);
            // tokens and cost summed over the five calls (the simulator counts 120 + 30 per call)
            assertEquals("600", metadata.get("tribunal.tokens.prompt"));
            assertEquals("150", metadata.get("tribunal.tokens.completion"));
            assertEquals(5 * (120 * 0.15 + 30 * 0.60) / 1_000_000, Double.parseDouble(metadata.get("mlflow.assessment.judgeCost")), 1e-12);
            assertEquals("5", metadata.get("tribunal.attempts"));
        }
        // the samples were asked at the sampling temperature
        assertTrue(FakeProviders.server.received("acc-70").stream().anyMatch(r -> r.body().contains("\"temperature\":0.7")));

        // flaky verdicts: at most 60 % of the samples agreed
        List<Map<String, Object>> flaky = assessments(five, Map.of("max_agreement", "0.6"));
        long expected = majority.stream().filter(a -> Double.parseDouble(metadata(a).get("tribunal.agreement")) <= 0.6).count();
        assertTrue(expected > 0);
        assertEquals(expected, flaky.size());
        assertTrue(flaky.stream().allMatch(a -> Double.parseDouble(metadata(a).get("tribunal.agreement")) <= 0.6));
        given().queryParam("max_agreement", "1.5").get("/api/assessments").then().statusCode(400)
                .body("detail", containsString("max_agreement must be a number from 0 to 1"));

        // the meta-evaluation: mean agreement, and the accuracy of low- and high-agreement verdicts apart
        JsonPath report = given().contentType(ContentType.JSON)
                .body("{\"name\": \"consistent\", \"reference\": {\"expectation\": \"correct\"}, \"run_ids\": [\"" + five + "\"]}")
                .post("/api/meta-evaluations").then().statusCode(200).extract().jsonPath();
        Map<String, Object> judge = report.getMap("judges[0]");
        @SuppressWarnings("unchecked")
        Map<String, Object> self = (Map<String, Object>) judge.get("self_agreement");
        assertNotNull(self, judge.toString());
        double mean = majority.stream().mapToDouble(a -> Double.parseDouble(metadata(a).get("tribunal.agreement"))).average().orElseThrow();
        assertEquals(mean, ((Number) self.get("mean_agreement")).doubleValue(), 1e-6);
        List<Map<String, Object>> low = majority.stream().filter(a -> Double.parseDouble(metadata(a).get("tribunal.agreement")) < 0.8).toList();
        List<Map<String, Object>> high = majority.stream().filter(a -> Double.parseDouble(metadata(a).get("tribunal.agreement")) >= 0.8).toList();
        assertEquals(low.size(), self.get("low_compared"));
        assertEquals(high.size(), self.get("high_compared"));
        assertEquals(accuracy(low, truth), ((Number) self.get("low_accuracy")).doubleValue(), 1e-6);
        assertEquals(accuracy(high, truth), ((Number) self.get("high_accuracy")).doubleValue(), 1e-6);
        // the page shows it beside the other figures
        String page = given().accept("text/html").queryParam("name", "consistent").queryParam("expectation", "correct")
                .get("/meta-evaluation").then().statusCode(200).extract().asString();
        assertTrue(page.contains("Self-agreement (samples or jury)") && page.contains("class=\"self-agreement\""), page);
        // agreement is a signal: the unanimous-ish verdicts are right more often than the split ones
        assertTrue(accuracy(high, truth) > accuracy(low, truth), self.toString());
    }

    @Test
    void aTieOfSamplesIsNotAPassAndANumericVerdictIsTheMedian() {
        Map<String, Boolean> truth = traces(120, 2);
        String four = run("{\"judges\": [\"consistent\"], \"trace_ids\": " + json(new ArrayList<>(truth.keySet())) + ", \"samples\": 4}");
        awaitCompleted(four, WAIT);
        int ties = 0;
        for (Map<String, Object> a : assessments(four)) {
            JsonNode samples = Json.read(metadata(a).get("tribunal.samples"));
            long yes = 0;
            for (JsonNode s : samples) {
                yes += s.asBoolean() ? 1 : 0;
            }
            if (yes == 2) {
                ties++;
                assertFalse(value(a).asBoolean(), "a 2-2 split is false: " + metadata(a));
                assertEquals("0.5", metadata(a).get("tribunal.agreement"));
            } else {
                assertEquals(yes > 2, value(a).asBoolean());
            }
        }
        assertTrue(ties > 0, "some samples split evenly");

        // numbers: the median of the samples (the simulator is right half the time, else one off)
        StringBuilder body = new StringBuilder("{\"traces\": [");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String id = "tr-" + UUID.randomUUID().toString().replace("-", "");
            ids.add(id);
            body.append(i == 0 ? "" : ",").append("{\"trace_id\": \"").append(id).append("\", \"inputs\": \"q\", \"outputs\": \"")
                    .append(id).append(" truth=").append(1 + i % 5).append("\"}");
        }
        given().contentType(ContentType.JSON).body(body.append("]}").toString()).post("/api/traces").then().statusCode(200);
        String scored = run("{\"judges\": [\"consistent_score\"], \"trace_ids\": " + json(ids) + "}");
        awaitCompleted(scored, WAIT);
        List<Map<String, Object>> scores = assessments(scored);
        assertEquals(40, scores.size());
        for (Map<String, Object> a : scores) {
            List<Double> samples = new ArrayList<>();
            Json.read(metadata(a).get("tribunal.samples")).forEach(s -> samples.add(s.asDouble()));
            samples.sort(null);
            assertEquals(samples.get(2), value(a).asDouble(), 1e-9, metadata(a).toString());
            double median = samples.get(2);
            long near = samples.stream().filter(s -> Math.abs(s - median) <= 0.4).count();
            assertEquals(near / 5.0, Double.parseDouble(metadata(a).get("tribunal.agreement")), 1e-9);
        }
    }

    @Test
    void aJuryAskedAgainIsAnsweredFromTheCacheAndCountedAsCached() {
        List<String> ids = new ArrayList<>(traces(2, 11).keySet());
        java.util.function.LongSupplier calls = () -> dev.tribunal.llm.FakeProviders.server.received().stream()
                .filter(r -> ids.stream().anyMatch(r.userMessage()::contains)).count();
        String first = run("{\"judges\": [\"panel_cached\"], \"trace_ids\": " + json(ids) + "}");
        assertEquals(0, awaitCompleted(first, WAIT).getInt("cached"));
        assertEquals(4, calls.getAsLong(), "two members for each of two traces");

        String second = run("{\"judges\": [\"panel_cached\"], \"trace_ids\": " + json(ids) + "}");
        JsonPath run = awaitCompleted(second, WAIT);
        assertEquals(2, run.getInt("cached"), run.prettify());
        assertEquals(4, calls.getAsLong(), "no member was asked again");
        List<Map<String, Object>> members = assessments(second).stream().filter(a -> !"jury:panel_cached".equals(sourceId(a))).toList();
        assertEquals(4, members.size());
        members.forEach(m -> assertNotNull(metadata(m).get("tribunal.cached_from"), m.toString()));
    }

    @Test
    void aJuryStoresEachMembersVerdictAndItsOwn() {
        Map<String, Boolean> truth = traces(150, 3);
        List<String> ids = new ArrayList<>(truth.keySet());
        // the dry run counts every member's call
        given().contentType(ContentType.JSON)
                .body("{\"judges\": [\"panel\", \"consistent\"], \"trace_ids\": " + json(ids.subList(0, 10)) + ", \"dry_run\": true}")
                .post("/api/judge-runs").then().statusCode(200)
                .body("total", equalTo(20))
                .body("llm_calls", equalTo(10 * 3 + 10 * 5));
        float two = given().contentType(ContentType.JSON)
                .body("{\"judges\": [\"consistent\"], \"trace_ids\": " + json(ids.subList(0, 10)) + ", \"dry_run\": true, \"samples\": 2}")
                .post("/api/judge-runs").then().statusCode(200)
                .body("llm_calls", equalTo(20))
                .extract().path("estimated_cost");
        float one = given().contentType(ContentType.JSON)
                .body("{\"judges\": [\"consistent\"], \"trace_ids\": " + json(ids.subList(0, 10)) + ", \"dry_run\": true, \"samples\": 1}")
                .post("/api/judge-runs").then().statusCode(200)
                .extract().path("estimated_cost");
        // the cost (and so the cost ceiling, which reads the same estimate) counts every sample
        assertEquals(2 * one, two, 1e-6);
        given().contentType(ContentType.JSON)
                .body("{\"judges\": [\"consistent\"], \"trace_ids\": " + json(ids.subList(0, 10)) + ", \"samples\": 16}")
                .post("/api/judge-runs").then().statusCode(400)
                .body("detail", containsString("samples must be 1 to 15"));

        String runId = run("{\"judges\": [\"panel\", \"panel_partly\", \"panel_down\"], \"trace_ids\": " + json(ids) + "}");
        JsonPath run = awaitCompleted(runId, WAIT);
        assertEquals(3 * 150, run.getInt("total"));
        assertEquals(3 * 150, run.getInt("completed"));
        // the verdict of panel_down is an error for every trace
        assertEquals(150, run.getInt("errored"));
        List<Map<String, Object>> all = assessments(runId);
        // each jury verdict and each member's: 4 per trace and jury
        assertEquals(150 * 4 * 3, all.size());
        Map<String, List<Map<String, Object>>> byTraceAndName = all.stream()
                .collect(Collectors.groupingBy(a -> a.get("trace_id") + "|" + a.get("assessment_name")));

        List<Map<String, Object>> verdicts = new ArrayList<>();
        for (String trace : ids) {
            List<Map<String, Object>> panel = byTraceAndName.get(trace + "|panel");
            assertEquals(4, panel.size());
            Map<String, Object> verdict = panel.stream().filter(a -> "jury:panel".equals(sourceId(a))).findFirst().orElseThrow();
            verdicts.add(verdict);
            List<Map<String, Object>> members = panel.stream().filter(a -> a != verdict).toList();
            assertEquals(List.of("fake:/acc-60", "fake:/acc-70", "fake:/acc-90"), members.stream().map(VerdictTest::sourceId).sorted().toList());
            members.forEach(m -> assertEquals("LLM_JUDGE", ((Map<?, ?>) m.get("source")).get("source_type")));
            assertEquals("LLM_JUDGE", ((Map<?, ?>) verdict.get("source")).get("source_type"));
            // the jury's verdict is the majority of the stored members' verdicts, which its metadata lists
            long yes = members.stream().filter(m -> value(m).asBoolean()).count();
            assertEquals(yes >= 2, value(verdict).asBoolean());
            JsonNode listed = Json.read(metadata(verdict).get("tribunal.jury.members"));
            members.forEach(m -> assertEquals(value(m), listed.get(sourceId(m))));
            assertEquals((yes >= 2 ? yes : 3 - yes) / 3.0, Double.parseDouble(metadata(verdict).get("tribunal.agreement")), 1e-3);
            double memberCost = members.stream().mapToDouble(m -> Double.parseDouble(metadata(m).get("mlflow.assessment.judgeCost"))).sum();
            assertEquals(memberCost, Double.parseDouble(metadata(verdict).get("mlflow.assessment.judgeCost")), 1e-12);
            assertEquals(runId, metadata(verdict).get("mlflow.assessment.sourceRunId"));

            // a member that fails does not vote; two of three answering still make a verdict
            List<Map<String, Object>> partly = byTraceAndName.get(trace + "|panel_partly");
            Map<String, Object> partlyVerdict = partly.stream().filter(a -> "jury:panel_partly".equals(sourceId(a))).findFirst().orElseThrow();
            Map<String, Object> failed = partly.stream().filter(a -> "fake:/invalid-json".equals(sourceId(a))).findFirst().orElseThrow();
            assertNotNull(error(failed));
            assertNull(error(partlyVerdict), partlyVerdict.toString());
            long partlyYes = partly.stream().filter(a -> a != partlyVerdict && a != failed && value(a).asBoolean()).count();
            // majority of two: a tie is false
            assertEquals(partlyYes == 2, value(partlyVerdict).asBoolean());
            assertTrue(Json.read(metadata(partlyVerdict).get("tribunal.jury.members")).get("fake:/invalid-json").isNull());

            // fewer than half answering: an error naming the members that failed
            Map<String, Object> down = byTraceAndName.get(trace + "|panel_down").stream()
                    .filter(a -> "jury:panel_down".equals(sourceId(a))).findFirst().orElseThrow();
            Map<String, Object> downError = error(down);
            assertNotNull(downError, down.toString());
            String message = (String) downError.get("error_message");
            assertTrue(message.contains("2 of 3 members did not answer") && message.contains("fake:/invalid-json")
                    && message.contains("fake-retry:/bad-request"), message);
        }
        // a task's result is written once: the same attempt finished again (a process that was thought dead writes late,
        // after the task was claimed and judged again) adds no second verdict and no second member
        String verdictId = (String) verdicts.get(0).get("assessment_id");
        var row = pool.preparedQuery("select t.task_id, t.trace_id, t.judge_version, t.model_id, t.attempt from judge_task t join assessment a "
                + "on a.task_id = t.task_id where a.assessment_id = $1").execute(io.vertx.mutiny.sqlclient.Tuple.of(verdictId))
                .await().indefinitely().iterator().next();
        pool.preparedQuery("update judge_task set status = 'RUNNING' where task_id = $1").execute(io.vertx.mutiny.sqlclient.Tuple.of(
                row.getUUID("task_id"))).await().indefinitely();
        JudgeTask again = new JudgeTask(row.getUUID("task_id"), runId, row.getString("trace_id"), "panel", row.getString("judge_version"),
                row.getString("model_id"), row.getInteger("attempt"), null, 2, "tester", null, null, false);
        dev.tribunal.judge.Judgment member = new dev.tribunal.judge.Judgment("panel", row.getString("judge_version"),
                dev.tribunal.judge.JudgeDefinition.Kind.LLM, "fake:/acc-60", null, com.fasterxml.jackson.databind.node.BooleanNode.TRUE,
                "late", null, null, Map.of(), new dev.tribunal.judge.Judgment.Outcome(1, 1, 0, 0, null));
        dev.tribunal.judge.Judgment late = new dev.tribunal.judge.Judgment("panel", row.getString("judge_version"),
                dev.tribunal.judge.JudgeDefinition.Kind.JURY, "jury:panel", null, com.fasterxml.jackson.databind.node.BooleanNode.TRUE, "late",
                null, null, Map.of(), new dev.tribunal.judge.Judgment.Outcome(1, 1, 0, 0, null), List.of(member, member, member));
        sink.add(again, late);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!sink.idle() && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        long stored = pool.preparedQuery("select count(*) as n from assessment where task_id = $1").execute(io.vertx.mutiny.sqlclient.Tuple.of(
                row.getUUID("task_id"))).await().indefinitely().iterator().next().getLong("n");
        assertEquals(4, stored, "one verdict and three members, once");
        assertTrue(assessments(runId).stream().noneMatch(a -> "late".equals(a.get("rationale"))));

        // a panel of 60/70/90 % members is right about as often as theory says (0.834)
        double juryAccuracy = accuracy(verdicts, truth);
        System.out.printf("jury: right %.3f (theory 0.834) over %d traces%n", juryAccuracy, verdicts.size());
        assertTrue(Math.abs(juryAccuracy - 0.834) < 0.08, "jury right " + juryAccuracy);

        // the meta-evaluation shows the jury beside its members
        JsonPath report = given().contentType(ContentType.JSON)
                .body("{\"name\": \"panel\", \"reference\": {\"expectation\": \"correct\"}, \"run_ids\": [\"" + runId + "\"]}")
                .post("/api/meta-evaluations").then().statusCode(200).extract().jsonPath();
        List<String> models = report.getList("judges.model");
        assertTrue(models.containsAll(List.of("jury:panel", "fake:/acc-60", "fake:/acc-70", "fake:/acc-90")), models.toString());
        int jury = models.indexOf("jury:panel");
        assertEquals(juryAccuracy, report.getDouble("judges[" + jury + "].statistics.accuracy"), 1e-6);
        assertNotNull(report.get("judges[" + jury + "].self_agreement.mean_agreement"));

        // a retry of the failed jury judges each again, whole: the new verdict overrides the old one, and the old
        // attempt's members no longer count either
        given().contentType(ContentType.JSON).body("{\"error_codes\": []}").post("/api/judge-runs/" + runId + "/retry").then().statusCode(202)
                .body("requeued", equalTo(150));
        awaitCompleted(runId, WAIT);
        String trace = ids.get(0);
        List<Map<String, Object>> down = assessments(runId).stream()
                .filter(a -> trace.equals(a.get("trace_id")) && "panel_down".equals(a.get("assessment_name"))).toList();
        assertEquals(8, down.size(), "two attempts of a verdict and three members");
        List<Map<String, Object>> valid = down.stream().filter(a -> Boolean.TRUE.equals(a.get("valid"))).toList();
        assertEquals(4, valid.size(), "only the new attempt counts");
        Map<String, Object> newVerdict = valid.stream().filter(a -> "jury:panel_down".equals(sourceId(a))).findFirst().orElseThrow();
        Map<String, Object> oldVerdict = down.stream().filter(a -> "jury:panel_down".equals(sourceId(a)) && a != newVerdict).findFirst().orElseThrow();
        assertEquals(oldVerdict.get("assessment_id"), newVerdict.get("overrides"));

        // GET /api/judges shows a jury's members and a judge's samples
        given().get("/api/judges").then().statusCode(200)
                .body("judges.find { it.name == 'panel' }.kind", equalTo("jury"))
                .body("judges.find { it.name == 'panel' }.jury.members", equalTo(List.of("fake:/acc-60", "fake:/acc-70", "fake:/acc-90")))
                .body("judges.find { it.name == 'panel' }.jury.aggregate", equalTo("majority"))
                .body("judges.find { it.name == 'consistent' }.samples", equalTo(5));
    }
}
