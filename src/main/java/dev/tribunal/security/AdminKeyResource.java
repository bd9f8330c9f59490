package dev.tribunal.security;

import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import dev.tribunal.system.PageToken;
import dev.tribunal.system.QueryParams;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

import java.util.List;

/** API keys: create (the key is in the answer, once), list (never the keys), revoke. Admins only. */
@Path("/api/admin/keys")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.ADMIN)
public class AdminKeyResource {

    /**
     * A key to create: its name and roles; {@code client: true} for an evaluation client (MLflow's evaluate, a CI job),
     * which may log HUMAN assessments in the names its data gives, recorded with the key.
     */
    public record CreateKeyRequest(String name, List<String> roles, Boolean client) {
    }

    private final ApiKeys keys;
    private final SecurityIdentity identity;

    AdminKeyResource(ApiKeys keys, SecurityIdentity identity) {
        this.keys = keys;
        this.identity = identity;
    }

    @POST
    public Uni<Response> create(CreateKeyRequest request) {
        dev.tribunal.system.InvalidRequestException.require(request != null, "The body must be {\"name\": ..., \"roles\": [...]}");
        return keys.create(request.name(), request.roles(), Boolean.TRUE.equals(request.client()), Caller.of(identity).name())
                .map(created -> Response.status(201).entity(created).build());
    }

    /** {@code {"keys": [...], "next_page_token": "..."}}, newest first; no token on the last page. */
    public record KeyListView(List<ApiKeys.KeyView> keys, String nextPageToken) {
    }

    @GET
    public Uni<KeyListView> list(@RestQuery("page_token") String pageToken, @RestQuery("max_results") String maxResults) {
        return keys.list(PageToken.decode(pageToken), QueryParams.integer(maxResults, "max_results"))
                .map(page -> new KeyListView(page.items(), page.nextPageToken()));
    }

    @DELETE
    @Path("/{name}")
    public Uni<Response> revoke(@RestPath("name") String name) {
        return keys.revoke(name, Caller.of(identity).name()).map(ignored -> Response.noContent().build());
    }
}
