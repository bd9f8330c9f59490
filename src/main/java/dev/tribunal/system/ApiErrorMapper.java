package dev.tribunal.system;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.enterprise.inject.Instance;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one place where errors become HTTP responses: MLflow's {@code {"error_code", "message"}} body
 * on MLflow's paths, another protocol's own format where an {@link ErrorFormat} serves the path,
 * {@code application/problem+json} everywhere else. Internal details never leak.
 */
public class ApiErrorMapper {

    @jakarta.inject.Inject
    Instance<ErrorFormat> formats;
    @jakarta.inject.Inject
    io.vertx.core.http.HttpServerRequest request;
    @jakarta.inject.Inject
    io.quarkus.security.identity.SecurityIdentity identity;
    @jakarta.inject.Inject
    CallerDescription callers;

    private static final Logger LOG = Logger.getLogger(ApiErrorMapper.class);
    private static final MediaType PROBLEM_JSON = MediaType.valueOf("application/problem+json");

    @ServerExceptionMapper
    public Response notFound(ResourceNotFoundException e, UriInfo uri) {
        return error(uri, 404, "RESOURCE_DOES_NOT_EXIST", e.getMessage());
    }

    @ServerExceptionMapper
    public Response conflict(ConflictException e, UriInfo uri) {
        return error(uri, 409, "INVALID_STATE", e.getMessage());
    }

    @ServerExceptionMapper
    public Response invalid(InvalidRequestException e, UriInfo uri) {
        return error(uri, 400, "INVALID_PARAMETER_VALUE", e.getMessage());
    }

    @ServerExceptionMapper
    public Response unauthenticated(io.quarkus.security.AuthenticationFailedException e, UriInfo uri) {
        java.util.Optional<TooManyRequestsException> tooMany = TooManyRequestsException.among(e);
        if (tooMany.isPresent()) {
            return tooManyRequests(tooMany.get(), uri);
        }
        String message = e.getMessage() == null || e.getMessage().isBlank() ? "The API key is unknown or revoked" : e.getMessage();
        return unauthenticated(uri, message);
    }

    @ServerExceptionMapper
    public Response anonymous(io.quarkus.security.UnauthorizedException e, UriInfo uri) {
        return unauthenticated(uri, "This request needs an API key: send 'Authorization: Bearer <key>'");
    }

    @ServerExceptionMapper
    public Response forbidden(io.quarkus.security.ForbiddenException e, UriInfo uri, jakarta.ws.rs.container.ResourceInfo resource) {
        return error(uri, 403, "PERMISSION_DENIED", refusal(resource, identity, callers));
    }

    /** What a 403 says: the roles the request needs, and who asked with which roles. */
    static String refusal(jakarta.ws.rs.container.ResourceInfo resource, io.quarkus.security.identity.SecurityIdentity identity,
                          CallerDescription callers) {
        java.util.List<String> needed = neededRoles(resource);
        String need = needed.isEmpty() ? "This request needs another role"
                : "This request needs the " + String.join(" or ", needed) + " role";
        if (identity == null || identity.isAnonymous()) {
            return need;
        }
        return need + "; " + callers.describe(identity);
    }

    private static java.util.List<String> neededRoles(jakarta.ws.rs.container.ResourceInfo resource) {
        if (resource == null) {
            return java.util.List.of();
        }
        jakarta.annotation.security.RolesAllowed roles = resource.getResourceMethod() == null ? null
                : resource.getResourceMethod().getAnnotation(jakarta.annotation.security.RolesAllowed.class);
        if (roles == null && resource.getResourceClass() != null) {
            roles = resource.getResourceClass().getAnnotation(jakarta.annotation.security.RolesAllowed.class);
        }
        return roles == null ? java.util.List.of() : java.util.List.of(roles.value());
    }

    @ServerExceptionMapper
    public Response permissionDenied(PermissionDeniedException e, UriInfo uri) {
        return error(uri, 403, "PERMISSION_DENIED", e.getMessage());
    }

    @ServerExceptionMapper
    public Response tooManyRequests(TooManyRequestsException e, UriInfo uri) {
        return Response.fromResponse(error(uri, 429, "REQUEST_LIMIT_EXCEEDED", e.getMessage()))
                .header("Retry-After", Long.toString(e.retryAfterSeconds())).build();
    }

