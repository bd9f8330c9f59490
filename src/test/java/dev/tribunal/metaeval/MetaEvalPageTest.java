package dev.tribunal.metaeval;

import dev.tribunal.PageTestBase;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The meta-evaluation page in a real headless Chromium (Debian's, installed by .ci/run): it loads, shows
 * the figures of seeded data, draws its charts, and a reviewer's labels are saved. Screenshots land in
 * target/screenshots.
 */
@QuarkusTest
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class MetaEvalPageTest extends PageTestBase {

    private static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private static final String NAME = "page_quality_" + UUID.randomUUID().toString().substring(0, 6);

    @TestHTTPResource("/")
    URL base;

    private final List<String> unlabelled = new ArrayList<>();
    private boolean seeded;

    @BeforeAll
    void screenshotsFolder() throws Exception {
        Files.createDirectories(SCREENSHOTS);
    }

    private static void log(String trace, String json) {
        dev.tribunal.TestSecurity.author(json).contentType(ContentType.JSON).body("{\"assessment\": " + json + "}")
                .post("/api/3.0/mlflow/traces/" + trace + "/assessments").then().statusCode(200);
    }

    private static String judge(String model, String value, double cost) {
        return "{\"assessment_name\": \"" + NAME + "\", \"source\": {\"source_type\": \"LLM_JUDGE\", \"source_id\": \"" + model + "\"}, "
                + "\"feedback\": {\"value\": \"" + value + "\"}, \"rationale\": \"the answer " + value + "\", \"metadata\": "
                + "{\"tribunal.judge.version\": \"v1\", \"tribunal.latency_ms\": \"120\", \"mlflow.assessment.judgeCost\": \"" + cost + "\"}}";
    }

    /**
     * 20 labelled traces: judge A says yes/yes 8, yes/no 2, no/yes 3, no/no 7 (agreement 0.75, kappa 0.5);
     * judge B always agrees; two more traces judged and not labelled yet.
     */
    private synchronized void seed() {
        if (seeded) {
            return;
        }
        seeded = true;
        List<String> ids = new ArrayList<>();
        StringBuilder body = new StringBuilder("{\"traces\": [");
        for (int i = 0; i < 22; i++) {
            String id = "tr-" + UUID.randomUUID().toString().replace("-", "");
            ids.add(id);
            body.append(i == 0 ? "" : ",").append("{\"trace_id\": \"").append(id).append("\", \"inputs\": {\"question\": \"Question ")
                    .append(i).append("\"}, \"outputs\": \"Answer <b>").append(i).append("</b>\"}");
        }
        given().contentType(ContentType.JSON).body(body.append("]}").toString()).post("/api/traces").then().statusCode(200);
        String[][] pairs = new String[20][];
        int k = 0;
        for (int n = 0; n < 8; n++) {
            pairs[k++] = new String[] {"yes", "yes"};
        }
        for (int n = 0; n < 2; n++) {
            pairs[k++] = new String[] {"yes", "no"};
        }
        for (int n = 0; n < 3; n++) {
            pairs[k++] = new String[] {"no", "yes"};
        }
        for (int n = 0; n < 7; n++) {
            pairs[k++] = new String[] {"no", "no"};
        }
        for (int i = 0; i < 20; i++) {
            log(ids.get(i), "{\"assessment_name\": \"" + NAME + "\", \"source\": {\"source_type\": \"HUMAN\", \"source_id\": \"lab@example.com\"}, "
                    + "\"feedback\": {\"value\": \"" + pairs[i][1] + "\"}}");
            log(ids.get(i), judge("openai:/page-a", pairs[i][0], 0.0001));
            log(ids.get(i), judge("openai:/page-b", pairs[i][1], 0.003));
        }
        for (int i = 20; i < 22; i++) {
            log(ids.get(i), judge("openai:/page-a", "no", 0.0001));
            unlabelled.add(ids.get(i));
        }
    }

    /** Opens a page in a fresh browser, which the server first sends to the login page, where the key is entered. */
    private Page signedIn(BrowserContext context, String key, String path) {
        Page page = context.newPage();
        page.navigate(base + path);
        assertTrue(page.url().contains("/login?next="), "a browser without a session is sent to the login page: " + page.url());
        page.fill("#key", key);
        page.click("#sign-in");
        page.waitForLoadState();
        assertTrue(page.url().endsWith(path), "back to " + path + " once signed in: " + page.url());
        return page;
    }

    @Test
    @org.junit.jupiter.api.Order(1)
    void thePageShowsTheJudgesSideBySide() throws Exception {
        seed();
        String viewer = dev.tribunal.TestSecurity.key("page-viewer", "read");
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900));
             Page page = signedIn(context, viewer, "meta-evaluation?name=" + NAME)) {
            assertTrue(page.title().contains(NAME), page.title());
            String rowA = "#summary tr[data-judge='" + NAME + " · openai:/page-a · v1']";
            String rowB = "#summary tr[data-judge='" + NAME + " · openai:/page-b · v1']";
            assertEquals("20", page.textContent(rowA + " td.compared").trim());
            assertEquals("0.75", page.textContent(rowA + " td.accuracy").trim());
            assertEquals("0.50", page.textContent(rowA + " td.headline").trim());
            assertEquals("1.00", page.textContent(rowB + " td.headline").trim());
            assertTrue(page.textContent(rowA + " td.ci").contains("–"), "an interval is shown");
            assertEquals(2, page.locator("svg.heatmap").count(), "a confusion heatmap per judge");
            assertEquals("7", page.locator("#judge-0 svg.heatmap text.count").first().textContent().trim(),
                    "reference no, judge no: 7 (the first cell of judge A's matrix)");
            assertEquals(1, page.locator("svg.bars").count());
            assertEquals(2, page.locator("svg.bars rect.bar").count());
            assertEquals(1, page.locator("svg.scatter").count(), "cost against agreement");
            assertEquals(5, page.locator("#judge-0 table.disagreements tbody tr").count(), "judge A's five disagreements");
            assertEquals("openai:/page-a · v1", page.textContent("#judge-0-heading").trim(),
                    "the section's heading names the judge's model and version, not the judged name again");
            dev.tribunal.TestBrowser.assertAccessible(page);
            page.screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOTS.resolve("meta-evaluation.png")).setFullPage(true));

            // the links lead somewhere a signed-in person can read: the trace's page, and the JSON download
            String traceLink = page.locator("#judge-0 table.disagreements tbody tr a").first().getAttribute("href");
            assertTrue(traceLink.startsWith("/traces/tr-"), traceLink);
            com.microsoft.playwright.Response trace = page.navigate(base + traceLink.substring(1));
            assertEquals(200, trace.status());
            assertTrue(page.textContent("#trace-id").startsWith("tr-"));
            page.goBack();
            com.microsoft.playwright.Response json = page.navigate(base
                    + page.locator("#judge-0 a", new Page.LocatorOptions().setHasText("All disagreements as JSON")).getAttribute("href").substring(1));
            assertEquals(200, json.status(), "the JSON download opens in the signed-in browser");
            assertTrue(json.text().contains("\"disagreements\""), json.text());
        }
        assertTrue(Files.size(SCREENSHOTS.resolve("meta-evaluation.png")) > 10_000, "a screenshot of the page");
    }

    @Test
    @org.junit.jupiter.api.Order(2)
    void aReviewerLabelsTracesAndOverridesAJudge() throws Exception {
        seed();
        String reviewer = dev.tribunal.TestSecurity.key("carol@example.com", "read", "annotate");
        try (BrowserContext context = browser.newContext();
             Page page = signedIn(context, reviewer, "meta-evaluation/label?name=" + NAME)) {
            assertEquals("carol@example.com", page.textContent("#reviewer").trim(), "labels are recorded in the signed-in key's name");
            String first = page.locator("input[name=trace_id]").getAttribute("value");
            assertTrue(unlabelled.contains(first), "the next trace without a label: " + first);
            assertTrue(page.textContent("#outputs").contains("Answer <b>"), "trace content is shown as text, not as markup");
            page.screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOTS.resolve("meta-evaluation-label.png")).setFullPage(true));
            page.fill("#value", "yes");
            page.fill("#rationale", "The answer is right.");
            page.click("#label-form button[type=submit]");
            page.waitForSelector("#saved");
            String second = page.locator("input[name=trace_id]").getAttribute("value");
            assertTrue(unlabelled.contains(second) && !second.equals(first), second);
            // this time the reviewer overrides the judge's verdict
            page.fill("#value", "yes");
            String judgeAssessment = page.locator("#overrides option").nth(1).getAttribute("value");
            page.selectOption("#overrides", judgeAssessment);
            page.click("#label-form button[type=submit]");
            page.waitForSelector("#done");

            List<Map<String, Object>> labels = given().queryParam("trace_id", first).queryParam("source_type", "HUMAN").get("/api/assessments")
                    .then().statusCode(200).extract().jsonPath().getList("assessments");
            assertEquals(1, labels.size());
            assertEquals("carol@example.com", ((Map<?, ?>) labels.get(0).get("source")).get("source_id"));
            assertEquals("yes", ((Map<?, ?>) labels.get(0).get("feedback")).get("value"));
            assertEquals("The answer is right.", labels.get(0).get("rationale"));
            Boolean valid = given().get("/api/3.0/mlflow/traces/" + second + "/assessments/" + judgeAssessment).then().statusCode(200)
                    .extract().path("assessment.valid");
            assertEquals(Boolean.FALSE, valid, "the overridden verdict stays, no longer valid");
        }
    }

    /** The options of the name picker: name → traces compared. */
    private static Map<String, Long> options(Page page) {
        Map<String, Long> options = new java.util.LinkedHashMap<>();
        for (com.microsoft.playwright.Locator option : page.locator("#name option").all()) {
            String value = option.getAttribute("value");
            if (value.isEmpty()) {
                continue;
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\((\\d+) compared\\)$").matcher(option.textContent().trim());
            assertTrue(m.find(), "each name says how many traces it can be compared on: " + option.textContent());
            options.put(value, Long.parseLong(m.group(1)));
        }
        return options;
    }

    @Test
    @org.junit.jupiter.api.Order(3)
    void thePageLandsOnTheNameWithTheMostComparedTracesAndSaysWhenANameIsUnknown() {
        seed();
        // judged, never labelled, and first in any alphabetical order
        String lonely = "0_unlabelled_" + UUID.randomUUID().toString().substring(0, 6);
        log(newTrace(), "{\"assessment_name\": \"" + lonely + "\", \"source\": {\"source_type\": \"LLM_JUDGE\", "
                + "\"source_id\": \"openai:/lonely\"}, \"feedback\": {\"value\": \"yes\"}, \"metadata\": {\"tribunal.judge.version\": \"v1\"}}");
        String viewer = dev.tribunal.TestSecurity.key("landing-viewer", "read");
        try (BrowserContext context = browser.newContext(); Page page = signedIn(context, viewer, "meta-evaluation")) {
            Map<String, Long> options = options(page);
            assertEquals(0L, options.get(lonely));
            String selected = (String) page.evalOnSelector("#name", "select => select.value");
            long most = options.values().stream().mapToLong(Long::longValue).max().orElseThrow();
            assertEquals(most, options.get(selected), "lands on the name with the most compared traces: " + selected + " of " + options);
            assertTrue(page.locator("#summary tbody tr").count() > 0, "and shows its figures");

            page.navigate(base + "meta-evaluation?name=no_such_judge");
            assertTrue(page.textContent("#unknown").contains("No judge has given verdicts named no_such_judge"), page.textContent("body"));
            assertEquals("", page.evalOnSelector("#name", "select => select.value"), "the picker does not pretend another name was asked for");
            assertEquals(0, page.locator("#summary").count(), "no empty tables");
            dev.tribunal.TestBrowser.assertAccessible(page);
        }
    }

    private static String newTrace() {
        String id = "tr-" + UUID.randomUUID().toString().replace("-", "");
        given().contentType(ContentType.JSON).body("{\"traces\": [{\"trace_id\": \"" + id + "\", \"inputs\": \"q\", \"outputs\": \"a\"}]}")
                .post("/api/traces").then().statusCode(200);
        return id;
    }

    @Test
    @org.junit.jupiter.api.Order(4)
    void judgesWithoutCommonTracesAreFoldedAwayAndPairsWithoutCommonTracesAreNotListed() {
        seed();
        // logged by hand (no judge version), on a trace no person labelled
        log(newTrace(), "{\"assessment_name\": \"" + NAME + "\", \"source\": {\"source_type\": \"LLM_JUDGE\", "
                + "\"source_id\": \"openai:/page-by-hand\"}, \"feedback\": {\"value\": \"no\"}}");
        String viewer = dev.tribunal.TestSecurity.key("fold-viewer", "read");
        try (BrowserContext context = browser.newContext(); Page page = signedIn(context, viewer, "meta-evaluation?name=" + NAME)) {
            assertEquals(2, page.locator("#summary tbody tr").count(), "only judges with compared traces in the table");
            assertTrue(page.locator("#not-compared").isVisible());
            assertTrue(page.textContent("#not-compared summary").contains("1 judge not compared (why)"));
            page.click("#not-compared summary");
            String why = page.textContent("#not-compared li");
            assertTrue(why.contains("openai:/page-by-hand") && why.contains("has a person's label") && why.contains("no judge version"), why);
            String pairs = page.textContent("#pairwise");
            assertTrue(!pairs.contains("page-by-hand"), "a judge with no trace in common with another is in no pair: " + pairs);
            assertEquals(1, page.locator("#pairwise tbody tr").count());
            assertEquals(2, page.locator("section.judge").count(), "no section for a judge that was not compared");
        }
    }

    @Test
    @org.junit.jupiter.api.Order(5)
    void longLabelsOnTheHeatmapAreShortenedAndNothingOverlaps() {
        String name = "page_long_labels_" + UUID.randomUUID().toString().substring(0, 6);
        String[] labels = {"correct and complete with every citation", "partially correct but with a misleading citation",
                "wrong: contradicts the retrieved documents"};
        for (int i = 0; i < 9; i++) {
            String trace = newTrace();
            log(trace, "{\"assessment_name\": \"" + name + "\", \"source\": {\"source_type\": \"HUMAN\", \"source_id\": \"lab@example.com\"}, "
                    + "\"feedback\": {\"value\": \"" + labels[i % 3] + "\"}}");
            log(trace, "{\"assessment_name\": \"" + name + "\", \"source\": {\"source_type\": \"LLM_JUDGE\", \"source_id\": \"openai:/verbose\"}, "
                    + "\"feedback\": {\"value\": \"" + labels[(i / 3 + i) % 3] + "\"}, \"metadata\": {\"tribunal.judge.version\": \"v1\"}}");
        }
        String viewer = dev.tribunal.TestSecurity.key("heatmap-viewer", "read");
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900));
             Page page = signedIn(context, viewer, "meta-evaluation?name=" + name)) {
            assertEquals(6, page.locator("svg.heatmap text.label").count());
            for (com.microsoft.playwright.Locator label : page.locator("svg.heatmap text.label").all()) {
                String shown = (String) label.evaluate("t => t.firstChild.textContent");
                String full = label.locator("title").textContent();
                assertTrue(java.util.Arrays.asList(labels).contains(full), "the whole label on hover: " + full);
                assertTrue(shown.length() <= 18 && shown.endsWith("…"), "long labels are shortened: " + shown);
            }
            @SuppressWarnings("unchecked")
            List<String> overlaps = (List<String>) page.evaluate("""
                    () => {
                      const svg = document.querySelector('svg.heatmap');
                      const box = svg.getBoundingClientRect();
                      const texts = [...svg.querySelectorAll('text.label, text.axis')];
                      const rects = texts.map(t => [t.firstChild.textContent, t.getBoundingClientRect()]);
                      const problems = [];
                      for (const [name, r] of rects) {
                        if (r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5) {
                          problems.push(name + ' is clipped');
                        }
                      }
                      for (let i = 0; i < rects.length; i++) for (let j = i + 1; j < rects.length; j++) {
                        const [a, ra] = rects[i], [b, rb] = rects[j];
                        if (ra.left < rb.right && rb.left < ra.right && ra.top < rb.bottom && rb.top < ra.bottom) {
                          problems.push(a + ' overlaps ' + b);
                        }
                      }
                      return problems;
                    }""");
            assertEquals(List.of(), overlaps);
            page.screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOTS.resolve("meta-evaluation-long-labels.png")).setFullPage(true));
        }
    }

    @Test
    @org.junit.jupiter.api.Order(6)
    void theLabellingFormSelectsNoLabelUntilTheReviewerPicksOne() {
        String trace = newTrace();
        // a shipped judge with choices: the form offers them
        log(trace, "{\"assessment_name\": \"correctness\", \"source\": {\"source_type\": \"LLM_JUDGE\", \"source_id\": \"openai:/gpt-4o-mini\"}, "
                + "\"feedback\": {\"value\": \"yes\"}, \"metadata\": {\"tribunal.judge.version\": \"v1\"}}");
        String reviewer = dev.tribunal.TestSecurity.key("dana@example.com", "read", "annotate");
        try (BrowserContext context = browser.newContext();
             Page page = signedIn(context, reviewer, "meta-evaluation/label?name=correctness&trace_id=" + trace)) {
            assertEquals("", page.evalOnSelector("#value", "select => select.value"), "no label is chosen for the reviewer");
            page.click("#label-form button[type=submit]");
            assertEquals(Boolean.TRUE, page.evalOnSelector("#value", "select => select.validity.valueMissing"),
                    "the browser asks for a label before sending the form");
            assertTrue(page.url().contains("trace_id=" + trace), "still on the form: " + page.url());
            // a browser that sends the form anyway (no validation) is told, and nothing is recorded
            page.evalOnSelector("#label-form", "form => form.noValidate = true");
            page.click("#label-form button[type=submit]");
            page.waitForSelector("#form-error");
            assertTrue(page.textContent("#form-error").contains("Pick a label before saving"), page.textContent("#form-error"));
            assertEquals(0, given().queryParam("trace_id", trace).queryParam("source_type", "HUMAN").get("/api/assessments")
                    .then().statusCode(200).extract().jsonPath().getList("assessments").size(), "no label was recorded");
            dev.tribunal.TestBrowser.assertAccessible(page);

            page.selectOption("#value", "no");
            page.click("#label-form button[type=submit]");
            page.waitForSelector("#saved");
            assertEquals("no", given().queryParam("trace_id", trace).queryParam("source_type", "HUMAN").get("/api/assessments")
                    .then().statusCode(200).extract().jsonPath().getString("assessments[0].feedback.value"));
        }
    }
}
