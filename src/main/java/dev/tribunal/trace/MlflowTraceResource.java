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
    private final io.quarkus.security.identity.SecurityIdentity identity;

    MlflowTraceResource(TraceService service, io.quarkus.security.identity.SecurityIdentity identity) {
        this.service = service;
        this.identity = identity;
    }

    /** MLflow's client asks for 10 at a time; more is refused. */
    static final int MAX_BATCH = 100;

    @GET
    @Path("/batchGet")
    @Operation(summary = "Traces with their spans (MLflow BatchGetTraces): repeated trace_ids, ids naming no trace left out")
    public Uni<MlflowTraceView.BatchView> batchGet(@org.jboss.resteasy.reactive.RestQuery("trace_ids") java.util.List<String> traceIds) {
        dev.tribunal.system.InvalidRequestException.require(traceIds != null && !traceIds.isEmpty(), "trace_ids is required: the traces to read");
        dev.tribunal.system.InvalidRequestException.require(traceIds.size() <= MAX_BATCH, "At most " + MAX_BATCH + " trace_ids per call, not "
                + traceIds.size());
        return service.mlflowTraces(traceIds).map(MlflowTraceView.BatchView::new);
    }

    @GET
    @Path("/get")
    @Operation(summary = "One trace with its spans (MLflow GetTrace)")
    public Uni<MlflowTraceView.OneView> getWithSpans(@org.jboss.resteasy.reactive.RestQuery("trace_id") String traceId,
                                                     @org.jboss.resteasy.reactive.RestQuery("allow_partial") String allowPartial) {
        dev.tribunal.system.InvalidRequestException.require(traceId != null && !traceId.isBlank(), "trace_id is required");
        return service.mlflowTraces(java.util.List.of(traceId)).map(found -> {
            if (found.isEmpty()) {
                throw new dev.tribunal.system.ResourceNotFoundException("Trace '" + traceId + "' does not exist");
            }
            return new MlflowTraceView.OneView(found.get(0));
        });
    }

    @jakarta.ws.rs.POST
    @RolesAllowed(Roles.INGEST)
    @jakarta.ws.rs.Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Start (record) a trace's info (MLflow StartTraceV3), as MLflow's tracing exporter sends it when the root span "
            + "ends: merged into the trace its spans build over /v1/traces, in either order")
    public Uni<MlflowTraceView> start(com.fasterxml.jackson.databind.JsonNode body) {
        return service.startTrace(body, dev.tribunal.security.Caller.of(identity));
    }

    @jakarta.ws.rs.POST
    @Path("/search")
    @jakarta.ws.rs.Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Search traces (MLflow SearchTracesV3): MLflow's filter over tags, metadata, status, time, duration and "
            + "run_id; order by time or duration; pages of max_results (default 100, at most 500) with next_page_token")
    public Uni<MlflowTraceView.SearchView> search(MlflowTraceView.SearchRequest request) {
        return service.mlflowSearch(request);
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
