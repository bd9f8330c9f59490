package dev.tribunal.metaeval;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two judges of "verdict" against human labels on 50 traces seeded as the classic 2 × 2 example (the
 * cheap judge agrees 70 %, kappa 0.40; the other agrees always), and a numeric judge against a
 * numeric expectation seeded as a published Spearman example.
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetaEvalApiTest {

    private static final String TAG = "metaeval-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<String> traces = new ArrayList<>();
    private final List<String> numericTraces = new ArrayList<>();

    private static void log(String trace, String json) {
        dev.tribunal.TestSecurity.author(json).contentType(ContentType.JSON).body("{\"assessment\": " + json + "}")
                .post("/api/3.0/mlflow/traces/" + trace + "/assessments").then().statusCode(200);
    }

    private static String judgeFeedback(String name, String model, String value, int latency, double cost) {
        return "{\"assessment_name\": \"" + name + "\", \"source\": {\"source_type\": \"LLM_JUDGE\", \"source_id\": \"" + model + "\"}, "
                + "\"feedback\": {\"value\": " + value + "}, \"rationale\": \"because\", \"metadata\": {\"tribunal.judge.version\": \"v1\", "
                + "\"tribunal.latency_ms\": \"" + latency + "\", \"tribunal.tokens.prompt\": \"100\", \"tribunal.tokens.completion\": \"20\", "
                + "\"mlflow.assessment.judgeCost\": \"" + cost + "\"}}";
    }

    private List<String> ingest(int n) {
        return ingest(n, TAG);
    }

    private List<String> ingest(int n, String suite) {
        List<String> ids = new ArrayList<>();
        StringBuilder body = new StringBuilder("{\"traces\": [");
        for (int i = 0; i < n; i++) {
            String id = "tr-" + UUID.randomUUID().toString().replace("-", "");
            ids.add(id);
            body.append(i == 0 ? "" : ",").append("{\"trace_id\": \"").append(id).append("\", \"inputs\": \"q\", \"outputs\": \"a\", "
                    + "\"tags\": {\"suite\": \"").append(suite).append("\"}}");
        }
        given().contentType(ContentType.JSON).body(body.append("]}").toString()).post("/api/traces").then().statusCode(200);
        return ids;
    }

    private boolean seeded;

    /** Seeds once, from the first test (the application's port is known only then). */
    private synchronized void seed() {
        if (seeded) {
            return;
        }
        seeded = true;
        traces.addAll(ingest(51));
        String[][] pairs = new String[50][];
        int i = 0;
        for (int k = 0; k < 20; k++) {
            pairs[i++] = new String[] {"yes", "yes"};
        }
        for (int k = 0; k < 5; k++) {
            pairs[i++] = new String[] {"yes", "no"};
        }
        for (int k = 0; k < 10; k++) {
            pairs[i++] = new String[] {"no", "yes"};
        }
        for (int k = 0; k < 15; k++) {
            pairs[i++] = new String[] {"no", "no"};
        }
        for (int t = 0; t < 50; t++) {
            String trace = traces.get(t);
            String judge = pairs[t][0];
            String human = pairs[t][1];
            if (t == 0) {
                // a reviewer first said no, then corrected herself: the correction is the reference
                String first = dev.tribunal.TestSecurity.as("ann@example.com").contentType(ContentType.JSON)
                        .body("{\"assessment\": {\"assessment_name\": \"verdict\", "
                        + "\"source\": {\"source_type\": \"HUMAN\", \"source_id\": \"ann@example.com\"}, \"feedback\": {\"value\": \"no\"}}}")
                        .post("/api/3.0/mlflow/traces/" + trace + "/assessments").then().statusCode(200).extract().path("assessment.assessment_id");
                log(trace, "{\"assessment_name\": \"verdict\", \"source\": {\"source_type\": \"HUMAN\", \"source_id\": \"ann@example.com\"}, "
                        + "\"feedback\": {\"value\": \"" + human + "\"}, \"overrides\": \"" + first + "\"}");
            } else {
                // labels differing only in case are the same label
                log(trace, "{\"assessment_name\": \"verdict\", \"source\": {\"source_type\": \"HUMAN\", \"source_id\": \"bob@example.com\"}, "
                        + "\"feedback\": {\"value\": \"" + (t % 7 == 0 ? human.toUpperCase() : human) + "\"}}");
            }
            log(trace, judgeFeedback("verdict", "openai:/cheap", "\"" + judge + "\"", 100 + t, 0.0001));
            log(trace, judgeFeedback("verdict", "openai:/careful", "\"" + human + "\"", 1000 + t, 0.002));
        }
        // the 51st: labelled, the cheap judge failed, the careful one never ran
        String last = traces.get(50);
        log(last, "{\"assessment_name\": \"verdict\", \"source\": {\"source_type\": \"HUMAN\", \"source_id\": \"bob@example.com\"}, "
                + "\"feedback\": {\"value\": \"yes\"}}");
        log(last, "{\"assessment_name\": \"verdict\", \"source\": {\"source_type\": \"LLM_JUDGE\", \"source_id\": \"openai:/cheap\"}, "
                + "\"feedback\": {\"error\": {\"error_code\": \"RATE_LIMIT_EXCEEDED\", \"error_message\": \"429\"}}, "
                + "\"metadata\": {\"tribunal.judge.version\": \"v1\"}}");

        // numeric: a score against an expected score, as the published IQ / television example
        double[] iq = {106, 100, 86, 101, 99, 103, 97, 113, 112, 110};
        double[] tv = {7, 27, 2, 50, 28, 29, 20, 12, 6, 17};
        numericTraces.addAll(ingest(10));
        for (int t = 0; t < 10; t++) {
            log(numericTraces.get(t), "{\"assessment_name\": \"gold_score\", \"expectation\": {\"value\": " + (int) tv[t] + "}}");
            log(numericTraces.get(t), judgeFeedback("score", "local:/scorer", Integer.toString((int) iq[t]), 10, 0));
        }
    }

    /** The report as JSON numbers are: doubles (REST Assured's path reads them as floats). */
    private com.fasterxml.jackson.databind.JsonNode exactReport(String body) {
        seed();
        String json = given().contentType(ContentType.JSON).body(body).post("/api/meta-evaluations").then().statusCode(200).extract().asString();
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private double exact(String path) {
        com.fasterxml.jackson.databind.JsonNode node = exactReport("{\"name\": \"verdict\", \"reference\": {\"human_feedback\": \"verdict\"}, "
                + "\"filter\": {\"tags\": {\"suite\": \"" + TAG + "\"}}}");
        for (String part : path.split("\\.")) {
            java.util.regex.Matcher indexed = java.util.regex.Pattern.compile("(\\w+)\\[(\\d+)]").matcher(part);
            node = indexed.matches() ? node.path(indexed.group(1)).path(Integer.parseInt(indexed.group(2))) : node.path(part);
        }
        assertTrue(node.isNumber(), path + " is a number: " + node);
        return node.doubleValue();
    }

    private JsonPath evaluate(String body) {
        seed();
        return given().contentType(ContentType.JSON).body(body).post("/api/meta-evaluations").then().statusCode(200).extract().jsonPath();
    }

    @Test
    void judgesAgainstHumanLabelsWithCoverageStatisticsAndCost() {
        JsonPath report = evaluate("{\"name\": \"verdict\", \"reference\": {\"human_feedback\": \"verdict\"}, "
                + "\"filter\": {\"tags\": {\"suite\": \"" + TAG + "\"}}}");
        assertEquals(51, report.getInt("reference_traces"));
        assertEquals(List.of("verdict · openai:/careful · v1", "verdict · openai:/cheap · v1"), report.getList("judges.judge"));

        Map<String, Object> cheap = report.getMap("judges[1]");
        assertEquals("openai:/cheap", cheap.get("model"));
        assertEquals("v1", cheap.get("version"));
        assertEquals("categorical", cheap.get("kind"));
        assertEquals(50, report.getInt("judges[1].coverage.compared"));
        assertEquals(1, report.getInt("judges[1].coverage.errored"));
        assertEquals(1, report.getInt("judges[1].coverage.errored_by_code.RATE_LIMIT_EXCEEDED"));
        assertEquals(0, report.getInt("judges[1].coverage.missing"));
        assertEquals(0.70, report.getDouble("judges[1].statistics.accuracy"), 1e-9);
        assertEquals(0.40, report.getDouble("judges[1].statistics.kappa"), 1e-9);
        List<Float> ci = report.getList("judges[1].statistics.kappa_ci");
        assertTrue(ci.get(0) < 0.40 && 0.40 < ci.get(1), "95 % interval around 0.40: " + ci);
        assertEquals(List.of("no", "yes"), report.getList("judges[1].statistics.labels"));
        assertEquals(List.of(List.of(15, 5), List.of(10, 20)), report.getList("judges[1].statistics.confusion"));
        assertEquals(0.8, report.getDouble("judges[1].statistics.per_label[1].precision"), 1e-9);
        assertEquals(15, report.getInt("judges[1].disagreements"));
        assertEquals(51, report.getInt("judges[1].operations.judgments"));
        assertEquals(1 / 51.0, exact("judges[1].operations.error_rate"), 1e-15, "full precision, not rounded");
        assertEquals(124, report.getInt("judges[1].operations.latency_ms_p50"), "latencies 100..149 and one error without");

        assertEquals(1.0, report.getDouble("judges[0].statistics.kappa"), 1e-9);
        assertEquals(1, report.getInt("judges[0].coverage.missing"), "the careful judge never judged the 51st trace");
        assertTrue(report.getDouble("judges[0].operations.cost_per_judgment") > report.getDouble("judges[1].operations.cost_per_judgment"));

        // the two judges with each other: the cheap one agrees with the careful one exactly as with the humans
        assertEquals(50, report.getInt("pairwise[0].compared"));
        assertEquals(0.70, report.getDouble("pairwise[0].agreement"), 1e-9);
        assertEquals(0.40, report.getDouble("pairwise[0].kappa"), 1e-9);

        // the same report again: intervals are seeded, so reproducible
        JsonPath again = evaluate("{\"name\": \"verdict\", \"reference\": {\"human_feedback\": \"verdict\"}, "
                + "\"filter\": {\"tags\": {\"suite\": \"" + TAG + "\"}}}");
        assertEquals(ci, again.getList("judges[1].statistics.kappa_ci"));
    }

    @Test
    void disagreementsListBothValuesAndTheRationale() {
        JsonPath report = evaluate("{\"name\": \"verdict\", \"reference\": {\"human_feedback\": \"verdict\"}, "
                + "\"judges\": [{\"model\": \"openai:/cheap\"}], \"filter\": {\"tags\": {\"suite\": \"" + TAG + "\"}}}");
        assertEquals(1, report.getList("judges").size(), "only the judge asked for");
        String link = report.getString("judges[0].disagreements_link");
        assertTrue(link.startsWith("/api/meta-evaluations/disagreements?name=verdict&model=openai%3A%2Fcheap&version=v1"), link);
        // the link is already encoded, as a browser or curl would send it
        JsonPath rows = given().urlEncodingEnabled(false).get(link).then().statusCode(200).extract().jsonPath();
        List<Map<String, Object>> all = rows.getList("disagreements");
        assertTrue(all.size() >= 15, "at least the 15 of this suite: " + all.size());
        Map<String, Object> first = all.stream().filter(r -> traces.contains((String) r.get("trace_id"))).findFirst().orElseThrow();
        assertTrue(!first.get("judge_value").equals(first.get("reference_value")));
        assertEquals("because", first.get("rationale"));
        assertEquals("/api/traces/" + first.get("trace_id"), first.get("trace"));
    }

    @Test
    void aNumericJudgeAgainstANumericExpectation() {
        JsonPath report = evaluate("{\"name\": \"score\", \"reference\": {\"expectation\": \"gold_score\"}}");
        Map<String, Object> judge = report.getMap("judges[0]");
        assertEquals("numeric", judge.get("kind"));
        assertEquals(10, report.getInt("judges[0].coverage.compared"));
        double[] iq = {106, 100, 86, 101, 99, 103, 97, 113, 112, 110};
        double[] tv = {7, 27, 2, 50, 28, 29, 20, 12, 6, 17};
        com.fasterxml.jackson.databind.JsonNode statistics = exactReport("{\"name\": \"score\", \"reference\": {\"expectation\": \"gold_score\"}}")
                .path("judges").path(0).path("statistics");
        assertEquals(-29 / 165.0, statistics.path("spearman").doubleValue(), 1e-15, "full precision: reports can be recomputed");
        assertEquals(Agreement.pearson(iq, tv), statistics.path("pearson").doubleValue(), 1e-15);
        assertEquals(Agreement.meanAbsoluteError(iq, tv), statistics.path("mean_absolute_error").doubleValue(), 1e-15);
        assertTrue(report.get("judges[0].statistics.quadratic_weighted_kappa") != null, "whole numbers on both sides");
        assertNull(report.get("judges[0].statistics.kappa"));
    }

    @Test
    void judgesWithoutCommonTracesSayWhyAndPairsWithoutCommonTracesAreLeftOut() {
        seed();
        List<String> others = ingest(3, "unlabelled-" + TAG);
        // verdicts logged by hand (no judge version) on traces nobody labelled, and a run's judge whose every call failed
        for (String trace : others) {
            log(trace, "{\"assessment_name\": \"verdict\", \"source\": {\"source_type\": \"LLM_JUDGE\", \"source_id\": \"openai:/by-hand\"}, "
                    + "\"feedback\": {\"value\": \"yes\"}}");
            log(trace, "{\"assessment_name\": \"verdict\", \"source\": {\"source_type\": \"LLM_JUDGE\", \"source_id\": \"openai:/no-key\"}, "
                    + "\"feedback\": {\"error\": {\"error_code\": \"AUTHENTICATION_FAILED\", \"error_message\": \"401\"}}, "
                    + "\"metadata\": {\"tribunal.judge.version\": \"v1\"}}");
        }
        JsonPath report = evaluate("{\"name\": \"verdict\", \"reference\": {\"human_feedback\": \"verdict\"}}");
        Map<String, Object> byHand = report.getMap("judges.find { it.model == 'openai:/by-hand' }");
        assertEquals(0, ((Map<?, ?>) byHand.get("coverage")).get("compared"));
        String why = (String) byHand.get("not_compared");
        assertTrue(why.contains("none of the 3 traces it judged has a person's label of 'verdict'") && why.contains("no judge version"), why);
        String failed = report.getString("judges.find { it.model == 'openai:/no-key' }.not_compared");
        assertTrue(failed.contains("every one of its 3 judgments failed (AUTHENTICATION_FAILED: 3)"), failed);
        assertNull(report.get("judges.find { it.model == 'openai:/cheap' }.not_compared"), "a compared judge needs no excuse");

        List<Map<String, Object>> pairs = report.getList("pairwise");
        assertTrue(pairs.stream().allMatch(p -> ((Number) p.get("compared")).intValue() > 0), "only pairs with common traces: " + pairs);
        assertTrue(pairs.stream().noneMatch(p -> String.valueOf(p.get("a")).contains("no-key") || String.valueOf(p.get("b")).contains("no-key")),
                "a judge whose every judgment failed shares no trace with another: " + pairs);
        assertTrue(pairs.stream().anyMatch(p -> String.valueOf(p.get("a")).contains("careful") && String.valueOf(p.get("b")).contains("cheap")));
    }

    @Test
    void aJudgeWhoseValuesCanNeverEqualTheReferenceIsFlagged() {
        seed();
        List<String> ids = ingest(4, "boolean-" + TAG);
        for (int i = 0; i < ids.size(); i++) {
            log(ids.get(i), "{\"assessment_name\": \"expected_answer\", \"expectation\": {\"value\": \"" + (i % 2 == 0 ? "Paris" : "Rome") + "\"}}");
            log(ids.get(i), judgeFeedback("is_correct", "openai:/boolean-judge", i % 2 == 0 ? "true" : "false", 10, 0));
        }
        JsonPath report = evaluate("{\"name\": \"is_correct\", \"reference\": {\"expectation\": \"expected_answer\"}}");
        assertEquals(4, report.getInt("judges[0].coverage.compared"));
        String warning = report.getString("judges[0].warning");
        assertTrue(warning != null && warning.contains("never equal") && warning.contains("false, true") && warning.contains("paris, rome"),
                "a boolean judge against a text expectation: " + warning);
        assertNull(evaluate("{\"name\": \"verdict\", \"reference\": {\"human_feedback\": \"verdict\"}, "
                + "\"filter\": {\"tags\": {\"suite\": \"" + TAG + "\"}}}").get("judges[1].warning"), "labels that can match: no warning");
    }

    @Test
    void aRequestWithoutAReferenceIsA400() {
        seed();
        given().contentType(ContentType.JSON).body("{\"name\": \"verdict\"}").post("/api/meta-evaluations").then().statusCode(400)
                .body("detail", containsString("reference is required"));
        given().contentType(ContentType.JSON).body("{\"name\": \"verdict\", \"reference\": {\"human_feedback\": \"a\", \"expectation\": \"b\"}}")
                .post("/api/meta-evaluations").then().statusCode(400).body("detail", containsString("exactly one"));
        given().get("/api/meta-evaluations?name=verdict&human_feedback=verdict").then().statusCode(200);
    }

    @Test
    void aVerdictAPersonOverrodeCountsAsTheDisagreementItIs() {
        seed();
        List<String> ids = ingest(4, "override-" + TAG);
        String name = "overridden_" + TAG.replace("-", "_");
        for (int i = 0; i < ids.size(); i++) {
            String verdict = given().contentType(ContentType.JSON).body("{\"assessment\": " + judgeFeedback(name, "openai:/overridden", "\"yes\"", 10, 0) + "}")
                    .post("/api/3.0/mlflow/traces/" + ids.get(i) + "/assessments").then().statusCode(200).extract().path("assessment.assessment_id");
            // two labels agree; two people override the verdict, which then is no longer valid
            log(ids.get(i), "{\"assessment_name\": \"" + name + "\", \"source\": {\"source_type\": \"HUMAN\", \"source_id\": \"ann@example.com\"}, "
                    + "\"feedback\": {\"value\": \"" + (i < 2 ? "yes" : "no") + "\"}" + (i < 2 ? "" : ", \"overrides\": \"" + verdict + "\"") + "}");
        }
        JsonPath report = evaluate("{\"name\": \"" + name + "\", \"reference\": {\"human_feedback\": \"" + name + "\"}}");
        assertEquals(4, report.getInt("judges[0].coverage.compared"), "the overridden verdicts are compared too");
        assertEquals(0.5, report.getDouble("judges[0].statistics.accuracy"), 1e-9);
        assertEquals(2, report.getInt("judges[0].disagreements"));
    }
}
