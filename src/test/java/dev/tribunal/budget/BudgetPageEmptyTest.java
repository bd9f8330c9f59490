package dev.tribunal.budget;

import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.Playwright;
import dev.tribunal.TestBrowser;
import dev.tribunal.TestSecurity;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.URL;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.empty;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Without budgets (the default test configuration sets none), the page says how to set one. */
@QuarkusTest
class BudgetPageEmptyTest {

    @TestHTTPResource("/")
    URL base;

    @Test
    void noBudgetsSaysHowToSetOne() {
        given().get("/api/budgets").then().statusCode(200).body("budgets", empty());
        TestBrowser.assumeChromium();
        String reader = TestSecurity.key("no-budgets-reader", "read");
        try (Playwright playwright = TestBrowser.playwright(); Browser browser = TestBrowser.launch(playwright);
             BrowserContext context = browser.newContext(); Page page = TestBrowser.signedIn(context, base, reader, "budgets")) {
            TestBrowser.assertHeader(page, "no-budgets-reader");
            String empty = page.textContent("#no-budgets");
            assertTrue(empty.contains("tribunal.budget.per-day=") && empty.contains("tribunal.providers.openai.budget.per-day=")
                    && empty.contains("budget: {per_day: 5.00}") && empty.contains("on_exhausted: wait"), "every way to set one: " + empty);
            assertEquals(0, page.locator("section.budget").count());
            TestBrowser.assertAccessible(page);
        }
    }
}
