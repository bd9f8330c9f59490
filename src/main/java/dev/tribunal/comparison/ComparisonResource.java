package dev.tribunal.comparison;

import dev.tribunal.comparison.ComparisonRequests.ComparisonRequest;
import dev.tribunal.comparison.ComparisonRequests.ComparisonView;
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

/** Pairwise comparisons of traces over REST. */
@Path("/api/comparisons")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Comparisons")
@RolesAllowed(Roles.READ)
public class ComparisonResource {

    /** Pairs in one answer, at most. */
    static final int MAX_PAIRS = 1000;

    private final ComparisonService service;
    private final SecurityIdentity identity;

    ComparisonResource(ComparisonService service, SecurityIdentity identity) {
        this.service = service;
        this.identity = identity;
    }

    @POST
    @RolesAllowed(Roles.JUDGE)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Compare candidate traces with baseline traces by a pairwise judge, each pair judged in both orders; 202 with "
            + "the comparison's id (its run's too). With \"dry_run\": true, 200 with the pairs, calls and cost it would take")
    public Uni<Response> create(ComparisonRequest request) {
        if (request != null && Boolean.TRUE.equals(request.dryRun())) {
            return service.estimate(request).map(estimate -> Response.ok(estimate).build());
        }
        return service.start(request, Caller.of(identity))
                .map(created -> Redirects.located(Response.accepted(created), "/api/comparisons/" + created.comparisonId()).build());
    }

    @GET
    @Operation(summary = "Comparisons, newest first, each with its judge, models, pairs and progress; max_results, page_token")
    public Uni<ComparisonRequests.ComparisonListView> list(@RestQuery("page_token") String pageToken, @RestQuery("max_results") String maxResults) {
        return service.list(dev.tribunal.system.PageToken.decode(pageToken),
                dev.tribunal.system.PageToken.maxResults(QueryParams.integer(maxResults, "max_results")));
    }

    @GET
    @Path("/{comparison_id}")
    @Operation(summary = "A comparison's figures per model (wins, ties, losses, the candidate's win rate with its 95 % interval, "
            + "position consistency and first-position preference) and its pairs from offset, at most max_pairs (200)")
    public Uni<ComparisonView> get(@RestPath("comparison_id") String comparisonId, @RestQuery("offset") String offset,
                                   @RestQuery("max_pairs") String maxPairs) {
        Integer from = QueryParams.integer(offset, "offset");
        Integer size = QueryParams.integer(maxPairs, "max_pairs");
        InvalidRequestException.require(from == null || from >= 0, "offset must be 0 or more");
        InvalidRequestException.require(size == null || (size >= 1 && size <= MAX_PAIRS), "max_pairs must be 1 to " + MAX_PAIRS);
        return service.report(comparisonId, from == null ? 0 : from, size == null ? 200 : size);
    }
}
