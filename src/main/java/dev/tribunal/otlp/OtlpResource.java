package dev.tribunal.otlp;

import dev.tribunal.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import com.google.rpc.Code;
import com.google.rpc.Status;
import dev.tribunal.otlp.OtlpCodec.BadBody;
import dev.tribunal.otlp.OtlpCodec.Encoding;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Uni;
import io.vertx.pgclient.PgException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The OTLP/HTTP traces endpoint: an application's OpenTelemetry exporter pointed here sends its spans,
 * which become Tribunal traces. Responses follow the OTLP/HTTP specification rather than the rest of the
 * API: an ExportTraceServiceResponse (with {@code partial_success} when spans were refused) or, for an
 * error, a {@code google.rpc.Status}, each in the request's encoding. Failures of the database are 503,
 * which exporters retry. Decoding runs on a worker thread, never on the event loop: a large body takes
 * milliseconds to decompress and decode.
 */
@Path("/v1/traces")
@RolesAllowed(Roles.INGEST)
public class OtlpResource {

    private static final Logger LOG = Logger.getLogger(OtlpResource.class);

    private final OtlpIngestService ingest;
    private final long maxUncompressedSize;
    private final long maxBytesInFlight;
    private final AtomicLong bytesInFlight = new AtomicLong();

    OtlpResource(OtlpIngestService ingest, OtlpConfig config) {
        this.ingest = ingest;
        this.maxUncompressedSize = config.maxUncompressedSize().asLongValue();
        this.maxBytesInFlight = config.maxBytesInFlight().asLongValue();
    }

    @POST
    @Blocking
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> export(byte[] body, @HeaderParam("Content-Type") String contentType,
                                @HeaderParam("Content-Encoding") String contentEncoding) {
        Encoding encoding = Encoding.of(contentType);
        if (encoding == null) {
            return Uni.createFrom().item(status(415, Code.INVALID_ARGUMENT, Encoding.JSON,
                    "Content-Type must be application/x-protobuf or application/json, not '" + contentType + "'"));
        }
        byte[] received = body == null ? new byte[0] : body;
        byte[] bytes;
        try {
            bytes = OtlpCodec.decompress(received, contentEncoding, maxUncompressedSize);
        } catch (BadBody e) {
            return Uni.createFrom().item(status(e.status, Code.INVALID_ARGUMENT, encoding, e.getMessage()));
        }
        long size = received.length + (bytes == received ? 0 : bytes.length);
        if (!reserve(size)) {
            return Uni.createFrom().item(retryAfter(1, status(503, Code.UNAVAILABLE, encoding,
                    "Other exports are being stored (tribunal.otlp.max-bytes-in-flight); send this one again shortly")));
        }
        OtlpBatch batch;
        try {
            batch = OtlpBatch.of(OtlpCodec.decode(bytes, encoding));
        } catch (BadBody e) {
            bytesInFlight.addAndGet(-size);
            return Uni.createFrom().item(status(e.status, Code.INVALID_ARGUMENT, encoding, e.getMessage()));
        } catch (RuntimeException e) {
            bytesInFlight.addAndGet(-size);
            LOG.errorf(e, "An OTLP export could not be read");
            return Uni.createFrom().item(status(400, Code.INVALID_ARGUMENT, encoding,
                    "The export could not be read: " + e.getClass().getSimpleName()));
        }
        if (batch.spans().isEmpty() && batch.refused() > 0) {
            bytesInFlight.addAndGet(-size);
            ingest.countRefused(batch.refused());
            return Uni.createFrom().item(status(400, Code.INVALID_ARGUMENT, encoding,
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
                .onFailure().recoverWithItem(failure -> failed(failure, batch, encoding))
                .eventually(() -> bytesInFlight.addAndGet(-size));
    }

    /** Takes {@code size} bytes of the in-flight budget; an export arriving when none is in flight always gets them. */
    private boolean reserve(long size) {
        while (true) {
            long current = bytesInFlight.get();
            if (current > 0 && current + size > maxBytesInFlight) {
                return false;
            }
            if (bytesInFlight.compareAndSet(current, current + size)) {
                return true;
            }
        }
    }

    private static Response failed(Throwable failure, OtlpBatch batch, Encoding encoding) {
        if (failure instanceof PgException pg && pg.getSqlState() != null && pg.getSqlState().startsWith("22")) {
            // a value PostgreSQL refuses (a data exception): sending the same export again would fail again
            LOG.warnf("%d OTLP spans were refused by the database: %s", batch.spans().size(), pg.getErrorMessage());
            return status(400, Code.INVALID_ARGUMENT, encoding, "The export holds a value the database refuses, nothing was stored: "
                    + pg.getErrorMessage());
        }
        LOG.errorf(failure, "Storing %d OTLP spans failed", batch.spans().size());
        return retryAfter(5, status(503, Code.UNAVAILABLE, encoding, "The spans could not be stored now; send them again later"));
    }

    private static Response retryAfter(int seconds, Response response) {
        return Response.fromResponse(response).header("Retry-After", Integer.toString(seconds)).build();
    }

    static Response status(int httpStatus, Code code, Encoding encoding, String message) {
        Status status = Status.newBuilder().setCode(code.getNumber()).setMessage(message).build();
        return Response.status(httpStatus).entity(OtlpCodec.encode(status, encoding)).type(encoding.mediaType).build();
    }
}
