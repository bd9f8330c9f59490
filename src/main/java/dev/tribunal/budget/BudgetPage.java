package dev.tribunal.budget;

import dev.tribunal.security.Roles;
import dev.tribunal.security.Viewer;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The budgets as a person reads them, at {@code /budgets}: each one's limit per day, today's spend as a bar and a figure,
 * what calls in flight hold, and the last 30 days as a small chart; without budgets, how to set one.
 */
@Path("/budgets")
@RolesAllowed(Roles.READ)
public class BudgetPage {

    /** Height of a day's bar at the most spent in the 30 days, in the chart's units. */
    private static final int CHART_HEIGHT = 40;
    private static final int BAR_WIDTH = 8;

    private final BudgetService service;
    private final Template page;
    private final SecurityIdentity identity;

    BudgetPage(BudgetService service, @Location("budget/page.html") Template page, SecurityIdentity identity) {
        this.service = service;
        this.page = page;
        this.identity = identity;
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    public Uni<String> list() {
        return service.list().map(list -> page.data("viewer", Viewer.of(identity))
                .data("day", list.day())
                .data("budgets", list.budgets().stream().map(BudgetPage::row).toList())
                .render());
    }

    private static Map<String, Object> row(BudgetView b) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("b", b);
        row.put("id", b.scope() + (b.name().isEmpty() ? "" : "-" + b.name()));
        row.put("title", b.scope().equals("global") ? "Everything" : b.scope().substring(0, 1).toUpperCase(java.util.Locale.ROOT)
                + b.scope().substring(1) + " " + b.name());
        row.put("limit", money(b.limitPerDay()));
        row.put("spent", money(b.spentToday()));
        row.put("reserved", money(b.reservedNow()));
        row.put("holding", b.reservedNow() > 0);
        row.put("total", money(b.spentLast30Days()));
        // the bar is full at the limit; a spend past it (by the last call in flight) still shows a full bar
        double share = b.limitPerDay() <= 0 ? 1 : Math.min(1, b.spentToday() / b.limitPerDay());
        row.put("percent", String.format(java.util.Locale.ROOT, "%.1f", share * 100));
        row.put("percentText", String.format(java.util.Locale.ROOT, "%.0f %%", b.limitPerDay() <= 0 ? 100 : b.spentToday() / b.limitPerDay() * 100));
        double highest = b.days().stream().mapToDouble(BudgetView.DayView::spent).max().orElse(0);
        List<Map<String, Object>> bars = new ArrayList<>();
        for (int i = 0; i < b.days().size(); i++) {
            BudgetView.DayView day = b.days().get(i);
            int height = highest <= 0 ? 0 : (int) Math.max(day.spent() > 0 ? 1 : 0, Math.round(day.spent() / highest * CHART_HEIGHT));
            bars.add(Map.of("x", i * (BAR_WIDTH + 2), "y", CHART_HEIGHT - height, "height", height, "day", day.day(),
                    "spent", money(day.spent())));
        }
        row.put("bars", bars);
        row.put("firstDay", b.days().isEmpty() ? "" : b.days().get(0).day());
        row.put("chartWidth", b.days().size() * (BAR_WIDTH + 2));
        row.put("chartHeight", CHART_HEIGHT);
        row.put("barWidth", BAR_WIDTH);
        return row;
    }

    /** An amount as a person reads it: at most six decimals, no trailing zeros (0.000036, 12.5). */
    static String money(double amount) {
        return dev.tribunal.system.PageText.money(amount);
    }
}
