package dev.tribunal.mlflow;

import dev.tribunal.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The MLflow server version Tribunal answers as. MLflow's tracing exporter asks once before it sends spans one by one:
 * below 3.4 it switches that off.
 */
@Path("/version")
@Tag(name = "MLflow traces")
@RolesAllowed({Roles.READ, Roles.INGEST, Roles.ANNOTATE, Roles.JUDGE, Roles.ADMIN})
public class MlflowVersionResource {

    /** The MLflow tracking API whose calls Tribunal serves. */
    public static final String MLFLOW_VERSION = "3.6.0";

    @GET
    @Produces(MediaType.TEXT_PLAIN)
    @Operation(summary = "The MLflow version whose tracking API Tribunal speaks, as plain text")
    public String version() {
        return MLFLOW_VERSION;
    }
}
