package dev.tribunal.probe;

import dev.tribunal.probe.ProbeRequests.ProbeListView;
import dev.tribunal.probe.ProbeRequests.ProbeRequest;
import dev.tribunal.probe.ProbeRequests.ProbeView;
import dev.tribunal.security.Caller;
import dev.tribunal.security.Roles;
import dev.tribunal.system.InvalidRequestException;
import dev.tribunal.system.QueryParams;
import dev.tribunal.system.Redirects;
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
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

/** Bias probes of a judge over REST. */
@Path("/api/judges/{name}/probes")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Judges")
@RolesAllowed(Roles.READ)
public class ProbeResource {

    private final ProbeService service;
    private final SecurityIdentity identity;

    ProbeResource(ProbeService service, SecurityIdentity identity) {
        this.service = service;
        this.identity = identity;
    }

    @POST
    @RolesAllowed(Roles.JUDGE)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Probe a judge (its champion, or a version) for biases over traces: repeat (stability over k asks), verbosity "
            + "(padded responses), position (pairwise: both orders) and self_preference (its own model family's responses against "
            + "others'); 202 with the probe, run in the background. Writes no assessment")
    public Uni<Response> create(@RestPath("name") String name, ProbeRequest request) {
        return service.start(name, request, Caller.of(identity))
                .map(probe -> Redirects.located(Response.accepted(probe), "/api/judges/" + name + "/probes/" + probe.id()).build());
    }

    @GET
    @Operation(summary = "A judge's probes, newest first (of one version with ?version=), at most max_results (50, up to 200)")
    public Uni<ProbeListView> list(@RestPath("name") String name, @RestQuery("version") String version,
                                   @RestQuery("max_results") String maxResults) {
        Integer max = QueryParams.integer(maxResults, "max_results");
        InvalidRequestException.require(max == null || (max >= 1 && max <= ProbeService.MAX_LISTED),
                "max_results must be 1 to " + ProbeService.MAX_LISTED);
        return service.list(name, version, max == null ? 50 : max);
    }

    @GET
    @Path("/{id}")
    @Operation(summary = "A probe: its status (running, completed, failed, interrupted), progress in calls and, per probe, the share of "
            + "verdicts that changed with its 95 % Wilson interval, the counts and the direction")
    public Uni<ProbeView> get(@RestPath("name") String name, @RestPath("id") String id) {
        return service.get(name, id);
    }
}
