package dev.tribunal.llm;

import dev.langchain4j.exception.HttpException;

import java.time.Duration;
import java.util.Optional;

/**
 * A non-2xx answer of a provider, with what LangChain4j's own exception drops: how long the provider
 * asked us to wait ({@code Retry-After}, {@code x-ratelimit-reset-*}).
 */
final class ProviderHttpException extends HttpException {

    private final Duration retryAfter;

    ProviderHttpException(int statusCode, String body, Duration retryAfter) {
        super(statusCode, body);
        this.retryAfter = retryAfter;
    }

    Optional<Duration> retryAfter() {
        return Optional.ofNullable(retryAfter);
    }
}
