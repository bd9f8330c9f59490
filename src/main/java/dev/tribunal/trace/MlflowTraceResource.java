package dev.tribunal.trace;

import dev.tribunal.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;

/** MLflow 3's trace info endpoint. */
@Path("/api/3.0/mlflow/traces")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "MLflow traces")
@RolesAllowed(Roles.READ)
public class MlflowTraceResource {

    private final TraceService service;

    MlflowTraceResource(TraceService service) {
        this.service = service;
    }

    @GET
    @Path("/{trace_id}")
    @Operation(summary = "Trace info with its assessments (MLflow GetTraceInfoV3)")
    public Uni<MlflowTraceView> get(@RestPath("trace_id") String traceId,
                                    @org.jboss.resteasy.reactive.RestQuery("include_challengers") String includeChallengers) {
        return service.mlflowTraceInfo(traceId, Boolean.TRUE.equals(dev.tribunal.system.QueryParams.bool(includeChallengers,
                "include_challengers")));
    }
}
