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
     * SDK's default batch (512 spans) even with prompts and documents of 60 KB in every span.
     */
    @WithDefault("32M")
    MemorySize maxUncompressedSize();

    /**
     * Bodies (as received plus decompressed) being decoded and stored at once; an export that would go over
     * it is answered 503 with Retry-After, which exporters retry. Decoding takes a few times a body's size in
     * memory, so this bounds the memory that exports can take together. One export is always taken.
     */
    @WithDefault("64M")
    MemorySize maxBytesInFlight();
}
