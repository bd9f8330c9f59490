package dev.tribunal.llm;

import dev.langchain4j.http.client.HttpClient;
import dev.langchain4j.http.client.HttpClientBuilder;
import dev.langchain4j.http.client.HttpRequest;
import dev.langchain4j.http.client.SuccessfulHttpResponse;
import dev.langchain4j.http.client.sse.ServerSentEventListener;
import dev.langchain4j.http.client.sse.ServerSentEventParser;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * LangChain4j's HTTP transport for one provider, on the JDK client. It keeps the response headers of
 * failed calls (Retry-After) and abandons a call at its deadline, even when the provider hangs after
 * sending headers: the waiting thread is freed and the exchange cancelled.
 */
final class ProviderHttpClient implements HttpClient {

    /** OpenAI's reset durations, e.g. 1s, 6m0s, 20ms, 1h2m3.5s; each number at most 9 digits. */
    private static final Pattern RESET = Pattern.compile("(?:(\\d{1,9})h)?(?:(\\d{1,9})m(?!s))?(?:(\\d{1,9}(?:\\.\\d{1,9})?)s)?(?:(\\d{1,9})ms)?");
    private static final Pattern SECONDS = Pattern.compile("\\d{1,9}(?:\\.\\d{1,9})?");

    private final java.net.http.HttpClient client;
    private final Duration timeout;

    ProviderHttpClient(java.net.http.HttpClient client, Duration timeout) {
        this.client = client;
        this.timeout = timeout;
    }

    /** The builder LangChain4j asks for; the timeout it passes is the per-call deadline. */
    static HttpClientBuilder builder(java.net.http.HttpClient client) {
        return new HttpClientBuilder() {
            private Duration connectTimeout;
            private Duration readTimeout;

            @Override
            public Duration connectTimeout() {
                return connectTimeout;
            }

            @Override
            public HttpClientBuilder connectTimeout(Duration timeout) {
                this.connectTimeout = timeout;
                return this;
            }

            @Override
            public Duration readTimeout() {
                return readTimeout;
            }

            @Override
            public HttpClientBuilder readTimeout(Duration timeout) {
                this.readTimeout = timeout;
                return this;
            }

            @Override
            public HttpClient build() {
                return new ProviderHttpClient(client, readTimeout == null ? Duration.ofSeconds(60) : readTimeout);
            }
        };
    }

    @Override
    public SuccessfulHttpResponse execute(HttpRequest request) {
        java.net.http.HttpRequest.Builder builder = java.net.http.HttpRequest.newBuilder(URI.create(request.url()))
                .timeout(timeout)
                .method(request.method().name(), request.body() == null
                        ? java.net.http.HttpRequest.BodyPublishers.noBody()
                        : java.net.http.HttpRequest.BodyPublishers.ofString(request.body()));
        request.headers().forEach((name, values) -> values.forEach(value -> builder.header(name, value)));
        CompletableFuture<HttpResponse<String>> call = client.sendAsync(builder.build(), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> response;
        try {
            response = call.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            call.cancel(true);
            throw new ProviderTimeoutException(timeout);
        } catch (InterruptedException e) {
            call.cancel(true);
            Thread.currentThread().interrupt();
            throw new ProviderTimeoutException(timeout);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof java.net.http.HttpTimeoutException) {
                throw new ProviderTimeoutException(timeout);
            }
            throw cause instanceof RuntimeException runtime ? runtime : new ProviderConnectionException(cause);
        }
        Map<String, List<String>> headers = response.headers().map();
        if (response.statusCode() < 200 || response.statusCode() >= 300) {
            throw new ProviderHttpException(response.statusCode(), response.body(), retryAfter(response).orElse(null));
        }
        return SuccessfulHttpResponse.builder().statusCode(response.statusCode()).headers(headers).body(response.body()).build();
    }

    @Override
    public void execute(HttpRequest request, ServerSentEventParser parser, ServerSentEventListener listener) {
        throw new UnsupportedOperationException("Judges do not stream");
    }

    /** Retry-After (seconds or an HTTP date), else OpenAI's x-ratelimit-reset-requests / -tokens (e.g. 1s, 6m0s, 20ms). */
    static Optional<Duration> retryAfter(HttpResponse<?> response) {
        Optional<String> header = response.headers().firstValue("retry-after");
        if (header.isPresent()) {
            String value = header.get().trim();
            if (SECONDS.matcher(value).matches()) {
                return Optional.of(Duration.ofMillis((long) (Double.parseDouble(value) * 1000)));
            } else {
                try {
                    Instant at = ZonedDateTime.parse(value, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
                    Duration wait = Duration.between(Instant.now(), at);
                    return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
                } catch (DateTimeParseException ignored) {
                    // fall through to the rate-limit reset headers
                }
            }
        }
        Duration longest = null;
        for (String name : List.of("x-ratelimit-reset-requests", "x-ratelimit-reset-tokens")) {
            Optional<Duration> reset = response.headers().firstValue(name).flatMap(ProviderHttpClient::parseReset);
            if (reset.isPresent() && (longest == null || reset.get().compareTo(longest) > 0)) {
                longest = reset.get();
            }
        }
        return Optional.ofNullable(longest);
    }

    static Optional<Duration> parseReset(String text) {
        Matcher m = RESET.matcher(text.trim());
        if (!m.matches() || text.isBlank()) {
            return Optional.empty();
        }
        double millis = 0;
        if (m.group(1) != null) {
            millis += Long.parseLong(m.group(1)) * 3_600_000d;
        }
        if (m.group(2) != null) {
            millis += Long.parseLong(m.group(2)) * 60_000d;
        }
        if (m.group(3) != null) {
            millis += Double.parseDouble(m.group(3)) * 1000;
        }
        if (m.group(4) != null) {
            millis += Long.parseLong(m.group(4));
        }
        return Optional.of(Duration.ofMillis((long) millis));
    }

    /** The provider did not answer within the deadline. */
    static final class ProviderTimeoutException extends RuntimeException {
        ProviderTimeoutException(Duration timeout) {
            super("no answer within " + timeout.toMillis() + " ms", null, false, false);
        }
    }

    /** The provider could not be reached. */
    static final class ProviderConnectionException extends RuntimeException {
        ProviderConnectionException(Throwable cause) {
            super(cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage()), cause);
        }
    }
}
