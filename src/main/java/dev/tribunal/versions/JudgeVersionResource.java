package dev.tribunal.versions;

import dev.tribunal.judge.JudgeChampions;
import dev.tribunal.judge.JudgeVersions;
import dev.tribunal.security.Caller;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.ws.rs.POST;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.tribunal.judge.JudgeCatalog;
import dev.tribunal.judge.JudgeDefinition;
import dev.tribunal.run.RunTotals;
import dev.tribunal.security.Roles;
import dev.tribunal.system.ResourceNotFoundException;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A judge's version history. */
@Path("/api/judges/{name}/versions")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Judges")
@RolesAllowed(Roles.READ)
public class JudgeVersionResource {

    private final JudgeCatalog catalog;
    private final JudgeVersions versions;
    private final RunTotals totals;
    private final JudgeChampions champions;
    private final SecurityIdentity identity;
    private final GateValidation validation;

    JudgeVersionResource(JudgeCatalog catalog, JudgeVersions versions, RunTotals totals, JudgeChampions champions, SecurityIdentity identity,
                         GateValidation validation) {
        this.validation = validation;
        this.champions = champions;
        this.identity = identity;
        this.catalog = catalog;
        this.versions = versions;
        this.totals = totals;
    }

    /** {@code {"name", "loaded_version", "gate", "champion", "versions": [...]}}, newest first. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record VersionListView(String name, String loadedVersion, GateView gate, JudgeChampions.Champion champion, List<VersionView> versions) {
    }

    /** The loaded version's gate, as its file declares it. */
    public record GateView(java.util.Map<String, String> reference, String metric, double threshold, int minTraces, double maxCost) {

        static GateView of(JudgeDefinition.Gate gate) {
            return gate == null ? null : new GateView(gate.reference().humanFeedback() != null
                    ? java.util.Map.of("human_feedback", gate.reference().humanFeedback())
                    : java.util.Map.of("expectation", gate.reference().expectation()),
                    gate.metric().name().toLowerCase(java.util.Locale.ROOT), gate.threshold(), gate.minTraces(), gate.maxCost());
        }
    }

    /**
     * One version: its file, when and by which process it was first seen, what changed from the version before it,
     * and what it has judged.
     *
     * @param status its gate's verdict: {@code pending}, {@code passed} or {@code failed}; {@code ungated} for a version
     *               without a gate
     * @param statusReason why it has that status (what it waits for, or its figures in words)
     * @param figures its figures against the gate's reference: metric, value, 95 % interval, traces compared, ...
     * @param loaded whether it is the version this process loaded from its file
     * @param champion whether runs, sweeps and comparisons that name no version use it
     * @param diff the lines changed from the previous version (null for the first)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record VersionView(String version, String status, String statusReason, com.fasterxml.jackson.databind.JsonNode figures,
                              String validationRunId, Double validationEstimatedCost, Double confirmedCost, Instant decidedAt,
                              boolean loaded, boolean champion, Instant firstSeenAt, String firstSeenBy, String file,
                              String definition, String previousVersion, String diff, long judgments, long errored, Double errorRate,
                              Double costPerJudgment) {
    }

    /** {@code {"confirm_cost": 1.25}}: the cost a person accepts for a validation over its gate's max_cost. */
    public record ValidateRequest(Double confirmCost) {
    }

    @GET
    @Operation(summary = "Every version of a judge ever loaded, newest first: its file, first sighting, the diff from the version "
            + "before it, judgments made, error rate and cost per judgment")
    public Uni<VersionListView> list(@RestPath("name") String name) {
        JudgeDefinition loaded = catalog.find(name).orElse(null);
        return champions.of(name).chain(champion -> versions.of(name).chain(found -> totals.ofVersions(name).map(byVersion -> {
            if (found.isEmpty() && loaded == null) {
                throw new ResourceNotFoundException("No judge named '" + name + "' has ever been loaded; loaded judges: "
                        + String.join(", ", catalog.all().stream().map(JudgeDefinition::name).toList()));
            }
            List<VersionView> views = new ArrayList<>();
            for (int i = 0; i < found.size(); i++) {
                JudgeVersions.Version v = found.get(i);
                JudgeVersions.Version previous = i + 1 < found.size() ? found.get(i + 1) : null;
                RunTotals.VersionTotals t = byVersion.getOrDefault(v.version(), new RunTotals.VersionTotals(0, 0, null));
                views.add(view(v, loaded, champion.orElse(null), previous, t));
            }
            return new VersionListView(name, loaded == null ? null : loaded.version(), loaded == null ? null : GateView.of(loaded.gate()),
                    champion.orElse(null), views);
        })));
    }

