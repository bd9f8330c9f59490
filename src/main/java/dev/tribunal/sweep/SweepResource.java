package dev.tribunal.sweep;

import dev.tribunal.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;

/** Scheduled sweeps over REST. */
@Path("/api/sweeps")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Sweeps")
@RolesAllowed(Roles.READ)
public class SweepResource {

    private final SweepService service;

    SweepResource(SweepService service) {
        this.service = service;
    }

    @GET
    @Operation(summary = "Every sweep with its schedule, last and next tick, traces judged, errors and lag")
    public Uni<SweepView.SweepListView> list() {
        return service.list().map(SweepView.SweepListView::new);
    }

    @GET
    @Path("/{name}")
    @Operation(summary = "One sweep")
    public Uni<SweepView> get(@RestPath("name") String name) {
        return service.get(name);
    }

    @POST
    @RolesAllowed(Roles.JUDGE)
    @Path("/{name}/trigger")
    @Operation(summary = "Run a tick now (within a second, on one process); 409 for a disabled sweep")
    public Uni<Response> trigger(@RestPath("name") String name) {
        return service.trigger(name).map(triggered -> Response.accepted(triggered).build());
    }
}
