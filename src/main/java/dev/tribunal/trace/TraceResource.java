package dev.tribunal.trace;

import io.quarkus.security.identity.SecurityIdentity;
import dev.tribunal.security.Caller;
import dev.tribunal.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import dev.tribunal.system.PageToken;
import dev.tribunal.system.QueryParams;
import dev.tribunal.trace.TraceRequests.TraceBatchRequest;
import dev.tribunal.trace.TraceRequests.TraceBatchResult;
import dev.tribunal.trace.TraceView.SpanView;
import dev.tribunal.assessment.AssessmentView;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

import java.util.List;

/** Tribunal's own trace API. */
@Path("/api/traces")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Traces")
@RolesAllowed(Roles.READ)
public class TraceResource {

    private final TraceService service;
    private final SecurityIdentity identity;

    TraceResource(TraceService service, SecurityIdentity identity) {
        this.service = service;
        this.identity = identity;
    }

    /** {@code {"traces": [...], "next_page_token": "..."}}; no token on the last page. */
    public record TraceListView(List<TraceView> traces, String nextPageToken) {
    }

    /** {@code {"spans": [...], "next_page_token": "..."}}; no token on the last page. */
    public record SpanListView(List<SpanView> spans, String nextPageToken) {
    }

    /** {@code {"assessments": [...], "next_page_token": "..."}}, oldest first; no token on the last page. */
    public record TraceAssessmentListView(List<AssessmentView> assessments, String nextPageToken) {
    }

    @POST
    @RolesAllowed(Roles.INGEST)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Ingest 1 to 1000 traces in one transaction; re-sent trace ids are left as they are")
    public Uni<TraceBatchResult> ingest(TraceBatchRequest request) {
        return service.ingest(request, Caller.of(identity));
    }

    @GET
    @Path("/{trace_id}")
    @Operation(summary = "A trace with its spans and assessments, as many as fit an answer; tokens lead to the rest")
    public Uni<TraceView> get(@RestPath("trace_id") String traceId) {
        return service.get(traceId);
    }

    @GET
    @Path("/{trace_id}/spans")
    @Operation(summary = "A trace's spans in the order they started, in pages")
    public Uni<SpanListView> spans(@RestPath("trace_id") String traceId, @RestQuery("page_token") String pageToken,
                                   @RestQuery("max_results") String maxResults) {
        return service.spans(traceId, PageToken.decode(pageToken), QueryParams.integer(maxResults, "max_results"))
                .map(page -> new SpanListView(page.items(), page.nextPageToken()));
    }

    @GET
    @Path("/{trace_id}/assessments")
    @Operation(summary = "A trace's assessments, oldest first, in pages")
    public Uni<TraceAssessmentListView> assessments(@RestPath("trace_id") String traceId, @RestQuery("page_token") String pageToken,
                                                    @RestQuery("max_results") String maxResults) {
        return service.assessments(traceId, PageToken.decode(pageToken), QueryParams.integer(maxResults, "max_results"))
                .map(page -> new TraceAssessmentListView(page.items(), page.nextPageToken()));
    }

    @GET
    @Operation(summary = "Traces newest first; filter by request time, tags (tag=key=value), state, assessment names present or "
            + "absent, valid assessments' values (assessment=name=value), errors (errored=true|false|<name>) and source type")
    public Uni<TraceListView> list(@RestQuery("start_time") String startTime,
                                   @RestQuery("end_time") String endTime,
                                   @RestQuery("tag") List<String> tags,
                                   @RestQuery("has_assessment") List<String> hasAssessment,
                                   @RestQuery("lacks_assessment") List<String> lacksAssessment,
                                   @RestQuery("state") List<String> states,
                                   @RestQuery("assessment") List<String> values,
                                   @RestQuery("errored") List<String> errored,
                                   @RestQuery("source_type") List<String> sources,
                                   @RestQuery("page_token") String pageToken,
                                   @RestQuery("max_results") String maxResults) {
        TraceQuery query = new TraceQuery(
                QueryParams.instant(startTime, "start_time"),
                QueryParams.instant(endTime, "end_time"),
                TraceQuery.tags(tags, "tag"),
                TraceQuery.names(hasAssessment, "has_assessment"),
                TraceQuery.names(lacksAssessment, "lacks_assessment"),
                TraceQuery.states(states, "state"),
                TraceQuery.values(values, "assessment"),
                TraceQuery.errored(errored, "errored"),
                TraceQuery.sources(sources, "source_type"),
                PageToken.decode(pageToken));
        return service.search(query, QueryParams.integer(maxResults, "max_results"))
                .map(page -> new TraceListView(page.items(), page.nextPageToken()));
    }
}