    @ServerExceptionMapper
    public Response temporarilyUnavailable(TemporarilyUnavailableException e, UriInfo uri) {
        return Response.fromResponse(error(uri, 503, "TEMPORARILY_UNAVAILABLE", e.getMessage()))
                .header("Retry-After", Long.toString(e.retryAfterSeconds())).build();
    }

    /** 401 with a bearer challenge; a page sends the browser to the login page instead. */
    private Response unauthenticated(UriInfo uri, String message) {
        if (PagePaths.isPage(uri.getPath())) {
            String next = uri.getRequestUri().getRawPath() + (uri.getRequestUri().getRawQuery() == null ? "" : "?" + uri.getRequestUri().getRawQuery());
            return Redirects.seeOther("/login?next=" + java.net.URLEncoder.encode(next, java.nio.charset.StandardCharsets.UTF_8)).build();
        }
        return Response.fromResponse(error(uri, 401, "UNAUTHENTICATED", message)).header("WWW-Authenticate", "Bearer").build();
    }

    @ServerExceptionMapper
    public Response unreadableJson(JacksonException e, UriInfo uri) {
        return error(uri, 400, "MALFORMED_REQUEST", describe(e));
    }

    /** More specific than {@link JacksonException}: replaces the built-in mapper that answers with an empty body. */
    @ServerExceptionMapper
    public Response wrongType(MismatchedInputException e, UriInfo uri) {
        if (isTruncated(e)) {
            return error(uri, 400, "MALFORMED_REQUEST", plainJsonError(e));
        }
        return error(uri, 400, "INVALID_PARAMETER_VALUE", describe(e));
    }

    /**
     * A binding Jackson could not make while reading a body (replaces the built-in mapper, which answers 500 with an
     * empty body); one met while writing an answer is a defect of the server.
     */
    @ServerExceptionMapper
    public Response unboundJson(com.fasterxml.jackson.databind.exc.InvalidDefinitionException e, UriInfo uri) {
        if (!(e.getProcessor() instanceof com.fasterxml.jackson.core.JsonParser)) {
            return unexpected(e, uri);
        }
        LOG.warnf("A body sent to %s could not be bound: %s", uri.getPath(), firstLine(e.getOriginalMessage()));
        String path = JsonPaths.of(e.getPath());
        return error(uri, 400, "MALFORMED_REQUEST", "The body could not be read" + (path.isEmpty() ? "" : " at '" + path + "'")
                + ": its shape is not one this endpoint reads");
    }

    @ServerExceptionMapper
    public Response http(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        Throwable cause = e.getCause();
        if (cause instanceof JacksonException jackson) {
            return unreadableJson(jackson, uri);
        }
        String code = switch (status) {
            case 400 -> "BAD_REQUEST";
            case 404 -> e instanceof NotFoundException ? "ENDPOINT_NOT_FOUND" : "RESOURCE_DOES_NOT_EXIST";
            case 405 -> "ENDPOINT_NOT_FOUND";
            case 413 -> "REQUEST_LIMIT_EXCEEDED";
            case 415 -> "BAD_REQUEST";
            default -> status >= 500 ? "INTERNAL_ERROR" : "BAD_REQUEST";
        };
        String message = switch (status) {
            case 404 -> "No endpoint " + uri.getPath();
            case 405 -> "Method not allowed on " + uri.getPath();
            case 413 -> BodySizeGuard.TOO_LARGE;
            case 415 -> "Unsupported content type; send application/json";
            default -> e.getResponse().getStatusInfo().getReasonPhrase();
        };
        return error(uri, status, code, message);
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e, UriInfo uri) {
        // a value PostgreSQL cannot store (the NUL character in text, say); the transaction rolled back
        java.util.Optional<Throwable> unstorable = SqlStates.causeInClass(e, SqlStates.DATA_EXCEPTION);
        if (unstorable.isPresent()) {
            return error(uri, 400, "INVALID_PARAMETER_VALUE", "A value in the request cannot be stored: " + reason(unstorable.get()));
        }
        LOG.errorf(e, "Request to %s failed", uri.getPath());
        return error(uri, 500, "INTERNAL_ERROR", "Internal error; the server log has the details");
    }

