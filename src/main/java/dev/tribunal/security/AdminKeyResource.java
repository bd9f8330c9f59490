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
import org.jboss.resteasy.reactive.RestPath;

import java.util.List;
import java.util.Map;

/** API keys: create (the key is in the answer, once), list (never the keys), revoke. Admins only. */
@Path("/api/admin/keys")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.ADMIN)
public class AdminKeyResource {

    /** A key to create: its name and roles. */
    public record CreateKeyRequest(String name, List<String> roles) {
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
        return keys.create(request.name(), request.roles(), Caller.of(identity).name())
                .map(created -> Response.status(201).entity(created).build());
    }

    @GET
    public Uni<Map<String, List<ApiKeys.KeyView>>> list() {
        return keys.list().map(list -> Map.of("keys", list));
    }

    @DELETE
    @Path("/{name}")
    public Uni<Response> revoke(@RestPath("name") String name) {
        return keys.revoke(name, Caller.of(identity).name()).map(ignored -> Response.noContent().build());
    }
}
