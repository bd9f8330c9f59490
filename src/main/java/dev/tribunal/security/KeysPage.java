package dev.tribunal.security;

import dev.tribunal.system.PageText;
import dev.tribunal.system.Urls;
import dev.tribunal.system.ConflictException;
import dev.tribunal.system.FormBody;
import dev.tribunal.system.InvalidRequestException;
import dev.tribunal.system.PageToken;
import dev.tribunal.system.Redirects;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
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
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * API keys as an admin manages them, at {@code /admin/keys}: the list (names, roles, never a key or its hash), a form
 * that creates a key and shows it once, on the answer to the form (never in a URL, never again), and revoking with a
 * confirmation. The same {@link ApiKeys} as {@code /api/admin/keys}.
 */
@Path("/admin/keys")
@RolesAllowed(Roles.ADMIN)
public class KeysPage {

    private final ApiKeys keys;
    private final SecurityIdentity identity;
    private final Template page;
    private final Template created;
    private final Template revoke;

    KeysPage(ApiKeys keys, SecurityIdentity identity, @Location("keys/page.html") Template page, @Location("keys/created.html") Template created,
             @Location("keys/revoke.html") Template revoke) {
        this.keys = keys;
        this.identity = identity;
        this.page = page;
        this.created = created;
        this.revoke = revoke;
    }

    /** A key as the list shows it. */
    public record KeyRow(String name, String roles, boolean client, String createdAt, String createdBy, String revokeLink) {
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    public Uni<String> list(@RestQuery("page_token") String pageToken, @RestQuery("revoked") String revoked) {
        return listPage(PageToken.decode(pageToken), revoked, null, null, List.of());
    }

    private Uni<String> listPage(PageToken after, String revoked, String error, String name, List<String> roles) {
        return keys.list(after, null).map(found -> page.data("viewer", Viewer.of(identity))
                .data("keys", found.items().stream().map(KeysPage::row).toList())
                .data("next", found.nextPageToken() == null ? null : "/admin/keys?page_token=" + Urls.encode(found.nextPageToken()))
                .data("revoked", revoked)
                .data("error", error)
                .data("name", name == null ? "" : name)
                .data("roles", Roles.ALL.stream().map(role -> Map.of("role", role, "checked", roles.contains(role))).toList())
                .render());
    }

    private static KeyRow row(ApiKeys.KeyView key) {
        return new KeyRow(key.name(), String.join(", ", key.roles()), key.client(),
                PageText.time(key.createdAt()), key.createdBy(),
                "/admin/keys/" + Urls.encode(key.name()) + "/revoke");
    }

    /**
     * Creates a key and answers with a page that shows it, once: a redirect would have to carry it in a URL (kept in
     * history and logs). The answer is not stored by the browser; reloading sends the form again, which the name refuses.
     */
    @POST
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.TEXT_HTML)
    public Uni<Response> create(byte[] body) {
        FormBody form = Csrf.form(identity, body);
        String name = form.get("name") == null ? null : form.get("name").trim();
        List<String> roles = new ArrayList<>();
        for (String role : Roles.ALL) {
            if (form.get("role_" + role) != null) {
                roles.add(role);
            }
        }
        boolean client = form.get("client") != null;
        // deferred: the service checks the name and roles before its Uni exists, and a refusal is said on the form
        return Uni.createFrom().deferred(() -> keys.create(name, roles, client, Caller.of(identity).name()))
                .map(key -> Response.status(201).type(MediaType.TEXT_HTML_TYPE).header("Cache-Control", "no-store")
                        .entity(created.data("viewer", Viewer.of(identity)).data("key", key).data("roles", String.join(", ", key.roles()))
                                .render()).build())
                .onFailure(e -> e instanceof InvalidRequestException || e instanceof ConflictException).recoverWithUni(e ->
                        listPage(null, null, e.getMessage(), name, roles).map(html -> Response
                                .status(e instanceof ConflictException ? 409 : 400).type(MediaType.TEXT_HTML_TYPE).entity(html).build()));
    }

    /** Asks before revoking: a revoked key is refused at once, and cannot be brought back. */
    @GET
    @Path("/{name}/revoke")
    @Produces(MediaType.TEXT_HTML)
    public String confirm(@RestPath("name") String name) {
        return revoke.data("viewer", Viewer.of(identity)).data("name", name).data("action", "/admin/keys/" + Urls.encode(name) + "/revoke").render();
    }

    @POST
    @Path("/{name}/revoke")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> revoke(@RestPath("name") String name, byte[] body) {
        Csrf.form(identity, body);
        return keys.revoke(name, Caller.of(identity).name())
                .map(ignored -> Redirects.seeOther("/admin/keys?revoked=" + Urls.encode(name)).build());
    }
}