    static VersionView view(JudgeVersions.Version v, JudgeDefinition loaded, JudgeChampions.Champion champion, JudgeVersions.Version previous,
                            RunTotals.VersionTotals t) {
        return new VersionView(v.version(), v.gateStatus() == null ? "ungated" : v.gateStatus(), v.gateReason(),
                v.gateFigures() == null ? null : dev.tribunal.system.Json.read(v.gateFigures()), v.gateRunId(), v.gateEstimate(),
                v.gateConfirmedCost(), v.gateDecidedAt(), loaded != null && loaded.version().equals(v.version()),
                champion != null && champion.version().equals(v.version()), v.firstSeenAt(), v.firstSeenBy(), v.file(), v.definition(),
                previous == null ? null : previous.version(), previous == null ? null : LineDiff.of(previous.definition(), v.definition()),
                t.judgments(), t.errored(), t.judgments() == 0 ? null : (double) t.errored() / t.judgments(), t.costPerJudgment());
    }

    @POST
    @Path("/{version}/validate")
    @RolesAllowed(Roles.JUDGE)
    @jakarta.ws.rs.Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Validate a gated version against its gate's reference now (again, if it was decided): with confirm_cost, a "
            + "validation whose estimate is over the gate's max_cost may cost up to that much. Answers 202 with the version as it stands")
    public Uni<jakarta.ws.rs.core.Response> validate(@RestPath("name") String name, @RestPath("version") String version, ValidateRequest body) {
        Double confirm = body == null ? null : body.confirmCost();
        dev.tribunal.system.InvalidRequestException.require(confirm == null || (confirm >= 0 && !confirm.isInfinite()),
                "confirm_cost must be a number of at least 0: the most the validation may cost");
        return versions.version(name, version).chain(stored -> {
            if (stored.isEmpty()) {
                throw new ResourceNotFoundException("Judge '" + name + "' has no version " + version + " (GET /api/judges/" + name
                        + "/versions lists them)");
            }
            if (stored.get().gateStatus() == null) {
                throw new dev.tribunal.system.ConflictException("Version " + version + " of judge '" + name + "' has no gate: nothing to "
                        + "validate it against (declare gate: in its file)");
            }
            return versions.requestValidation(name, version, confirm)
                    .call(ignored -> validation.check())
                    .chain(ignored -> versions.version(name, version))
                    .chain(now -> champions.of(name).chain(champion -> totals.ofVersions(name).map(byVersion -> jakarta.ws.rs.core.Response
                            .accepted(view(now.orElseThrow(), catalog.find(name).orElse(null), champion.orElse(null), null,
                                    byVersion.getOrDefault(version, new RunTotals.VersionTotals(0, 0, null)))).build())));
        });
    }

    @POST
    @Path("/{version}/promote")
    @RolesAllowed(Roles.ADMIN)
    @Operation(summary = "Make a version the judge's champion by hand: runs, sweeps and comparisons that name no version use it from "
            + "now on (sweeps at their next tick), until a newer version is loaded; recorded with who did it")
    public Uni<JudgeChampions.Champion> promote(@RestPath("name") String name, @RestPath("version") String version) {
        return versions.find(name, version).chain(found -> {
            if (found.judge() == null) {
                throw new ResourceNotFoundException(found.problem());
            }
            return champions.promote(name, version, Caller.of(identity).name());
        });
    }
}
