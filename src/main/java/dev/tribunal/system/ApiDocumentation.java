package dev.tribunal.system;

import org.eclipse.microprofile.openapi.annotations.Components;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;

/**
 * The OpenAPI document's frame: every operation takes a bearer key, so that Swagger UI's "Authorize" asks for one and
 * "Try it out" sends it.
 */
@OpenAPIDefinition(
        info = @Info(title = "Tribunal API", version = "1"),
        components = @Components(securitySchemes = @SecurityScheme(securitySchemeName = "bearer", type = SecuritySchemeType.HTTP,
                scheme = "bearer", bearerFormat = "Tribunal API key (trb_...) or single-sign-on token",
                description = "Authorization: Bearer <key>; keys are made with POST /api/admin/keys")),
        security = @SecurityRequirement(name = "bearer"))
final class ApiDocumentation {

    private ApiDocumentation() {
    }
}
