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
    /** The runs of the sweep "gated" so far. */
    private static final List<String> SWEEP_RUNS = new java.util.ArrayList<>();

    @Inject
    Pool pool;

    @io.quarkus.test.common.http.TestHTTPResource("/")
    java.net.URL base;

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
        SWEEP_RUNS.add(run);
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

        challengersJudgeBesideTheChampionUnseen(text, costly);
    }

    /**
     * The sweep "gated" names two challengers: the champion on fake:/acc-60, and a version on fake:/acc-70. They judge the
     * sweep's traces beside the champion; consumers do not see their verdicts unless they ask; their figures are those of
     * the stored assessments.
     */
    private void challengersJudgeBesideTheChampionUnseen(String text, String champion) throws Exception {
        String challenger = newVersion(text.replace("fake:/acc-95", "fake:/acc-70"));
        String named = Files.readString(Path.of("src/test/resources/verdict-sweeps/gated.yaml"));
        assertTrue(named.contains("gated@" + challenger), "the sweep file must name the version challenger gated@" + challenger);

        java.util.Map<String, Boolean> truth = new java.util.LinkedHashMap<>();
        for (int i = 0; i < 30; i++) {
            boolean right = i % 3 != 0;
            String id = trace("gated", right);
            truth.put(id, right);
            label(id, right);
        }
        long ticks = given().get("/api/sweeps/gated").then().statusCode(200).extract().jsonPath().getLong("ticks");
        given().post("/api/sweeps/gated/trigger").then().statusCode(202);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (given().get("/api/sweeps/gated").then().statusCode(200).extract().jsonPath().getLong("ticks") == ticks) {
            assertTrue(System.nanoTime() < deadline, "the sweep ticked");
            Thread.sleep(100);
        }
        String run = given().get("/api/sweeps/gated").then().extract().path("last_run_id");
        RunTestSupport.awaitCompleted(run, Duration.ofSeconds(90));

        // consumers see the champion's verdicts only
        List<Map<String, Object>> seen = RunTestSupport.assessments(run);
        assertEquals(30, seen.size());
        assertTrue(seen.stream().allMatch(a -> champion.equals(((Map<?, ?>) a.get("metadata")).get("tribunal.judge.version"))));
        List<Map<String, Object>> all = new java.util.ArrayList<>(RunTestSupport.assessments(run, Map.of("include_challengers", "true")));
        assertEquals(90, all.size());
        SWEEP_RUNS.forEach(earlier -> all.addAll(RunTestSupport.assessments(earlier, Map.of("include_challengers", "true"))));
        List<Map<String, Object>> challengers = all.stream().filter(a -> "challenger".equals(((Map<?, ?>) a.get("metadata")).get("tribunal.role")))
                .toList();
        assertEquals(60, challengers.stream().filter(a -> run.equals(((Map<?, ?>) a.get("metadata")).get("mlflow.assessment.sourceRunId")))
                .count());
        assertEquals(Set.of("fake:/acc-60", "fake:/acc-70"), Set.copyOf(challengers.stream()
                .map(a -> (String) ((Map<?, ?>) a.get("source")).get("source_id")).toList()));
        assertTrue(challengers.stream().allMatch(a -> "LLM_JUDGE".equals(((Map<?, ?>) a.get("source")).get("source_type"))));
        String someTrace = truth.keySet().iterator().next();
        // the challengers' two verdicts only when asked for
        List<Map<String, Object>> info = given().get("/api/3.0/mlflow/traces/" + someTrace).then().statusCode(200).extract().jsonPath()
                .getList("trace.trace_info.assessments");
        assertTrue(info.stream().noneMatch(a -> "challenger".equals(((Map<?, ?>) a.get("metadata")).get("tribunal.role"))), info.toString());
        List<Map<String, Object>> asked = given().queryParam("include_challengers", "true").get("/api/3.0/mlflow/traces/" + someTrace).then()
                .statusCode(200).extract().jsonPath().getList("trace.trace_info.assessments");
        assertEquals(info.size() + 2, asked.size(), asked.toString());

        // the figures are those of the stored assessments
        JsonPath report = given().get("/api/sweeps/gated/challengers").then().statusCode(200).extract().jsonPath();
        for (String model : List.of("fake:/acc-60", "fake:/acc-70")) {
            Map<String, Object> figures = model.equals("fake:/acc-60")
                    ? report.getMap("challengers.find { it.model == 'fake:/acc-60' }")
                    : report.getMap("challengers.find { it.version == '" + challenger + "' }");
            assertNotNull(figures, report.prettify());
            java.util.Map<String, Object> championValue = new java.util.HashMap<>();
            all.stream().filter(a -> ((Map<?, ?>) a.get("metadata")).get("tribunal.role") == null)
                    .forEach(a -> championValue.put((String) a.get("trace_id"), ((Map<?, ?>) a.get("feedback")).get("value")));
            int compared = 0;
            int agree = 0;
            int championRight = 0;
            int challengerRight = 0;
            int differ = 0;
            int labelled = 0;
            for (Map<String, Object> a : challengers) {
                if (!model.equals(((Map<?, ?>) a.get("source")).get("source_id"))) {
                    continue;
                }
                Object mine = ((Map<?, ?>) a.get("feedback")).get("value");
                Object theirs = championValue.get((String) a.get("trace_id"));
                compared++;
                if (mine.equals(theirs)) {
                    agree++;
                } else {
                    differ++;
                    Boolean label = truth.get((String) a.get("trace_id"));
                    if (label != null) {
                        labelled++;
                        championRight += label.equals(theirs) ? 1 : 0;
                        challengerRight += label.equals(mine) ? 1 : 0;
                    }
                }
            }
            assertTrue(compared >= 30, "this tick's 30 and any earlier ones");
            assertEquals(compared, figures.get("compared"), figures.toString());
            double share = (double) agree / compared;
            assertEquals(share, ((Number) figures.get("agreement")).doubleValue(), 1e-6, figures.toString());
            assertEquals(differ, figures.get("differ"));
            assertEquals(differ, ((List<?>) figures.get("differences")).size());
            assertEquals(labelled, figures.get("labelled"));
            assertEquals(championRight, figures.get("champion_right"));
            assertEquals(challengerRight, figures.get("challenger_right"));
            List<?> ci = (List<?>) figures.get("agreement_ci");
            assertTrue(((Number) ci.get(0)).doubleValue() <= share && share <= ((Number) ci.get(1)).doubleValue(), ci.toString());
            assertEquals(champion, figures.get("champion_version"));
        }
        given().get("/api/sweeps/nosuch/challengers").then().statusCode(404);

        judgePageShowsItAll(champion, challenger, List.copyOf(truth.keySet()).subList(0, 10));
    }

    /** The judge's page: versions with their status and figures, the champion, a probe, the challengers; accessible. */
    private void judgePageShowsItAll(String champion, String challenger, List<String> traces) throws Exception {
        String probe = given().contentType(ContentType.JSON).body("{\"traces\": {\"trace_ids\": " + RunTestSupport.jsonList(traces)
                + "}, \"probes\": [{\"type\": \"repeat\", \"k\": 3}]}").post("/api/judges/gated/probes").then().statusCode(202)
                .extract().path("id");
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!"completed".equals(given().get("/api/judges/gated/probes/" + probe).then().statusCode(200).extract().path("status"))) {
            assertTrue(System.nanoTime() < deadline, "the probe completed");
            Thread.sleep(200);
        }
        given().get("/judges/nosuch").then().statusCode(404);
        if (!Files.isExecutable(dev.tribunal.TestBrowser.CHROMIUM)) {
            return;
        }
        String reader = TestSecurity.key("judge-page-reader", "read");
        try (com.microsoft.playwright.Playwright playwright = dev.tribunal.TestBrowser.playwright();
             com.microsoft.playwright.Browser browser = dev.tribunal.TestBrowser.launch(playwright);
             com.microsoft.playwright.BrowserContext context = browser.newContext();
             com.microsoft.playwright.Page page = context.newPage()) {
            page.navigate(base + "judges/gated");
            page.fill("#key", reader);
            page.click("#sign-in");
            page.waitForSelector("#judge-name");
            assertEquals("gated", page.textContent("#judge-name"));
            assertTrue(page.textContent("#champion").contains(champion), page.textContent("#champion"));
            assertTrue(page.textContent("#gate").contains("kappa"), page.textContent("#gate"));
            assertTrue(page.locator("#versions tbody tr").count() >= 5);
            assertTrue(page.textContent("#versions tr[data-version='" + champion + "'] .status").startsWith("passed"));
            assertTrue(page.textContent("#versions tr[data-version='" + champion + "']").contains("champion"));
            assertTrue(page.textContent("#definition").contains("gate:"));
            assertEquals(1, page.locator("#probes tr[data-probe='repeat']").count());
            assertEquals(2, page.locator("#challengers tbody tr").count());
            assertTrue(page.textContent("#challengers tr[data-challenger='gated@" + challenger + "']").contains("gated@" + challenger));
            assertTrue(page.getAttribute("#meta-eval-link", "href").startsWith("/meta-evaluation?name=gated"));
            java.nio.file.Files.createDirectories(Path.of("target/screenshots"));
            page.screenshot(new com.microsoft.playwright.Page.ScreenshotOptions().setPath(Path.of("target/screenshots/judge.png"))
                    .setFullPage(true));
            dev.tribunal.TestBrowser.assertAccessible(page);
        }
    }
}
