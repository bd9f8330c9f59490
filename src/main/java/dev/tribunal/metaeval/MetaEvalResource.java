package dev.tribunal.metaeval;

import dev.tribunal.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import dev.tribunal.metaeval.MetaEvalRequests.DisagreementListView;
import dev.tribunal.metaeval.MetaEvalRequests.MetaEvalRequest;
import dev.tribunal.metaeval.MetaEvalRequests.MetaEvalView;
import dev.tribunal.metaeval.MetaEvalRequests.ReferenceRequest;
import dev.tribunal.system.PageToken;
import dev.tribunal.system.QueryParams;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestQuery;

import java.util.List;

/** Judge meta-evaluation over REST. */
@Path("/api/meta-evaluations")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Meta-evaluation")
@RolesAllowed(Roles.READ)
public class MetaEvalResource {

    private final MetaEvalService service;

    MetaEvalResource(MetaEvalService service) {
        this.service = service;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Compare judges with a human reference and with each other: coverage, agreement with confidence "
            + "intervals, confusion matrices, cost and latency")
    public Uni<MetaEvalView> evaluate(MetaEvalRequest request) {
        return service.evaluate(request);
    }

    @GET
    @Operation(summary = "The same with query parameters: name, human_feedback or expectation, run_id (repeatable)")
    public Uni<MetaEvalView> evaluate(@RestQuery("name") String name, @RestQuery("human_feedback") String humanFeedback,
                                      @RestQuery("expectation") String expectation, @RestQuery("run_id") List<String> runIds) {
        return service.evaluate(request(name, humanFeedback, expectation, runIds));
    }

    @GET
    @Path("/disagreements")
    @Operation(summary = "The traces where a judge (model, optionally version) and the reference differ, with both values and the rationale, "
            + "in pages")
    public Uni<DisagreementListView> disagreements(@RestQuery("name") String name, @RestQuery("model") String model,
                                                   @RestQuery("version") String version, @RestQuery("human_feedback") String humanFeedback,
                                                   @RestQuery("expectation") String expectation, @RestQuery("run_id") List<String> runIds,
                                                   @RestQuery("page_token") String pageToken, @RestQuery("max_results") String maxResults) {
        return service.disagreements(request(name, humanFeedback, expectation, runIds), model, version, PageToken.decode(pageToken),
                QueryParams.integer(maxResults, "max_results"));
    }

    static MetaEvalRequest request(String name, String humanFeedback, String expectation, List<String> runIds) {
        ReferenceRequest reference = humanFeedback == null && expectation == null ? null : new ReferenceRequest(humanFeedback, expectation);
        return new MetaEvalRequest(name, null, reference, null, runIds == null || runIds.isEmpty() ? null : runIds, null);
    }
}
