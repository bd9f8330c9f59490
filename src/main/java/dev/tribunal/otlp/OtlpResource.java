package dev.tribunal.otlp;

import dev.tribunal.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import dev.tribunal.otlp.OtlpCodec.BadBody;
import dev.tribunal.otlp.OtlpCodec.Encoding;
import dev.tribunal.system.BodyBudget;
import dev.tribunal.system.ErrorFormat;
import dev.tribunal.system.TemporarilyUnavailableException;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import io.vertx.pgclient.PgException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.io.InputStream;

/**
 * The OTLP/HTTP traces endpoint: an application's OpenTelemetry exporter pointed here sends its spans,
 * which become Tribunal traces. Responses follow the OTLP/HTTP specification rather than the rest of the
 * API: an ExportTraceServiceResponse (with {@code partial_success} when spans were refused) or, for an
 * error, a {@code google.rpc.Status}, each in the request's encoding. Failures of the database are 503,
 * which exporters retry, as is an export that does not fit in the memory for bodies in flight now. Decoding
 * runs on a worker thread, never on the event loop: a large body takes milliseconds to decompress and decode.
 */
@Path("/v1/traces")
@RolesAllowed(Roles.INGEST)
public class OtlpResource {

    private static final Logger LOG = Logger.getLogger(OtlpResource.class);

    private final OtlpIngestService ingest;
    private final BodyBudget bodies;
    private final long maxUncompressedSize;

    OtlpResource(OtlpIngestService ingest, BodyBudget bodies, OtlpConfig config) {
        this.ingest = ingest;
        this.bodies = bodies;
        this.maxUncompressedSize = config.maxUncompressedSize().asLongValue();
    }

    /**
     * The body as received is reserved from the memory for bodies in flight before it is read (by the router, as
     * every body is); what it inflates to is reserved as it is inflated; both are held until the answer is sent.
     */
    @POST
    @Blocking
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> export(byte[] body, @HeaderParam("Content-Type") String contentType,
                                @HeaderParam("Content-Encoding") String contentEncoding,
                                @HeaderParam("x-mlflow-experiment-id") String experimentId, RoutingContext routing) {
        Encoding encoding = Encoding.of(contentType);
        if (encoding == null) {
            return Uni.createFrom().item(status(415, Encoding.JSON,
                    "Content-Type must be application/x-protobuf or application/json, not '" + contentType + "'"));
        }
        OtlpBatch batch;
        try {
            InputStream bytes = OtlpCodec.decompress(body == null ? new byte[0] : body, contentEncoding, maxUncompressedSize,
                    bodies.reservation(routing));
            batch = OtlpBatch.of(OtlpCodec.decode(bytes, encoding), experimentId);
        } catch (BadBody e) {
            return Uni.createFrom().item(status(e.status, encoding, e.getMessage()));
        } catch (TemporarilyUnavailableException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.errorf(e, "An OTLP export could not be read");
            return Uni.createFrom().item(status(400, encoding,
                    "The export could not be read: " + e.getClass().getSimpleName()));
        }
        if (batch.spans().isEmpty() && batch.refused() > 0) {
            ingest.countRefused(batch.refused());
            return Uni.createFrom().item(status(400, encoding,
                    "Every span (" + batch.refused() + ") was refused, nothing was stored: " + batch.refusal()));
        }
        ingest.countRefused(batch.refused());
        return ingest.store(batch)
                .map(stored -> {
                    ExportTraceServiceResponse.Builder response = ExportTraceServiceResponse.newBuilder();
                    if (batch.refused() > 0) {
                        response.setPartialSuccess(ExportTracePartialSuccess.newBuilder()
                                .setRejectedSpans(batch.refused())
                                .setErrorMessage(batch.refused() + " span(s) refused, the others were stored: " + batch.refusal()));
                    }
                    return Response.ok(OtlpCodec.encode(response.build(), encoding), encoding.mediaType).build();
                })
                .onFailure().recoverWithItem(failure -> failed(failure, batch, encoding));
    }

    private static Response failed(Throwable failure, OtlpBatch batch, Encoding encoding) {
        if (failure instanceof PgException pg && pg.getSqlState() != null && pg.getSqlState().startsWith("22")) {
            // a value PostgreSQL refuses (a data exception): sending the same export again would fail again
            LOG.warnf("%d OTLP spans were refused by the database: %s", batch.spans().size(), pg.getErrorMessage());
            return status(400, encoding, "The export holds a value the database refuses, nothing was stored: "
                    + pg.getErrorMessage());
        }
        LOG.errorf(failure, "Storing %d OTLP spans failed", batch.spans().size());
        return retryAfter(5, status(503, encoding, "The spans could not be stored now; send them again later"));
    }

    private static Response retryAfter(int seconds, Response response) {
        return Response.fromResponse(response).header("Retry-After", Integer.toString(seconds)).build();
    }

    private static Response status(int httpStatus, Encoding encoding, String message) {
        ErrorFormat.Answer answer = OtlpErrorFormat.answer(httpStatus, message, encoding);
        return Response.status(httpStatus).entity(answer.body()).type(answer.mediaType()).build();
    }
}
