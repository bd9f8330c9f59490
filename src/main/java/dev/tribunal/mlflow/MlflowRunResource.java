package dev.tribunal.mlflow;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tribunal.security.Caller;
import dev.tribunal.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestQuery;

/**
 * MLflow's experiments and runs, as {@code mlflow.set_experiment} and {@code mlflow.genai.evaluate} use them. Reading
 * takes the read role; creating an experiment the ingest, annotate or judge role (an application that sets its
 * experiment); writing a run the annotate or judge role (an evaluation).
 */
@Path("/api/2.0/mlflow")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "MLflow runs")
@RolesAllowed(Roles.READ)
public class MlflowRunResource {

    private final MlflowRuns runs;
    private final SecurityIdentity identity;

    MlflowRunResource(MlflowRuns runs, SecurityIdentity identity) {
        this.runs = runs;
        this.identity = identity;
    }

    @GET
    @Path("/experiments/get-by-name")
    @Operation(summary = "MLflow GetExperimentByName: {\"experiment\": {...}}, 404 RESOURCE_DOES_NOT_EXIST when there is none")
    public Uni<ObjectNode> experimentByName(@RestQuery("experiment_name") String name) {
        return runs.experimentByName(name);
    }

    @GET
    @Path("/experiments/get")
    @Operation(summary = "MLflow GetExperiment")
    public Uni<ObjectNode> experiment(@RestQuery("experiment_id") String id) {
        return runs.experiment(id);
    }

    @POST
    @Path("/experiments/create")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.INGEST, Roles.ANNOTATE, Roles.JUDGE})
    @Operation(summary = "MLflow CreateExperiment: {\"name\", \"artifact_location\"?, \"tags\"?} → {\"experiment_id\"}")
    public Uni<ObjectNode> createExperiment(JsonNode body) {
        return runs.createExperiment(body);
    }

    @POST
    @Path("/runs/create")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.ANNOTATE, Roles.JUDGE})
    @Operation(summary = "MLflow CreateRun (experiment \"0\" unless another is named) → {\"run\": {\"info\", \"data\", \"inputs\"}}")
    public Uni<ObjectNode> createRun(JsonNode body) {
        return runs.createRun(body, Caller.of(identity).name());
    }

    @GET
    @Path("/runs/get")
    @Operation(summary = "MLflow GetRun: info, data (latest metrics, params, tags) and dataset inputs")
    public Uni<ObjectNode> run(@RestQuery("run_id") String runId, @RestQuery("run_uuid") String runUuid) {
        return runs.run(runId == null ? runUuid : runId);
    }

    @POST
    @Path("/runs/update")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.ANNOTATE, Roles.JUDGE})
    @Operation(summary = "MLflow UpdateRun: status, end_time, run_name → {\"run_info\"}")
    public Uni<ObjectNode> update(JsonNode body) {
        return runs.updateRun(body);
    }

    @POST
    @Path("/runs/set-tag")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.ANNOTATE, Roles.JUDGE})
    @Operation(summary = "MLflow SetTag on a run")
    public Uni<ObjectNode> setTag(JsonNode body) {
        return runs.setTag(body);
    }

    @POST
    @Path("/runs/log-batch")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.ANNOTATE, Roles.JUDGE})
    @Operation(summary = "MLflow LogBatch: metrics (values may be \"NaN\"), params, tags")
    public Uni<ObjectNode> logBatch(JsonNode body) {
        return runs.logBatch(body);
    }

    @POST
    @Path("/runs/log-inputs")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed({Roles.ANNOTATE, Roles.JUDGE})
    @Operation(summary = "MLflow LogInputs: datasets, kept as sent")
    public Uni<ObjectNode> logInputs(JsonNode body) {
        return runs.logInputs(body);
    }
}
