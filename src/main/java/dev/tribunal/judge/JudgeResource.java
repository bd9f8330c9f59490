package dev.tribunal.judge;

import dev.tribunal.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;

import java.util.List;

/** The loaded judges. */
@Path("/api/judges")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Judges")
@RolesAllowed(Roles.READ)
public class JudgeResource {

    private final JudgeCatalog catalog;

    JudgeResource(JudgeCatalog catalog) {
        this.catalog = catalog;
    }

    /** {@code {"judges": [...]}} in name order. */
    public record JudgeListView(List<JudgeView> judges) {
    }

    @GET
    @Operation(summary = "Every loaded judge with its model, output spec, version and file")
    public JudgeListView list() {
        return new JudgeListView(catalog.all().stream().map(JudgeView::of).toList());
    }

    @GET
    @Path("/{name}")
    @Operation(summary = "One judge")
    public JudgeView get(@RestPath("name") String name) {
        return JudgeView.of(catalog.require(name));
    }
}
