package dev.tribunal.versions;

import dev.tribunal.system.PageText;
import dev.tribunal.system.Urls;
import dev.tribunal.judge.JudgeCatalog;
import dev.tribunal.judge.JudgeDefinition;
import dev.tribunal.probe.ProbeRequests.ProbeView;
import dev.tribunal.probe.ProbeService;
import dev.tribunal.security.Roles;
import dev.tribunal.sweep.SweepCatalog;
import dev.tribunal.sweep.SweepDefinition;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.RestPath;

import java.util.ArrayList;
import java.util.List;

/**
 * A judge as a person reads it, at {@code /judges/{name}}: its definition, its versions as a timeline with their gate
 * status and figures, the champion, its bias probes, its challengers' latest comparison, and links into the
 * meta-evaluation.
 */
@Path("/judges")
@RolesAllowed(Roles.READ)
public class JudgePage {

    /** Probes shown on the page; the JSON lists more. */
    static final int PROBES_SHOWN = 20;

    private final JudgeVersionResource versions;
    private final ChallengerResource challengers;
    private final ProbeService probes;
    private final SweepCatalog sweeps;
    private final JudgeCatalog catalog;
    private final Template page;
    private final io.quarkus.security.identity.SecurityIdentity identity;
    private final JudgeList list;
    private final Template listPage;

    JudgePage(JudgeVersionResource versions, ChallengerResource challengers, ProbeService probes, SweepCatalog sweeps, JudgeCatalog catalog,
              @Location("judge/page.html") Template page, io.quarkus.security.identity.SecurityIdentity identity, JudgeList list,
              @Location("judge/list.html") Template listPage) {
        this.list = list;
        this.listPage = listPage;
        this.identity = identity;
        this.versions = versions;
        this.challengers = challengers;
        this.probes = probes;
        this.sweeps = sweeps;
        this.catalog = catalog;
        this.page = page;
    }

    /** A version as the timeline shows it. */
    public record VersionRow(JudgeVersionResource.VersionView v, String figure, String interval, String compared, String errorRate,
                             String cost) {
    }

    /** A probe's figure as the page shows it. */
    public record ProbeRow(String probe, String version, String status, String type, String share, String interval, String detail) {
    }

    /** A challenger's figures as the page shows them. */
    public record ChallengerRow(String sweep, ChallengerResource.ChallengerView c, String agreement, String kappa) {
    }

    /** Every loaded judge: kind, model, output, the version runs use, and its agreement with its reference. */
    @GET
    @Produces(MediaType.TEXT_HTML)
    public Uni<String> list() {
        return list.rows().map(rows -> listPage.data("viewer", dev.tribunal.security.Viewer.of(identity)).data("judges", rows).render());
    }

    @GET
    @Path("/{name}")
    @Produces(MediaType.TEXT_HTML)
    public Uni<String> show(@RestPath("name") String name) {
        JudgeDefinition loaded = catalog.find(name).orElse(null);
        List<SweepDefinition> challenged = sweeps.all().stream()
                .filter(s -> s.challengers().stream().anyMatch(c -> c.judge().equals(name))).toList();
        return versions.list(name).chain(history -> probes.list(name, null, PROBES_SHOWN).chain(probeList -> challengerRows(name, challenged)
                .map(rows -> page
                        .data("viewer", dev.tribunal.security.Viewer.of(identity))
                        .data("name", name)
                        .data("h", history)
                        .data("loaded", loaded)
                        .data("definition", history.versions().stream().filter(JudgeVersionResource.VersionView::loaded).findFirst()
                                .or(() -> history.versions().stream().findFirst()).map(JudgeVersionResource.VersionView::definition).orElse(""))
                        .data("versions", history.versions().stream().map(JudgePage::versionRow).toList())
                        .data("probes", probeRows(probeList.probes()))
                        .data("challengers", rows)
                        .data("metaEval", "/meta-evaluation?name=" + Urls.encode(name) + (loaded != null && loaded.gate() != null
                                && loaded.gate().reference().expectation() != null ? "&expectation=" + Urls.encode(loaded.gate().reference().expectation()) : ""))
                        .data("json", "/api/judges/" + Urls.encode(name) + "/versions")
                        .render())));
    }

    private Uni<List<ChallengerRow>> challengerRows(String name, List<SweepDefinition> challenged) {
        if (challenged.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return Uni.join().all(challenged.stream().map(s -> challengers.list(s.name()).map(view -> view.challengers().stream()
                .filter(c -> c.judge().equals(name))
                .map(c -> new ChallengerRow(s.name(), c, PageText.figure(c.agreement()) + interval(c.agreementCi()),
                        PageText.figure(c.kappa()) + interval(c.kappaCi())))
                .toList())).toList()).andFailFast().map(lists -> lists.stream().flatMap(List::stream).toList());
    }

    private static VersionRow versionRow(JudgeVersionResource.VersionView v) {
        com.fasterxml.jackson.databind.JsonNode f = v.figures();
        String figure = f == null || !f.has("value") ? "–" : f.path("metric").asText() + " " + PageText.figure(f.path("value").asDouble());
        String interval = f == null || !f.has("ci") ? "–" : PageText.figure(f.path("ci").path(0).asDouble()) + " – "
                + PageText.figure(f.path("ci").path(1).asDouble()) + " (needs ≥ " + PageText.figure(f.path("threshold").asDouble()) + ")";
        return new VersionRow(v, figure, interval, f == null ? "–" : f.path("compared").asText(), v.errorRate() == null ? "–"
                : PageText.figure(v.errorRate()), v.costPerJudgment() == null ? "–" : String.format(java.util.Locale.ROOT, "%.5f", v.costPerJudgment()));
    }

    private static List<ProbeRow> probeRows(List<ProbeView> list) {
        List<ProbeRow> rows = new ArrayList<>();
        for (ProbeView p : list) {
            if (p.probes() == null || p.probes().isEmpty()) {
                rows.add(new ProbeRow(p.id(), p.version(), p.status(), "–", "–", "–", p.problem() == null ? "" : p.problem()));
                continue;
            }
            for (var f : p.probes()) {
                String detail = switch (f.type()) {
                    case "verbosity" -> "raised " + (f.raised() == null ? 0 : f.raised()) + ", lowered " + (f.lowered() == null ? 0 : f.lowered());
                    case "repeat" -> "k = " + f.k() + ", mean agreement " + PageText.figure(f.meanAgreement());
                    case "position" -> "first position preferred " + PageText.figure(f.firstPositionPreference());
                    default -> f.selfPreference() == null ? "" : "own family " + f.selfPreference().judgeFamily();
                };
                rows.add(new ProbeRow(p.id(), p.version(), p.status(), f.type(), PageText.figure(f.changedShare()),
                        interval(f.changedShareCi()).isEmpty() ? "–" : interval(f.changedShareCi()).substring(1), detail + " · " + f.compared()
                        + " compared, " + f.errored() + " errored"));
            }
        }
        return rows;
    }

    private static String interval(List<Double> ci) {
        return ci == null || ci.size() != 2 ? "" : " (" + PageText.figure(ci.get(0)) + " – " + PageText.figure(ci.get(1)) + ")";
    }
}
