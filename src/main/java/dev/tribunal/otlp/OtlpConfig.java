package dev.tribunal.otlp;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** OTLP/HTTP trace ingestion at {@code POST /v1/traces}. */
@ConfigMapping(prefix = "tribunal.otlp")
public interface OtlpConfig {

    /**
     * The largest body once decompressed; larger ones are refused with 413. The compressed body is bounded by
     * {@code quarkus.http.limits.max-body-size}; this bounds what a small gzip body may expand to. 32M holds an
     * SDK's default batch (512 spans) even with prompts and documents of 60 KB in every span. Inflated bytes count
     * towards {@code tribunal.http.max-body-bytes-in-flight} too, as they are inflated.
     */
    @WithDefault("32M")
    MemorySize maxUncompressedSize();
}
