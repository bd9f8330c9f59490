package dev.tribunal.run;

import dev.tribunal.system.PermissionDeniedException;
import io.quarkus.security.identity.SecurityIdentity;
import dev.tribunal.security.Caller;
import dev.tribunal.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import dev.tribunal.run.RunRequests.JudgeRunRequest;
import dev.tribunal.run.RunRequests.RetryRequest;
import dev.tribunal.run.RunRequests.RunCreatedView;
import dev.tribunal.run.RunRequests.RunListView;
import dev.tribunal.run.RunRequests.RunView;
import dev.tribunal.system.PageToken;
import dev.tribunal.system.QueryParams;
import dev.tribunal.system.Redirects;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

/** Judge runs over REST. */
@Path("/api/judge-runs")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Judge runs")
@RolesAllowed(Roles.READ)
public class RunResource {

    private final RunService service;

    private final SecurityIdentity identity;

    RunResource(RunService service, SecurityIdentity identity) {
        this.service = service;
        this.identity = identity;
    }

    @POST
    @RolesAllowed(Roles.JUDGE)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Start a run of judges over traces; 202 with the run id, results arrive as assessments. "
            + "With \"dry_run\": true, 200 with the judgments, tokens and cost it would take; nothing is stored or called")
    public Uni<Response> create(JudgeRunRequest request) {
        if (request != null && Boolean.TRUE.equals(request.dryRun())) {
            return service.estimate(request)
                    .map(RunResource::answer)
                    .map(estimate -> Response.ok(estimate).build());
        }
        // inline traces are stored (with any expectations in them): that is ingesting
        PermissionDeniedException.require(request == null || request.traces() == null || request.traces().isEmpty()
                || identity.hasRole(Roles.INGEST), "Inline traces are stored: that needs the ingest role too; send trace_ids instead");
        return service.start(request, Caller.of(identity))
                .map(RunResource::answer)
                .map(created -> Redirects.located(Response.accepted(created), "/api/judge-runs/" + created.runId()).build());
    }

    @GET
    @Path("/{run_id}")
    @Operation(summary = "A run's progress: counts by outcome and error code, rate and ETA")
    public Uni<RunView> get(@RestPath("run_id") String runId) {
        return service.get(runId)
                .map(RunResource::answer);
    }

    @POST
    @RolesAllowed(Roles.JUDGE)
    @Path("/{run_id}/cancel")
    @Operation(summary = "Cancel a run: pending judgments are not started, those in progress finish; 409 when it is already finished")
    public Uni<RunView> cancel(@RestPath("run_id") String runId,
                               @RequestBody(required = false, content = @Content(mediaType = MediaType.APPLICATION_JSON)) byte[] body) {
        RunRequests.checkCancelBody(body);
        return service.cancel(runId)
                .map(RunResource::answer);
    }

    @POST
    @RolesAllowed(Roles.JUDGE)
    @Path("/{run_id}/retry")
    @Operation(summary = "Judge the run's errored judgments again (optionally only some error codes); the new results override the errors")
    public Uni<Response> retry(@RestPath("run_id") String runId,
                               @RequestBody(required = false, content = @Content(mediaType = MediaType.APPLICATION_JSON,
                                       schema = @Schema(implementation = RetryRequest.class))) byte[] body) {
        // the body is optional: a bare POST (as curl -X POST sends it) retries every error; read as bytes, so that
        // text that is not UTF-8 is refused rather than decoded with replacement characters
        return service.retry(runId, RetryRequest.parse(body))
                .map(RunResource::answer)
                .map(retried -> Redirects.located(Response.accepted(retried), "/api/judge-runs/" + retried.runId()).build());
    }

    @GET
    @Operation(summary = "Runs, newest first")
    public Uni<RunListView> list(@RestQuery("page_token") String pageToken, @RestQuery("max_results") String maxResults) {
        return service.list(PageToken.decode(pageToken), PageToken.maxResults(QueryParams.integer(maxResults, "max_results")))
                .map(page -> new RunListView(page.items(), page.nextPageToken()));
    }

    /** The answer of a request the service carried out; a refusal leaves as the API's error. */
    private static <T> T answer(RunOutcome<T> outcome) {
        return outcome.orThrow();
    }

}
