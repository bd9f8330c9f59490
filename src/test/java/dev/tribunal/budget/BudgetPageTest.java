package dev.tribunal.budget;

import dev.tribunal.PageTestBase;
import com.microsoft.playwright.Browser;
import com.microsoft.playwright.BrowserContext;
import com.microsoft.playwright.Page;
import dev.tribunal.TestBrowser;
import dev.tribunal.TestSecurity;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.net.URL;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The budgets page in a real headless Chromium, over the budgets of {@link BudgetJudges}: each budget's limit, today's
 * spend as a bar and a figure, the last 30 days; a spent budget says so.
 */
@QuarkusTest
@TestProfile(BudgetJudges.class)
class BudgetPageTest extends PageTestBase {

    @TestHTTPResource("/")
    URL base;

    @Inject
    Pool pool;

    @Test
    void aReaderSeesEachBudgetWithTodaysSpend() {
        pool.query("delete from budget_reservation").execute().await().indefinitely();
        pool.query("delete from budget_spend").execute().await().indefinitely();
        // the judge's budget affords 3 calls: the fourth judgment is refused and the budget is spent for today
        BudgetTest.Outcome capped = BudgetTest.judge("capped", 4);
        assertEquals(3, capped.made());
        String spent = BudgetPage.money(capped.cost());

        String reader = TestSecurity.key("budgets-reader", "read");
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1400, 1000));
             Page page = TestBrowser.signedIn(context, base, reader, "budgets")) {
            TestBrowser.assertHeader(page, "budgets-reader");
            assertEquals("page", page.getAttribute("header nav a[href='/budgets']", "aria-current"));
            assertEquals(8, page.locator("section.budget").count(), "global, provider, three judges and three sweeps");

            String judge = "#budget-judge-capped";
            assertEquals("Judge capped", page.textContent(judge + " h2").trim());
            assertEquals(spent, page.textContent(judge + " .spent").trim());
            assertEquals("0.0001", page.textContent(judge + " .limit").trim());
            assertEquals("width: 100.0%", page.getAttribute(judge + " .bar .fill", "style"), "a spent budget's bar is full");
            assertTrue(page.isVisible(judge + " .exhausted-note"), "a spent budget says so");
            assertEquals(30, page.locator(judge + " svg.history rect").count(), "one bar per day of the last 30");
            assertEquals(spent, page.textContent(judge + " .total").trim());

            String global = "#budget-global";
            assertEquals(spent, page.textContent(global + " .spent").trim());
            assertEquals("0.0005", page.textContent(global + " .limit").trim());
            String share = String.format(java.util.Locale.ROOT, "width: %.1f%%", capped.cost() / 0.0005 * 100);
            assertEquals(share, page.getAttribute(global + " .bar .fill", "style"));
            assertEquals(0, page.locator(global + " .exhausted-note").count());
            assertEquals("wait for the next day", page.textContent("#budget-sweep-waiting .on-exhausted").trim());
            assertEquals("end as errors", page.textContent("#budget-sweep-erroring .on-exhausted").trim());
            TestBrowser.assertAccessible(page);
            TestBrowser.screenshot(page, "budgets");
        }
    }

    /** The sweeps page shows each sweep's budget with today's spend, and says what a spent one's judgments do. */
    @Test
    void theSweepsPageShowsEachSweepsBudgetAndWhenItIsSpent() {
        pool.query("delete from budget_reservation").execute().await().indefinitely();
        pool.query("delete from budget_spend").execute().await().indefinitely();
        pool.preparedQuery("insert into budget_spend (budget, day, spent) values ('sweep:waiting', $1, 0.0001)")
                .execute(io.vertx.mutiny.sqlclient.Tuple.of(BudgetLedger.today())).await().indefinitely();
        String reader = TestSecurity.key("sweeps-budget-reader", "read");
        try (BrowserContext context = browser.newContext(new Browser.NewContextOptions().setViewportSize(1400, 1000));
             Page page = TestBrowser.signedIn(context, base, reader, "sweeps")) {
            assertEquals("0.0001 of 0.0001 today\nspent: its judgments wait for the next UTC day",
                    page.innerText("#sweep-waiting td.budget").trim());
            assertEquals("0 of 0.0001 today", page.innerText("#sweep-erroring td.budget").trim());
            TestBrowser.assertAccessible(page);
            TestBrowser.screenshot(page, "sweeps-budgets");
        } finally {
            pool.query("delete from budget_spend").execute().await().indefinitely();
        }
    }
}
