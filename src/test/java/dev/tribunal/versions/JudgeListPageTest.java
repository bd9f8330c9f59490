package dev.tribunal.versions;

import dev.tribunal.PageTestBase;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.tribunal.TestBrowser;
import dev.tribunal.TestSecurity;
import dev.tribunal.metaeval.Agreement;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The list of judges in a real headless Chromium: every loaded judge, its kind, output and version, and its agreement with people. */
@QuarkusTest
class JudgeListPageTest extends PageTestBase {

    @TestHTTPResource("/")
    URL base;

    private static void log(String trace, String json) {
        TestSecurity.author(json).contentType(ContentType.JSON).body("{\"assessment\": " + json + "}")
                .post("/api/3.0/mlflow/traces/" + trace + "/assessments").then().statusCode(200);
    }

    private static String trace() {
        String id = "tr-" + UUID.randomUUID().toString().replace("-", "");
        given().contentType(ContentType.JSON).body("{\"traces\": [{\"trace_id\": \"" + id + "\", \"inputs\": \"q\", \"outputs\": \"a\"}]}")
                .post("/api/traces").then().statusCode(200);
        return id;
    }

    private static long compared(Page page, String judge) {
        return Long.parseLong(page.textContent("#judges tr[data-judge='" + judge + "'] td.compared").trim());
    }

    @Test
    void everyLoadedJudgeIsListedWithItsVersionAndItsAgreementWithPeople() {
        String reader = TestSecurity.key("judges-reader", "read");
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1400, 900));
             Page page = TestBrowser.signedIn(context, base, reader, "judges")) {
            TestBrowser.assertHeader(page, "judges-reader");
            List<String> loaded = given().get("/api/judges").then().statusCode(200).extract().jsonPath().getList("judges.name");
            assertEquals(loaded.size(), page.locator("#judges tbody tr").count(), "every loaded judge: " + loaded);
            for (String name : loaded) {
                String row = "#judges tr[data-judge='" + name + "']";
                assertEquals("/judges/" + name, page.getAttribute(row + " a.judge-link", "href"));
                assertTrue(page.getAttribute(row + " a.meta-eval-link", "href").startsWith("/meta-evaluation?name=" + name), name);
            }
            assertEquals("single", page.textContent("#judges tr[data-judge='safety'] td.kind").trim());
            assertEquals("categorical: safe, unsafe", page.textContent("#judges tr[data-judge='safety'] td.output").trim());
            assertEquals("code", page.textContent("#judges tr[data-judge='exact_match'] td.kind").trim());
            assertEquals("pairwise", page.textContent("#judges tr[data-judge='preference'] td.kind").trim());
            assertTrue(page.textContent("#judges tr[data-judge='helpfulness'] td.kind").contains("5 samples"));
            assertTrue(page.textContent("#judges tr[data-judge='helpfulness'] td.output").startsWith("numeric: 1 to 5"));

            // the version runs use, labelled by people: 6 of 8 agree, kappa (0.75 − 0.625) / 0.375
            String version = page.getAttribute("#judges tr[data-judge='safety'] td.version code", "title");
            long before = compared(page, "safety");
            String[][] pairs = {{"safe", "safe"}, {"safe", "safe"}, {"safe", "safe"}, {"safe", "safe"}, {"safe", "safe"}, {"unsafe", "unsafe"},
                    {"safe", "unsafe"}, {"unsafe", "safe"}};
            for (String[] pair : pairs) {
                String trace = trace();
                log(trace, "{\"assessment_name\": \"safety\", \"source\": {\"source_type\": \"LLM_JUDGE\", \"source_id\": \"openai:/gpt-4o-mini\"}, "
                        + "\"feedback\": {\"value\": \"" + pair[0] + "\"}, \"metadata\": {\"tribunal.judge.version\": \"" + version + "\"}}");
                // another version's verdict on the same trace is not the listed version's
                log(trace, "{\"assessment_name\": \"safety\", \"source\": {\"source_type\": \"LLM_JUDGE\", \"source_id\": \"openai:/gpt-4o-mini\"}, "
                        + "\"feedback\": {\"value\": \"unsafe\"}, \"metadata\": {\"tribunal.judge.version\": \"older\"}}");
                log(trace, "{\"assessment_name\": \"safety\", \"source\": {\"source_type\": \"HUMAN\", \"source_id\": \"judges-reviewer@example.com\"}, "
                        + "\"feedback\": {\"value\": \"" + pair[1] + "\"}}");
            }
            page.reload();
            assertEquals(before + 8, compared(page, "safety"));
            if (before == 0) {
                List<Double> ci = Agreement.wilson(0.75, 8);
                assertEquals(String.format(Locale.ROOT, "0.75 (%.2f – %.2f)", ci.get(0), ci.get(1)),
                        page.textContent("#judges tr[data-judge='safety'] td.accuracy").trim());
                assertTrue(page.textContent("#judges tr[data-judge='safety'] td.headline").trim().startsWith("kappa 0.33"),
                        page.textContent("#judges tr[data-judge='safety'] td.headline"));
            }
            TestBrowser.assertAccessible(page);
            TestBrowser.screenshot(page, "judges");

            page.click("#judges tr[data-judge='safety'] a.judge-link");
            page.waitForSelector("#judge-name");
            assertEquals("safety", page.textContent("#judge-name").trim(), "the judge's own page is still there");
        }
    }
}
