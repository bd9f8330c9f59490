package dev.tribunal.trace;

import dev.tribunal.security.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import java.util.List;
import java.util.Map;

/** MLflow's traces/link-to-run, which {@code mlflow.genai.evaluate} calls once its traces are made. */
@Path("/api/2.0/mlflow/traces/link-to-run")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "MLflow runs")
@RolesAllowed({Roles.ANNOTATE, Roles.JUDGE})
public class MlflowTraceLinkResource {

    private final TraceService service;

    MlflowTraceLinkResource(TraceService service) {
        this.service = service;
    }

    /** {@code {"trace_ids": [...], "run_id": "..."}}. */
    public record LinkRequest(List<String> traceIds, String runId) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Link traces to an MLflow run: a trace search with attribute.run_id = '<run>' finds them")
    public Uni<Map<String, Object>> link(LinkRequest body) {
        return service.linkToRun(body == null ? null : body.runId(), body == null ? null : body.traceIds()).map(ignored -> Map.of());
    }
}
