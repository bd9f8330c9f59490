package dev.tribunal.metaeval;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

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
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@org.junit.jupiter.api.TestMethodOrder(org.junit.jupiter.api.MethodOrderer.OrderAnnotation.class)
class MetaEvalPageTest {

    private static final Path SCREENSHOTS = Path.of("target", "screenshots");
    private static final String NAME = "page_quality_" + UUID.randomUUID().toString().substring(0, 6);

    @TestHTTPResource("/")
    URL base;

    private Playwright playwright;
    private Browser browser;
    private final List<String> unlabelled = new ArrayList<>();
    private boolean seeded;

    @BeforeAll
    void startBrowser() throws Exception {
        dev.tribunal.TestBrowser.assumeChromium();
        Files.createDirectories(SCREENSHOTS);
        playwright = dev.tribunal.TestBrowser.playwright();
        browser = dev.tribunal.TestBrowser.launch(playwright);
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
            assertEquals("0.5", page.textContent(rowA + " td.headline").trim());
            assertEquals("1.0", page.textContent(rowB + " td.headline").trim());
            assertTrue(page.textContent(rowA + " td.ci").contains("–"), "an interval is shown");
            assertEquals(2, page.locator("svg.heatmap").count(), "a confusion heatmap per judge");
            assertEquals("7", page.locator("#judge-0 svg.heatmap text.count").first().textContent().trim(),
                    "reference no, judge no: 7 (the first cell of judge A's matrix)");
            assertEquals(1, page.locator("svg.bars").count());
            assertEquals(2, page.locator("svg.bars rect.bar").count());
            assertEquals(1, page.locator("svg.scatter").count(), "cost against agreement");
            assertEquals(5, page.locator("#judge-0 table.disagreements tbody tr").count(), "judge A's five disagreements");
            page.screenshot(new Page.ScreenshotOptions().setPath(SCREENSHOTS.resolve("meta-evaluation.png")).setFullPage(true));
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
}
