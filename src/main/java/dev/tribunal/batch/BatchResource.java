package dev.tribunal.batch;

import dev.tribunal.security.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;

import java.util.List;

/** A batch-mode run's provider batches over REST. */
@Path("/api/judge-runs/{run_id}/batches")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Judge runs")
@RolesAllowed(Roles.READ)
public class BatchResource {

    private final BatchService service;

    BatchResource(BatchService service) {
        this.service = service;
    }

    /** {@code {"run_id", "batches": [...]}}. */
    public record RunBatchesView(String runId, List<BatchView> batches) {
    }

    @GET
    @Operation(summary = "A run's provider batches (batch mode): each with its status and its requests, completed and failed; 404 for an unknown run")
    public Uni<RunBatchesView> get(@RestPath("run_id") String runId) {
        return service.ofRun(runId)
                .map(batches -> new RunBatchesView(runId, batches));
    }
}
