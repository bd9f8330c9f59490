package dev.tribunal.system;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;

import java.util.Optional;

/** Limits of the HTTP layer that Quarkus' own settings ({@code quarkus.http.limits.*}) do not cover. */
@ConfigMapping(prefix = "tribunal.http")
public interface BodyBudgetConfig {

    /**
     * The bytes of request bodies that all requests together may hold at once, on every endpoint that takes a body:
     * each body as received (its declared {@code Content-Length}, reserved before it is read; a body sent in chunks,
     * whose size is known only once read, reserves {@code quarkus.http.limits.max-body-size}) and, for an OTLP export
     * sent with gzip, its bytes once inflated (reserved before they are inflated: the size its gzip trailer states at
     * once, anything beyond it step by step). A request holds its share until it is answered or its connection closes,
     * since what was decoded from its body lives that long. A request that would go over it gets 503 with
     * {@code Retry-After}; one that finds nothing else in flight is always taken, however large, so that large legal
     * bodies are not starved.
     * <p>
     * What this bounds is the bytes; what it does not bound is what they become: reading a body copies it once, and
     * decoding JSON or protobuf takes objects worth a few times its size (more for JSON of many small values), so the
     * heap that bodies in flight can take is a small multiple of this. Unset, it is an eighth of the maximum heap
     * ({@code -Xmx}), which leaves room for that multiple and for everything else.
     */
    Optional<MemorySize> maxBodyBytesInFlight();
}
