package dev.tribunal.otlp;

import dev.tribunal.TestSecurity;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.internal.http.HttpExporter;
import io.opentelemetry.exporter.internal.http.HttpExporterBuilder;
import io.opentelemetry.exporter.internal.marshal.Marshaler;
import io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.internal.StandardComponentId;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.opentelemetry.sdk.trace.export.SpanExporter;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An application instrumented with the OpenTelemetry SDK, exporting to Tribunal with the SDK's own OTLP/HTTP
 * exporter: every span is exported on its own as it ends (so a trace arrives in several exports, children
 * before their parent), and every exported span is remembered so that it can be sent again.
 */
final class OtlpClient implements AutoCloseable {

    /** How the exporter encodes its requests. */
    enum Encoding { PROTOBUF, PROTOBUF_GZIP, JSON, JSON_GZIP }

    private final SpanExporter exporter;
    private final List<SpanData> exported = new ArrayList<>();
    private final SdkTracerProvider provider;
    final Tracer tracer;

    private final boolean batched;
    private final List<SpanData> pending = new ArrayList<>();

    OtlpClient(String endpoint, Encoding encoding, Attributes resource) {
        this(endpoint, encoding, resource, false);
    }

    /** @param batched spans are held until {@link #flush()} sends them all in one export, as a BatchSpanProcessor does */
    OtlpClient(String endpoint, Encoding encoding, Attributes resource, boolean batched) {
        this.batched = batched;
        this.exporter = exporter(endpoint, encoding);
        SpanExporter recording = new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
                synchronized (exported) {
                    exported.addAll(spans);
                    if (OtlpClient.this.batched) {
                        pending.addAll(spans);
                        return CompletableResultCode.ofSuccess();
                    }
                }
                CompletableResultCode result = exporter.export(spans);
                assertTrue(result.join(10, TimeUnit.SECONDS).isSuccess(), "export of " + spans.size() + " span(s) accepted");
                return result;
            }

            @Override
            public CompletableResultCode flush() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
                return CompletableResultCode.ofSuccess();
            }
        };
        this.provider = SdkTracerProvider.builder()
                .setResource(Resource.create(resource))
                .addSpanProcessor(SimpleSpanProcessor.create(recording))
                .build();
        this.tracer = provider.get("tribunal-tests");
    }

    static SpanExporter exporter(String endpoint, Encoding encoding) {
        boolean gzip = encoding == Encoding.PROTOBUF_GZIP || encoding == Encoding.JSON_GZIP;
        if (encoding == Encoding.PROTOBUF || encoding == Encoding.PROTOBUF_GZIP) {
            return OtlpHttpSpanExporter.builder().setEndpoint(endpoint).setCompression(gzip ? "gzip" : "none")
                    .addHeader("Authorization", "Bearer " + TestSecurity.ADMIN_KEY).build();
        }
        // the SDK writes OTLP JSON with its own marshaler; its public builder only offers protobuf
        HttpExporter<Marshaler> json = new HttpExporterBuilder<>(StandardComponentId.ExporterType.OTLP_HTTP_JSON_SPAN_EXPORTER, endpoint)
                .setCompression(gzip ? "gzip" : "none")
                .addConstantHeaders("Authorization", "Bearer " + TestSecurity.ADMIN_KEY)
                .exportAsJson()
                .build();
        return new SpanExporter() {
            @Override
            public CompletableResultCode export(Collection<SpanData> spans) {
                return json.export(TraceRequestMarshaler.create(spans), spans.size());
            }

            @Override
            public CompletableResultCode flush() {
                return CompletableResultCode.ofSuccess();
            }

            @Override
            public CompletableResultCode shutdown() {
                return json.shutdown();
            }
        };
    }

    static Attributes attributes(String... keyValues) {
        AttributesBuilder builder = Attributes.builder();
        for (int i = 0; i < keyValues.length; i += 2) {
            builder.put(AttributeKey.stringKey(keyValues[i]), keyValues[i + 1]);
        }
        return builder.build();
    }

    /** A span started now, as a child of {@code parent} (a root when null), with string attributes. */
    Span start(String name, Span parent, String... keyValues) {
        SpanBuilder builder = tracer.spanBuilder(name).setAllAttributes(attributes(keyValues));
        builder = parent == null ? builder.setNoParent() : builder.setParent(Context.root().with(parent));
        return builder.startSpan();
    }

    /** Tribunal's id of a span's trace. */
    static String traceId(Span span) {
        return "tr-" + span.getSpanContext().getTraceId();
    }

    /** Sends the spans held so far in one export. */
    void flush() {
        List<SpanData> batch;
        synchronized (exported) {
            batch = List.copyOf(pending);
            pending.clear();
        }
        assertTrue(exporter.export(batch).join(10, TimeUnit.SECONDS).isSuccess(), "export of " + batch.size() + " spans accepted");
    }

    /** Sends every span exported so far again, in one export. */
    void exportAllAgain() {
        List<SpanData> copy;
        synchronized (exported) {
            copy = List.copyOf(exported);
        }
        assertTrue(exporter.export(copy).join(10, TimeUnit.SECONDS).isSuccess(), "re-export accepted");
    }

    @Override
    public void close() {
        provider.shutdown().join(10, TimeUnit.SECONDS);
        exporter.shutdown().join(10, TimeUnit.SECONDS);
    }
}
