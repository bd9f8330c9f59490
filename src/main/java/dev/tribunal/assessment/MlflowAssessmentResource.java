package dev.tribunal.assessment;

import dev.tribunal.security.Caller;
import io.quarkus.security.identity.SecurityIdentity;
import dev.tribunal.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import dev.tribunal.assessment.AssessmentRequests.AssessmentEnvelope;
import dev.tribunal.assessment.AssessmentRequests.UpdateAssessmentRequest;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;

import java.util.Map;

/** MLflow 3's assessment REST API, path for path, so MLflow clients can log to Tribunal. */
@Path("/api/3.0/mlflow/traces/{trace_id}/assessments")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@Tag(name = "MLflow assessments")
@RolesAllowed(Roles.READ)
public class MlflowAssessmentResource {

    private final AssessmentService service;
    private final SecurityIdentity identity;

    MlflowAssessmentResource(AssessmentService service, SecurityIdentity identity) {
        this.service = service;
        this.identity = identity;
    }

    @POST
    @RolesAllowed({Roles.ANNOTATE, Roles.JUDGE})
    @Operation(summary = "Log a feedback or an expectation (MLflow createAssessment)")
    public Uni<AssessmentEnvelope> create(@RestPath("trace_id") String traceId, AssessmentEnvelope body) {
        return service.create(traceId, body == null ? null : body.assessment(), Caller.of(identity))
                .map(AssessmentEnvelope::new);
    }

    @GET
    @Path("/{assessment_id}")
    @Operation(summary = "Read one assessment (MLflow GetAssessment)")
    public Uni<AssessmentEnvelope> get(@RestPath("trace_id") String traceId, @RestPath("assessment_id") String assessmentId) {
        return service.get(traceId, assessmentId)
                .map(AssessmentEnvelope::new);
    }

    @PATCH
    @RolesAllowed({Roles.ANNOTATE, Roles.JUDGE})
    @Path("/{assessment_id}")
    @Operation(summary = "Change the fields named by update_mask (MLflow updateAssessment)")
    public Uni<AssessmentEnvelope> update(@RestPath("trace_id") String traceId, @RestPath("assessment_id") String assessmentId,
                                          UpdateAssessmentRequest body) {
        return service.update(traceId, assessmentId, body == null ? null : body.assessment(), body == null ? null : body.updateMask(), Caller.of(identity))
                .map(AssessmentEnvelope::new);
    }

    @DELETE
    @RolesAllowed({Roles.ANNOTATE, Roles.JUDGE})
    @Path("/{assessment_id}")
    @Operation(summary = "Delete an assessment; what it overrode is valid again (MLflow deleteAssessment)")
    public Uni<Map<String, Object>> delete(@RestPath("trace_id") String traceId, @RestPath("assessment_id") String assessmentId) {
        return service.delete(traceId, assessmentId, Caller.of(identity))
                .map(ignored -> Map.of());
    }
}
