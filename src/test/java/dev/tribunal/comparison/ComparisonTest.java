package dev.tribunal.comparison;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import dev.tribunal.TestBrowser;
import dev.tribunal.TestSecurity;
import dev.tribunal.run.RunTestSupport;
import dev.tribunal.run.VerdictJudges;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Pairwise comparisons with position swap, against simulated judges that prefer the response shown first with a set
 * probability ({@code fake:/first-<percent>}) and otherwise pick the truly better one (each response carries its quality).
 */
@QuarkusTest
@TestProfile(VerdictJudges.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ComparisonTest {

    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final List<String> MODELS = List.of("fake:/first-100", "fake:/first-0", "fake:/first-30");

    @TestHTTPResource("/")
    URL base;

    private Playwright playwright;
    private Browser browser;

    @BeforeAll
    void startBrowser() {
        if (java.nio.file.Files.isExecutable(TestBrowser.CHROMIUM)) {
            playwright = TestBrowser.playwright();
            browser = TestBrowser.launch(playwright);
        }
    }

    @AfterAll
    void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
        if (playwright != null) {
            playwright.close();
        }
    }

    /** The true quality of each trace's response, by trace id. */
    private final Map<String, Integer> quality = new HashMap<>();
    /** The baseline each candidate should be paired with (same inputs). */
    private final Map<String, String> partner = new HashMap<>();

    /** 40 questions answered by both versions, 3 only by the candidate, 2 only by the baseline; returns the set's tag. */
    private String ingest(long seed) {
        String set = "set-" + UUID.randomUUID();
        quality.clear();
        partner.clear();
        Random random = new Random(seed);
        StringBuilder body = new StringBuilder("{\"traces\": [");
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < 45; i++) {
            String question = "{\"question\": \"q" + i + " of " + set + "\"}";
            String candidate = "tr-" + UUID.randomUUID().toString().replace("-", "");
            String baseline = "tr-" + UUID.randomUUID().toString().replace("-", "");
            int qc = 1 + random.nextInt(5);
            int qb = 1 + random.nextInt(5);
            if (i < 43) {
                rows.add(trace(candidate, question, "candidate answer quality=" + qc, set, "v2"));
                quality.put(candidate, qc);
            }
            if (i < 40 || i >= 43) {
                rows.add(trace(baseline, question, "baseline answer quality=" + qb, set, "v1"));
                quality.put(baseline, qb);
            }
            if (i < 40) {
                partner.put(candidate, baseline);
            }
        }
        body.append(String.join(",", rows)).append("]}");
        given().contentType(ContentType.JSON).body(body.toString()).post("/api/traces").then().statusCode(200);
        return set;
    }

    private static String trace(String id, String inputs, String outputs, String set, String version) {
        return "{\"trace_id\": \"" + id + "\", \"inputs\": " + inputs + ", \"outputs\": \"" + outputs + "\", \"tags\": {\"set\": \"" + set
                + "\", \"version\": \"" + version + "\"}}";
    }

    private static String request(String set, String extra) {
        return "{\"judge\": \"compare\", \"baseline\": {\"tags\": {\"set\": \"" + set + "\", \"version\": \"v1\"}}, "
                + "\"candidate\": {\"tags\": {\"set\": \"" + set + "\", \"version\": \"v2\"}}, \"models\": [\"fake:/first-100\", "
                + "\"fake:/first-0\", \"fake:/first-30\"]" + extra + "}";
    }

    @Test
    void eachPairIsJudgedInBothOrdersAndAFirstPositionBiasEndsAsInconsistentTies() {
        String set = ingest(11);
        // the dry run: two calls per pair and model
        given().contentType(ContentType.JSON).body(request(set, ", \"dry_run\": true")).post("/api/comparisons").then().statusCode(200)
                .body("pairs", equalTo(40))
                .body("llm_calls", equalTo(2 * 40 * 3))
                .body("unmatched.candidates", equalTo(3))
                .body("unmatched.baselines", equalTo(2));
        JsonPath created = given().contentType(ContentType.JSON).body(request(set, "")).post("/api/comparisons").then().statusCode(202)
                .body("pairs", equalTo(40))
                .body("judgments", equalTo(120))
                .extract().jsonPath();
        String id = created.getString("comparison_id");
        assertEquals(3, created.getList("unmatched.candidate_ids").size());
        assertEquals(2, created.getList("unmatched.baseline_ids").size());
        // progress like a run: it is one
        RunTestSupport.awaitCompleted(id, WAIT);

        JsonPath report = given().queryParam("max_pairs", 1000).get("/api/comparisons/" + id).then().statusCode(200)
                .body("status", equalTo("COMPLETED"))
                .body("judge", equalTo("compare"))
                .extract().jsonPath();
        List<Map<String, Object>> pairs = report.getList("pairs");
        assertEquals(120, pairs.size());
        for (Map<String, Object> pair : pairs) {
            assertEquals(partner.get((String) pair.get("candidate_trace_id")), pair.get("baseline_trace_id"), "paired by equal inputs");
        }

        // the biased judge: every pair a tie whose orders disagree, each order choosing what it saw first
        Map<String, Object> biased = model(report, "fake:/first-100");
        assertEquals(40, biased.get("judged"));
        assertEquals(0, biased.get("wins"));
        assertEquals(0, biased.get("losses"));
        assertEquals(40, biased.get("ties"));
        assertEquals(40, biased.get("position_inconsistent"));
        assertEquals(0.0, ((Number) biased.get("position_consistency")).doubleValue());
        assertEquals(1.0, ((Number) biased.get("first_position_preference")).doubleValue());
        assertEquals(0.5, ((Number) biased.get("win_rate")).doubleValue(), 1e-12);

        // the unbiased judge: the true winner of every pair, both orders agreeing
        Map<String, Object> fair = model(report, "fake:/first-0");
        assertEquals(1.0, ((Number) fair.get("position_consistency")).doubleValue());
        for (Map<String, Object> pair : pairs) {
            if (!"fake:/first-0".equals(pair.get("model"))) {
                continue;
            }
            int qc = quality.get((String) pair.get("candidate_trace_id"));
            int qb = quality.get((String) pair.get("baseline_trace_id"));
            assertEquals(qc > qb ? "candidate" : qb > qc ? "baseline" : "tie", pair.get("verdict"), pair.toString());
            assertEquals(Boolean.TRUE, pair.get("position_consistent"));
        }

        // every model's figures equal a computation over its stored assessments
        List<Map<String, Object>> stored = RunTestSupport.assessments(id);
        assertEquals(120, stored.size());
        for (String model : MODELS) {
            List<Map<String, Object>> mine = stored.stream().filter(a -> model.equals(((Map<?, ?>) a.get("source")).get("source_id"))).toList();
            assertEquals(40, mine.size());
            int wins = 0;
            int ties = 0;
            int inconsistent = 0;
            int firstBoth = 0;
            for (Map<String, Object> a : mine) {
                @SuppressWarnings("unchecked")
                Map<String, String> metadata = (Map<String, String>) a.get("metadata");
                assertEquals("compare", a.get("assessment_name"));
                assertEquals(id, metadata.get("tribunal.comparison"));
                assertEquals(partner.get((String) a.get("trace_id")), metadata.get("tribunal.baseline_trace_id"), "stored on the candidate");
                String verdict = (String) ((Map<?, ?>) a.get("feedback")).get("value");
                wins += verdict.equals("candidate") ? 1 : 0;
                ties += verdict.equals("tie") ? 1 : 0;
                if ("false".equals(metadata.get("tribunal.pairwise.position_consistent"))) {
                    inconsistent++;
                    assertEquals("tie", verdict);
                    firstBoth += "A".equals(metadata.get("tribunal.pairwise.candidate_first"))
                            && "A".equals(metadata.get("tribunal.pairwise.baseline_first")) ? 1 : 0;
                }
            }
            Map<String, Object> figures = model(report, model);
            double rate = (wins + ties / 2.0) / 40;
            assertEquals(wins, figures.get("wins"), model);
            assertEquals(ties, figures.get("ties"), model);
            assertEquals(inconsistent, figures.get("position_inconsistent"), model);
            assertEquals(rate, ((Number) figures.get("win_rate")).doubleValue(), 1e-6, model);
            assertEquals((40 - inconsistent) / 40.0, ((Number) figures.get("position_consistency")).doubleValue(), 1e-6, model);
            if (inconsistent > 0) {
                assertEquals((double) firstBoth / inconsistent, ((Number) figures.get("first_position_preference")).doubleValue(), 1e-6);
            }
            // the 95 % Wilson score interval
            double z = 1.959963984540054;
            double centre = (rate + z * z / 80) / (1 + z * z / 40);
            double half = z * Math.sqrt(rate * (1 - rate) / 40 + z * z / (4.0 * 1600)) / (1 + z * z / 40);
            @SuppressWarnings("unchecked")
            List<Number> ci = (List<Number>) figures.get("win_rate_ci");
            assertEquals(centre - half, ci.get(0).doubleValue(), 1e-6);
            assertEquals(centre + half, ci.get(1).doubleValue(), 1e-6);
        }
        Map<String, Object> mixed = model(report, "fake:/first-30");
        double consistency = ((Number) mixed.get("position_consistency")).doubleValue();
        assertTrue(consistency > 0 && consistency < 1, "a judge biased 30 % of the time is sometimes inconsistent: " + consistency);

        // the list, newest first
        JsonPath listed = given().queryParam("max_results", 1000).get("/api/comparisons").then().statusCode(200).extract().jsonPath();
        Map<String, Object> summary = listed.getMap("comparisons.find { it.comparison_id == '" + id + "' }");
        assertEquals("compare", summary.get("judge"));
        assertEquals(40, summary.get("pairs"));
        assertEquals("COMPLETED", summary.get("status"));
        assertEquals(MODELS, summary.get("models"));
        given().queryParam("max_pairs", 0).get("/api/comparisons/" + id).then().statusCode(400);
        given().queryParam("max_results", 1).get("/api/comparisons").then().statusCode(200)
                .body("comparisons.size()", equalTo(1))
                .body("next_page_token", listed.getList("comparisons").size() > 1 ? org.hamcrest.Matchers.notNullValue()
                        : org.hamcrest.Matchers.nullValue());

        // the page: bars with intervals and the pairs, in a real browser, accessible
        if (browser != null) {
            String reader = TestSecurity.key("comparison-page-reader", "read");
            try (BrowserContext context = browser.newContext(); Page page = context.newPage()) {
                page.navigate(base + "comparisons/" + id);
                page.fill("#key", reader);
                page.click("#sign-in");
                page.waitForSelector("#comparison-id");
                assertEquals(id, page.textContent("#comparison-id"));
                assertEquals(3, page.locator("#models tbody tr").count());
                assertEquals("1.00", page.textContent("#models tr[data-model='fake:/first-100'] .first-preference").trim());
                assertEquals("0.00", page.textContent("#models tr[data-model='fake:/first-100'] .consistency").trim());
                assertEquals(3, page.locator("#chart svg rect.bar").count(), "one bar per model");
                assertEquals(120, page.locator("#pairs tbody tr").count());
                assertTrue(page.textContent("#unmatched").contains("3 candidate and 2 baseline traces without a partner"));
                String firstPair = page.textContent("#pairs tbody tr:first-child");
                assertTrue(firstPair.contains("tr-"), firstPair);
                page.click("#pairs tbody tr:first-child td:first-child a");
                page.waitForSelector("#trace-id");
                assertTrue(page.url().contains("/traces/tr-"), page.url());
                page.goBack();
                page.waitForSelector("#comparison-id");
                TestBrowser.assertAccessible(page);
            }
        }
    }

    @Test
    void badComparisonsAreRefusedWithNothingStored() {
        String set = ingest(12);
        given().contentType(ContentType.JSON).body(request(set, "").replace("\"compare\"", "\"consistent\"")).post("/api/comparisons")
                .then().statusCode(400).body("detail", containsString("is not pairwise"));
        given().contentType(ContentType.JSON).body(request(set, ", \"match_on\": {\"field\": \"x\"}")).post("/api/comparisons")
                .then().statusCode(400).body("detail", containsString("match_on must be \"inputs\" or {\"tag\": \"<key>\"}"));
        given().contentType(ContentType.JSON).body(request(set, "").replace("\"version\": \"v1\"", "\"version\": \"v9\"")).post("/api/comparisons")
                .then().statusCode(400).body("detail", containsString("No candidate trace has a baseline"));
        given().contentType(ContentType.JSON).body(request(set, "").replace("fake:/first-0", "nowhere:/x")).post("/api/comparisons")
                .then().statusCode(400).body("detail", containsString("nowhere"));
        given().contentType(ContentType.JSON).body("{\"judges\": [\"compare\"], \"trace_ids\": [\"" + partner.keySet().iterator().next() + "\"]}")
                .post("/api/judge-runs").then().statusCode(400).body("detail", containsString("POST /api/comparisons"));
        given().get("/api/comparisons/no-such-comparison").then().statusCode(404);
        given().contentType(ContentType.JSON).body(request(set, "").replace("\"version\": \"v1\"", "\"version\": null"))
                .post("/api/comparisons").then().statusCode(400).body("detail", containsString("baseline.tags must map tag keys to values"));
        // a trace in both selections is in one pair at most; ids that name no trace are unmatched
        String someCandidate = partner.keySet().iterator().next();
        List<String> two = List.of(someCandidate, partner.get(someCandidate));
        String both = "{\"judge\": \"compare\", \"baseline\": {\"trace_ids\": " + RunTestSupport.jsonList(two) + "}, \"candidate\": "
                + "{\"trace_ids\": " + RunTestSupport.jsonList(List.of(two.get(0), two.get(1), "tr-no-such-trace")) + "}, \"dry_run\": true}";
        given().contentType(ContentType.JSON).body(both).post("/api/comparisons").then().statusCode(200)
                .body("pairs", equalTo(1))
                .body("unmatched.candidate_ids", org.hamcrest.Matchers.hasItem("tr-no-such-trace"));
        // a time window: baselines requested before the year 2000 are none
        given().contentType(ContentType.JSON).body(request(set, "").replace("\"version\": \"v1\"}", "\"version\": \"v1\"}, \"to\": "
                + "\"2000-01-01T00:00:00Z\"")).post("/api/comparisons").then().statusCode(400)
                .body("detail", containsString("0 baselines selected"));
        given().contentType(ContentType.JSON).body(request(set, "").replace("\"version\": \"v1\"}", "\"version\": \"v1\"}, \"from\": "
                + "\"2030-01-01T00:00:00Z\", \"to\": \"2000-01-01T00:00:00Z\"")).post("/api/comparisons").then().statusCode(400)
                .body("detail", containsString("baseline.from must be before baseline.to"));
        // matched on a tag's value instead: each candidate with the baseline of the same question number
        String tagged = "{\"judge\": \"compare\", \"baseline\": {\"trace_ids\": " + RunTestSupport.jsonList(new ArrayList<>(partner.values()))
                + "}, \"candidate\": {\"trace_ids\": " + RunTestSupport.jsonList(new ArrayList<>(partner.keySet())) + "}, "
                + "\"match_on\": {\"tag\": \"set\"}, \"dry_run\": true}";
        given().contentType(ContentType.JSON).body(tagged).post("/api/comparisons").then().statusCode(200)
                .body("pairs", equalTo(40))
                .body("llm_calls", equalTo(80));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> model(JsonPath report, String model) {
        Map<String, Object> found = ((List<Map<String, Object>>) (List<?>) report.getList("models")).stream()
                .filter(m -> model.equals(m.get("model"))).findFirst().orElse(null);
        assertNotNull(found, model + " in " + report.prettify());
        return found;
    }
}
