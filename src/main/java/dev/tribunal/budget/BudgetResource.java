package dev.tribunal.budget;

import dev.tribunal.security.Roles;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Cost budgets over REST. */
@Path("/api/budgets")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Budgets")
@RolesAllowed(Roles.READ)
public class BudgetResource {

    private final BudgetService service;

    BudgetResource(BudgetService service) {
        this.service = service;
    }

    @GET
    @Operation(summary = "Every daily cost budget with its limit, today's spend, what calls in flight reserve and the last 30 days")
    public Uni<BudgetView.BudgetListView> list() {
        return service.list();
    }
}
