package dev.tribunal.sweep;

import dev.tribunal.system.PageText;
import dev.tribunal.security.Csrf;
import dev.tribunal.security.Roles;
import dev.tribunal.security.Viewer;
import dev.tribunal.system.Redirects;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sweeps as a person reads them, at {@code /sweeps}: each one's schedule, filter, judges, last and next tick, lag,
 * traces judged and errors, with a button that runs a tick now (as {@code POST /api/sweeps/{name}/trigger} does).
 */
@Path("/sweeps")
@RolesAllowed(Roles.READ)
public class SweepPage {

    private final SweepService service;
    private final SweepCatalog catalog;
    private final Template page;
    private final SecurityIdentity identity;

    SweepPage(SweepService service, SweepCatalog catalog, @Location("sweep/page.html") Template page, SecurityIdentity identity) {
        this.service = service;
        this.catalog = catalog;
        this.page = page;
        this.identity = identity;
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    public Uni<String> list(@RestQuery("ran") String ran) {
        return service.list().map(sweeps -> page.data("viewer", Viewer.of(identity))
                .data("sweeps", sweeps.stream().map(SweepPage::row).toList())
                .data("dir", catalog.dir().toString())
                .data("ran", ran != null && catalog.find(ran).isPresent() ? ran : null)
                .render());
    }

    /** Runs a tick of the sweep now, then back to the list, which says so. */
    @POST
    @RolesAllowed(Roles.JUDGE)
    @Path("/{name}/run")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> run(@RestPath("name") String name, byte[] body) {
        Csrf.form(identity, body);
        return service.trigger(name).map(triggered -> Redirects.seeOther("/sweeps?ran="
                + URLEncoder.encode(name, StandardCharsets.UTF_8) + "#sweep-" + URLEncoder.encode(name, StandardCharsets.UTF_8)).build());
    }

    private static Map<String, Object> row(SweepView s) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("s", s);
        row.put("filter", filter(s));
        row.put("lag", s.lagSeconds() == null ? "–" : duration(s.lagSeconds()));
        row.put("next", PageText.time(s.nextTickAt()));
        row.put("last", PageText.time(s.lastTickAt()));
        SweepView.SweepBudgetView budget = s.budget();
        row.put("budget", budget == null ? null : PageText.money(budget.spentToday()) + " of " + PageText.money(budget.perDay()) + " today");
        row.put("budgetState", budget == null || !budget.exhausted() ? null : "wait".equals(budget.onExhausted())
                ? "spent: its judgments wait for the next UTC day" : "spent: its judgments end as BUDGET_EXCEEDED until the next UTC day");
        row.put("errorRate", s.judgments() == 0 ? "" : String.format(java.util.Locale.ROOT, " (%.1f %%)", 100.0 * s.errored() / s.judgments()));
        return row;
    }

    private static String filter(SweepView s) {
        List<String> parts = new java.util.ArrayList<>();
        s.filterTags().forEach((k, v) -> parts.add("tag " + k + "=" + v));
        if (s.filterState() != null) {
            parts.add("state " + s.filterState());
        }
        if (s.sampleRate() < 1) {
            parts.add(String.format(java.util.Locale.ROOT, "%.0f %% sampled", s.sampleRate() * 100));
        }
        parts.add("older than " + s.delay() + ", within " + s.lookback());
        parts.add("at most " + s.maxTracesPerTick() + " a tick");
        return String.join(" · ", parts);
    }


    /** Seconds as a person reads a lag: 45 s, 12 min, 3 h 5 min, 2 d 4 h. */
    static String duration(long seconds) {
        if (seconds < 60) {
            return seconds + " s";
        }
        if (seconds < 3600) {
            return seconds / 60 + " min";
        }
        if (seconds < 86_400) {
            return seconds / 3600 + " h " + seconds % 3600 / 60 + " min";
        }
        return seconds / 86_400 + " d " + seconds % 86_400 / 3600 + " h";
    }
}