    /** What the database said of a value it refused, in its own words. */
    private static String reason(Throwable refusal) {
        if (refusal instanceof io.vertx.pgclient.PgException pg) {
            return pg.getErrorMessage() + (pg.getDetail() == null ? "" : " (" + pg.getDetail() + ")");
        }
        org.hibernate.JDBCException jdbc = (org.hibernate.JDBCException) refusal;
        return jdbc.getSQLException() == null ? jdbc.getSQLState() : jdbc.getSQLException().getMessage();
    }

    Response error(UriInfo uri, int status, String code, String message) {
        String path = uri.getPath();
        java.util.Optional<ErrorFormat> format = format(formats, path);
        if (format.isPresent()) {
            ErrorFormat.Answer answer = format.get().answer(status, message, request.getHeader("Content-Type"));
            return Response.status(status).type(answer.mediaType()).entity(answer.body()).build();
        }
        if (PagePaths.isPage(path) && acceptsHtml(request.getHeader("Accept"))) {
            // a person who followed a link lands on a page that says what went wrong, not on JSON
            return Response.status(status).type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8")).entity(errorPage(status, message)).build();
        }
        return Response.status(status).type(contentType(path)).entity(body(path, status, code, message)).build();
    }

    private static boolean acceptsHtml(String accept) {
        return accept != null && accept.contains("text/html");
    }

    private static String errorPage(int status, String message) {
        Response.Status known = Response.Status.fromStatusCode(status);
        String title = known == null ? "Error" : known.getReasonPhrase();
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + title + " · Tribunal</title></head>\n"
                + "<body><main><h1>" + title + "</h1><p id=\"error\">" + escapeHtml(message) + "</p>"
                + "<nav aria-label=\"Sections\"><p><a href=\"/traces\">Traces</a> · <a href=\"/runs\">Runs</a> · <a href=\"/dashboard\">Quality over time</a>"
                + " · <a href=\"/sweeps\">Sweeps</a> · <a href=\"/judges\">Judges</a> · <a href=\"/meta-evaluation\">Judges compared with people</a></p></nav>"
                + "</main></body></html>\n";
    }

