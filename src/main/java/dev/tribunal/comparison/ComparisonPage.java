package dev.tribunal.comparison;

import dev.tribunal.system.PageText;
import dev.tribunal.comparison.ComparisonRequests.ComparisonView;
import dev.tribunal.comparison.ComparisonRequests.ModelFigures;
import dev.tribunal.metaeval.Charts;
import dev.tribunal.security.Roles;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.RestPath;

import java.util.List;

/**
 * A comparison as a person reads it, at {@code /comparisons/{id}}: each model's candidate win rate as a bar with its
 * 95 % interval, its position figures, and the pairs with both orders' verdicts and links to both traces.
 */
@Path("/comparisons")
@RolesAllowed(Roles.READ)
public class ComparisonPage {

    /** Pairs listed on the page; the JSON pages through the rest. */
    static final int PAIRS_SHOWN = 200;

    private final ComparisonService service;
    private final Template page;
    private final io.quarkus.security.identity.SecurityIdentity identity;

    ComparisonPage(ComparisonService service, @Location("comparison/page.html") Template page, io.quarkus.security.identity.SecurityIdentity identity) {
        this.identity = identity;
        this.service = service;
        this.page = page;
    }

    /** A model's figures as the page shows them. */
    public record Row(ModelFigures figures, String winRate, String interval, String consistency, String firstPreference) {
    }

    @GET
    @Path("/{comparison_id}")
    @Produces(MediaType.TEXT_HTML)
    public Uni<String> show(@RestPath("comparison_id") String comparisonId) {
        return service.report(comparisonId, 0, PAIRS_SHOWN).map(report -> page
                .data("viewer", dev.tribunal.security.Viewer.of(identity))
                .data("c", report)
                .data("rows", report.models().stream().map(ComparisonPage::row).toList())
                .data("chart", Charts.agreementBars(report.models().stream().map(m -> new Charts.Bar(m.model(), m.winRate(),
                        m.winRateCi() == null ? null : m.winRateCi().get(0), m.winRateCi() == null ? null : m.winRateCi().get(1), null))
                        .toList(), "Candidate win rate"))
                .data("json", "/api/comparisons/" + java.net.URLEncoder.encode(comparisonId, java.nio.charset.StandardCharsets.UTF_8))
                .render());
    }

    private static Row row(ModelFigures m) {
        List<Double> ci = m.winRateCi();
        return new Row(m, PageText.figure(m.winRate()), ci == null ? "–" : PageText.figure(ci.get(0)) + " – " + PageText.figure(ci.get(1)),
                PageText.figure(m.positionConsistency()), PageText.figure(m.firstPositionPreference()));
    }
}
