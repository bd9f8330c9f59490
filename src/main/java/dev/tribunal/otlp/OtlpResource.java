package dev.tribunal.otlp;

import com.google.rpc.Code;
import com.google.rpc.Status;
import dev.tribunal.otlp.OtlpCodec.BadBody;
import dev.tribunal.otlp.OtlpCodec.Encoding;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.logging.Logger;

/**
 * The OTLP/HTTP traces endpoint: an application's OpenTelemetry exporter pointed here sends its spans,
 * which become Tribunal traces. Responses follow the OTLP/HTTP specification rather than the rest of the
 * API: an ExportTraceServiceResponse (with {@code partial_success} when spans were refused) or, for an
 * error, a {@code google.rpc.Status}, each in the request's encoding. Failures of the database are 503,
 * which exporters retry.
 */
@Path("/v1/traces")
public class OtlpResource {

    private static final Logger LOG = Logger.getLogger(OtlpResource.class);

    private final OtlpIngestService ingest;
    private final long maxUncompressedSize;

    OtlpResource(OtlpIngestService ingest, OtlpConfig config) {
        this.ingest = ingest;
        this.maxUncompressedSize = config.maxUncompressedSize().asLongValue();
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    public Uni<Response> export(byte[] body, @HeaderParam("Content-Type") String contentType,
                                @HeaderParam("Content-Encoding") String contentEncoding) {
        Encoding encoding = Encoding.of(contentType);
        if (encoding == null) {
            return Uni.createFrom().item(status(415, Code.INVALID_ARGUMENT, Encoding.JSON,
                    "Content-Type must be application/x-protobuf or application/json, not '" + contentType + "'"));
        }
        OtlpBatch batch;
        try {
            ExportTraceServiceRequest request = OtlpCodec.decode(body == null ? new byte[0] : body, encoding, contentEncoding,
                    maxUncompressedSize);
            batch = OtlpBatch.of(request);
        } catch (BadBody e) {
            return Uni.createFrom().item(status(e.status, Code.INVALID_ARGUMENT, encoding, e.getMessage()));
        }
        if (batch.spans().isEmpty() && batch.refused() > 0) {
            return Uni.createFrom().item(status(400, Code.INVALID_ARGUMENT, encoding,
                    "Every span (" + batch.refused() + ") was refused, nothing was stored: " + batch.refusal()));
        }
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
                .onFailure().recoverWithItem(failure -> {
                    LOG.errorf(failure, "Storing %d OTLP spans failed", batch.spans().size());
                    return status(503, Code.UNAVAILABLE, encoding, "The spans could not be stored now; send them again later");
                });
    }

    private static Response status(int httpStatus, Code code, Encoding encoding, String message) {
        Status status = Status.newBuilder().setCode(code.getNumber()).setMessage(message).build();
        Response.ResponseBuilder response = Response.status(httpStatus).entity(OtlpCodec.encode(status, encoding)).type(encoding.mediaType);
        if (httpStatus == 503) {
            response.header("Retry-After", "5");
        }
        return response.build();
    }
}