    private static String escapeHtml(String text) {
        return text == null ? "" : text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** An error's media type and body on a path, for the router's own answers, given before a resource is chosen. */
    static ErrorFormat.Answer answer(Instance<ErrorFormat> formats, String path, int status, String code, String message,
                                     String requestContentType) {
        return format(formats, path)
                .map(format -> format.answer(status, message, requestContentType))
                .orElseGet(() -> new ErrorFormat.Answer(contentType(path).toString(),
                        new io.vertx.core.json.JsonObject(body(path, status, code, message)).encode().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    /** The format that serves a path, if another protocol's. */
    static java.util.Optional<ErrorFormat> format(Instance<ErrorFormat> formats, String path) {
        return formats.stream().filter(format -> format.serves(path)).findFirst();
    }

    /** MLflow's error body on MLflow paths, an RFC 9457 problem elsewhere. */
    static Map<String, Object> body(String path, int status, String code, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (isMlflowPath(path)) {
            body.put("error_code", code);
            body.put("message", message);
            return body;
        }
        Response.Status known = Response.Status.fromStatusCode(status);
        body.put("type", "about:blank");
        body.put("title", known == null ? "Error" : known.getReasonPhrase());
        body.put("status", status);
        body.put("detail", message);
        body.put("instance", path);
        body.put("error_code", code);
        return body;
    }

    static MediaType contentType(String path) {
        return isMlflowPath(path) ? MediaType.APPLICATION_JSON_TYPE : PROBLEM_JSON;
    }

    static boolean isMlflowPath(String path) {
        // MLflow's client reads {"error_code", "message"} on every path it calls: v3, v2 (its fallbacks, runs) and /version
        return path.startsWith("/api/3.0/mlflow/") || path.startsWith("/api/2.0/mlflow/") || path.equals("/version");
    }

    private static boolean isTruncated(JacksonException e) {
        return e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Unexpected end-of-input");
    }

    private static String describe(JacksonException e) {
        if (e instanceof InvalidJsonTextException) {
            return e.getOriginalMessage();
        }
        for (Throwable t = e.getCause(); t != null && t != e; t = t.getCause()) {
            // a parser's failure met while binding a body: the text itself is at fault, where the parser stopped
            if (t instanceof JsonParseException parse && !(t instanceof InvalidJsonTextException) && JsonPaths.duplicateKey(parse).isEmpty()) {
                return plainJsonError(parse);
            }
        }
        java.util.Optional<String> duplicate = JsonPaths.duplicateKey(e);
        if (duplicate.isPresent()) {
            return "The body is not valid JSON: " + duplicate.get();
        }
        if (e instanceof com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException unknown) {
            java.util.List<String> known = unknown.getKnownPropertyIds() == null ? java.util.List.of()
                    : unknown.getKnownPropertyIds().stream().map(String::valueOf).toList();
            return UnknownFields.describe(unknown.getPropertyName(), JsonPaths.of(unknown.getPath()), known);
        }
        if (e instanceof JsonParseException || isTruncated(e)) {
            return plainJsonError(e);
        }
        if (e instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            String path = JsonPaths.of(mapping.getPath());
            String reason = e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null
                    ? "expected " + friendlyType(mismatch.getTargetType())
                    : firstLine(e.getOriginalMessage());
            if (e instanceof com.fasterxml.jackson.databind.exc.InvalidFormatException format && format.getTargetType() != null
                    && WholeNumbers.expected(format.getTargetType()) != null) {
                reason += ", not " + format.getValue();
            }
            return "Invalid value at '" + path + "': " + reason;
        }
        if (e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
            // Jackson's own words would name the Java type the body is read into
            return "The body must be " + friendlyType(mismatch.getTargetType());
        }
        return "The body could not be read: " + firstLine(e.getOriginalMessage());
    }

    /**
     * A parser's complaint in plain words, with the line and column it stopped at: "The body is not valid JSON at line 3,
     * column 5: unexpected '}'...". Never the parser's own internals (its source description, character codes, the
     * settings it names).
     */
    public static String plainJsonError(JacksonException e) {
        String reason = e.getOriginalMessage() == null ? "unreadable" : e.getOriginalMessage();
        reason = firstLine(reason)
                .replaceAll(" \\(code -?\\d+\\)", "")
                .replaceAll("\\(start marker at \\[Source: [^;\\]]*; line: (\\d+), column: (\\d+)\\]\\)", "(opened at line $1, column $2)")
                .replaceAll("\\s*at \\[Source:.*$", "")
                .replace("was expecting (JSON String, Number, Array, Object or token 'null', 'true' or 'false')", "where a JSON value belongs")
                .replace("Unexpected end-of-input", "The body ends too early")
                .replace("expected close marker for Object", "an object is not closed")
                .replace("expected close marker for Array", "an array is not closed");
        com.fasterxml.jackson.core.JsonLocation at = e.getLocation();
        String where = at == null || at.getLineNr() < 1 ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
        return "The body is not valid JSON" + where + ": " + Character.toLowerCase(reason.charAt(0)) + reason.substring(1);
    }

    private static String friendlyType(Class<?> type) {
        if (type == String.class) {
            return "a string";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "a boolean";
        }
        if (WholeNumbers.expected(type) != null) {
            return WholeNumbers.expected(type);
        }
        if (Number.class.isAssignableFrom(type) || type.isPrimitive()) {
            return "a number";
        }
        if (type == java.time.Instant.class) {
            return "an RFC 3339 timestamp such as 2025-11-20T10:15:30.123Z";
        }
        if (java.util.Map.class.isAssignableFrom(type) || type.isRecord()) {
            return "an object";
        }
        if (java.util.Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        if (type.isEnum()) {
            return "one of " + java.util.Arrays.toString(type.getEnumConstants());
        }
        return "a value of another type";
    }

    /** The first line of a parser's message, at most 300 characters: enough to say what is wrong, never a whole body. */
    public static String firstLine(String message) {
        return message == null ? "unreadable" : ShortText.firstLine(message, 300);
    }
}
