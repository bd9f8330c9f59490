package dev.tribunal.otlp;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** OTLP/HTTP trace ingestion at {@code POST /v1/traces}. */
@ConfigMapping(prefix = "tribunal.otlp")
public interface OtlpConfig {

    /**
     * The largest body once decompressed; larger ones are refused with 413. The compressed body is bounded by
     * {@code quarkus.http.limits.max-body-size}; this bounds what a small gzip body may expand to. 64M holds
     * the OpenTelemetry SDKs' default batches (512 spans) many times over.
     */
    @WithDefault("64M")
    MemorySize maxUncompressedSize();
}
