package dev.tribunal.security;

import dev.tribunal.PageTestBase;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.ConsoleMessage;
import com.microsoft.playwright.Page;
import dev.tribunal.TestBrowser;
import dev.tribunal.TestSecurity;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.util.ArrayList;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Swagger UI works in a real browser under its Content-Security-Policy: it lists the operations, "Authorize" takes a
 * bearer key, and "Try it out" on {@code GET /api/judges} gets 200; the pages keep their strict policy (no inline
 * script at all).
 */
@QuarkusTest
class SwaggerUiTest extends PageTestBase {

    @TestHTTPResource("/")
    URL base;

    @Test
    void swaggerUiListsTheOperationsAndTriesOneWithABearerKey() {
        String key = TestSecurity.key("swagger-reader", Roles.READ);
        try (BrowserContext context = browser.newContext(); Page page = context.newPage()) {
            List<String> blocked = new ArrayList<>();
            page.onConsoleMessage((ConsoleMessage message) -> {
                if (message.text().contains("Content Security Policy") || message.text().contains("Content-Security-Policy")) {
                    blocked.add(message.text());
                }
            });
            page.onPageError(error -> blocked.add("page error: " + error));
            page.navigate(base + "q/swagger-ui");
            page.fill("#key", key);
            page.click("#sign-in");
            page.waitForSelector(".opblock", new Page.WaitForSelectorOptions().setTimeout(30_000));
            assertTrue(page.locator(".opblock").count() > 20, "the operations are listed");
            assertEquals(List.of(), blocked, "nothing is blocked by the policy");

            page.click(".scheme-container button.authorize");
            page.fill(".auth-container input", key);
            page.click(".auth-btn-wrapper button.authorize");
            page.click(".auth-btn-wrapper button.btn-done");

            page.click("#operations-Judges-get_api_judges .opblock-summary");
            page.click(".opblock.is-open .try-out__btn");
            page.click(".opblock.is-open .execute");
            page.waitForSelector(".opblock.is-open .responses-table.live-responses-table .response-col_status");
            assertEquals("200", page.textContent(".opblock.is-open .live-responses-table .response .response-col_status").trim(),
                    "Try it out on GET /api/judges");
            assertEquals(List.of(), blocked);
        }
    }

    @Test
    void swaggerUiHasThePagesStrictPolicyAndNeedsAKey() {
        String pages = given().redirects().follow(false).get("/login").then().statusCode(200).extract().header("Content-Security-Policy");
        assertEquals("default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'", pages,
                "scripts from this server only, none inline");
        String swagger = given().get("/q/swagger-ui/").then().statusCode(200).extract().header("Content-Security-Policy");
        assertEquals(pages, swagger, "Swagger UI runs under the same policy");
        String page = given().get("/q/swagger-ui/").then().extract().asString();
        assertFalse(java.util.regex.Pattern.compile("<script(?![^>]*src=)[^>]*>").matcher(page).find(), "no inline script: " + page);
        given().header("Authorization", "Bearer not-a-key").redirects().follow(false).get("/q/swagger-ui/").then().statusCode(org.hamcrest.Matchers.not(200));
    }
}
