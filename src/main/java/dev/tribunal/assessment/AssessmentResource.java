package dev.tribunal.assessment;

import dev.tribunal.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import dev.tribunal.system.PageToken;
import dev.tribunal.system.QueryParams;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestQuery;

import java.util.List;

/** Tribunal's assessment listing across traces. */
@Path("/api/assessments")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Assessments")
@RolesAllowed(Roles.READ)
public class AssessmentResource {

    private final AssessmentService service;

    AssessmentResource(AssessmentService service) {
        this.service = service;
    }

    /** {@code {"assessments": [...], "next_page_token": "..."}}; no token on the last page. */
    public record AssessmentListView(List<AssessmentView> assessments, String nextPageToken) {
    }

    @GET
    @Operation(summary = "List assessments, newest first, with filters and cursor pagination")
    public Uni<AssessmentListView> list(@RestQuery("trace_id") String traceId,
                                        @RestQuery("name") String name,
                                        @RestQuery("source_type") String sourceType,
                                        @RestQuery("source_id") String sourceId,
                                        @RestQuery("run_id") String runId,
                                        @RestQuery("mlflow_run_id") String mlflowRunId,
                                        @RestQuery("valid") String valid,
                                        @RestQuery("has_error") String hasError,
                                        @RestQuery("max_agreement") String maxAgreement,
                                        @RestQuery("include_challengers") String includeChallengers,
                                        @RestQuery("page_token") String pageToken,
                                        @RestQuery("max_results") String maxResults) {
        AssessmentQuery query = new AssessmentQuery(traceId, name,
                sourceType == null ? null : AssessmentSourceType.parse(sourceType, null),
                sourceId, runId, mlflowRunId, QueryParams.bool(valid, "valid"), QueryParams.bool(hasError, "has_error"),
                QueryParams.share(maxAgreement, "max_agreement"),
                Boolean.TRUE.equals(QueryParams.bool(includeChallengers, "include_challengers")), PageToken.decode(pageToken));
        return service.search(query, QueryParams.integer(maxResults, "max_results"))
                .map(page -> new AssessmentListView(page.items(), page.nextPageToken()));
    }
}
