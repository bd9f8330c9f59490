package dev.tribunal.security;

import dev.tribunal.PageTestBase;
import com.microsoft.playwright.APIResponse;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import com.microsoft.playwright.options.RequestOptions;
import dev.tribunal.TestBrowser;
import dev.tribunal.TestSecurity;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.net.URL;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The keys page in a real headless Chromium: an admin creates a key, which is shown once and then works; the list shows
 * no key and no hash; revoking asks first and then the key is refused. Only admins reach the page.
 */
@QuarkusTest
class KeysPageTest extends PageTestBase {

    @TestHTTPResource("/")
    URL base;

    private static RequestOptions form(String body) {
        return RequestOptions.create().setHeader("Content-Type", "application/x-www-form-urlencoded").setHeader("Accept", "text/html")
                .setData(body).setMaxRedirects(0);
    }

    private static int status(String key) {
        return given().header("Authorization", "Bearer " + key).get("/api/judges").then().extract().statusCode();
    }

    @Test
    void anAdminCreatesAKeySeenOnceThenRevokesIt() {
        String admin = TestSecurity.key("keys-admin", "admin");
        String name = "page-made-" + UUID.randomUUID().toString().substring(0, 6);
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1280, 900));
             Page page = TestBrowser.signedIn(context, base, admin, "admin/keys")) {
            TestBrowser.assertHeader(page, "keys-admin");
            assertEquals("page", page.getAttribute("header nav a[href='/admin/keys']", "aria-current"));
            page.fill("#key-name", name);
            page.check("#role-read");
            page.check("#role-judge");
            page.click("#create");
            page.waitForSelector("#new-key");
            String key = page.textContent("#new-key").trim();
            assertTrue(key.startsWith("trb_") && key.length() > 40, key);
            assertTrue(page.textContent("#once").contains("shown this once"), page.textContent("#once"));
            assertFalse(page.url().contains(key), "the key is in no URL: " + page.url());
            TestBrowser.assertHeader(page, "keys-admin");
            TestBrowser.assertAccessible(page);
            assertEquals(200, status(key), "the new key works at once");

            page.navigate(base + "admin/keys");
            String row = "#keys tr[data-key='" + name + "']";
            assertEquals("read, judge", page.textContent(row + " td.roles").trim());
            assertEquals("no", page.textContent(row + " td.client").trim());
            String html = page.content();
            assertFalse(html.contains(key), "the list shows no key");
            assertFalse(html.contains(key.substring(0, 8)), "nor its first characters");
            assertFalse(html.contains(ApiKeys.sha256Hex(key)), "nor its hash");
            assertFalse(html.contains(TestSecurity.ADMIN_KEY), "nor the bootstrap key");
            TestBrowser.assertAccessible(page);
            TestBrowser.screenshot(page, "keys");

            // a form without the session's token creates nothing and revokes nothing
            assertEquals(403, context.request().post(base + "admin/keys", form("name=" + name + "-forged&role_admin=on")).status());
            assertEquals(404, given().delete("/api/admin/keys/" + name + "-forged").then().extract().statusCode(), "no key was made");
            assertEquals(403, context.request().post(base + "admin/keys/" + name + "/revoke", form("csrf=wrong")).status());
            assertEquals(200, status(key));

            page.click(row + " a:has-text('Revoke')");
            page.waitForSelector("#confirm-revoke");
            assertTrue(page.textContent("h1").contains(name));
            TestBrowser.assertAccessible(page);
            assertEquals(200, status(key), "asking is not revoking");
            page.click("#confirm-revoke");
            page.waitForSelector("#revoked");
            assertTrue(page.url().endsWith("/admin/keys?revoked=" + name), page.url());
            assertEquals(0, page.locator(row).count());
            assertEquals(401, status(key), "a revoked key is refused");
        }
    }

    @Test
    void aNameInUseOrNoRoleIsSaidOnTheFormAndNothingIsMade() {
        String admin = TestSecurity.key("keys-admin-2", "admin");
        try (BrowserContext context = browser.newContext(); Page page = TestBrowser.signedIn(context, base, admin, "admin/keys")) {
            page.fill("#key-name", "keys-admin-2");
            page.check("#role-read");
            page.click("#create");
            page.waitForSelector("#form-error");
            assertTrue(page.textContent("#form-error").contains("exists"), page.textContent("#form-error"));
            assertEquals(0, page.locator("#new-key").count());
            String name = "no-roles-" + UUID.randomUUID().toString().substring(0, 6);
            page.fill("#key-name", name);
            page.uncheck("#role-read");
            page.click("#create");
            page.waitForSelector("#form-error");
            assertTrue(page.textContent("#form-error").contains("'roles' must name at least one"), page.textContent("#form-error"));
            assertEquals(404, given().delete("/api/admin/keys/" + name).then().extract().statusCode(), "no key was made");
            TestBrowser.assertAccessible(page);
        }
    }

    @Test
    void aReaderIsRefusedThePageAndItsForms() {
        String reader = TestSecurity.key("keys-reader", "read", "judge", "annotate", "ingest");
        try (BrowserContext context = browser.newContext(); Page page = TestBrowser.signedIn(context, base, reader, "judges")) {
            // the header offers no Keys link, and the page itself is refused
            assertEquals(0, page.locator("header nav a[href='/admin/keys']").count());
            com.microsoft.playwright.Response refused = page.navigate(base + "admin/keys");
            assertEquals(403, refused.status());
            assertFalse(page.content().contains("Create the key"));
            assertEquals(403, context.request().post(base + "admin/keys", form("name=by-reader&role_admin=on")).status());
            assertEquals(403, page.navigate(base + "admin/keys/keys-admin/revoke").status());
            assertEquals(403, context.request().post(base + "admin/keys/keys-admin/revoke", form("")).status());
        }
    }
}
