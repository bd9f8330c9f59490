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

    JudgeVersionResource(JudgeCatalog catalog, JudgeVersions versions, RunTotals totals, JudgeChampions champions, SecurityIdentity identity) {
        this.champions = champions;
        this.identity = identity;
        this.catalog = catalog;
        this.versions = versions;
        this.totals = totals;
    }

    /** {@code {"name", "loaded_version", "champion", "versions": [...]}}, newest first. */
    public record VersionListView(String name, String loadedVersion, JudgeChampions.Champion champion, List<VersionView> versions) {
    }

    /**
     * One version: its file, when and by which process it was first seen, what changed from the version before it,
     * and what it has judged.
     *
     * @param status {@code loaded} for the version this process loaded from its file, {@code past} for any other
     * @param champion whether runs, sweeps and comparisons that name no version use it
     * @param diff the lines changed from the previous version (null for the first)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record VersionView(String version, String status, boolean champion, Instant firstSeenAt, String firstSeenBy, String file, String definition,
                              String previousVersion, String diff, long judgments, long errored, Double errorRate,
                              Double costPerJudgment) {
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
                views.add(new VersionView(v.version(), loaded != null && loaded.version().equals(v.version()) ? "loaded" : "past",
                        champion.map(c -> c.version().equals(v.version())).orElse(false), v.firstSeenAt(), v.firstSeenBy(), v.file(), v.definition(), previous == null ? null : previous.version(),
                        previous == null ? null : LineDiff.of(previous.definition(), v.definition()), t.judgments(), t.errored(),
                        t.judgments() == 0 ? null : (double) t.errored() / t.judgments(), t.costPerJudgment()));
            }
            return new VersionListView(name, loaded == null ? null : loaded.version(), champion.orElse(null), views);
        })));
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
