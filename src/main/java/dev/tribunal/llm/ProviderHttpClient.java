package dev.tribunal.llm;

import dev.langchain4j.http.client.HttpClient;
import dev.langchain4j.http.client.HttpClientBuilder;
import dev.langchain4j.http.client.HttpRequest;
import dev.langchain4j.http.client.SuccessfulHttpResponse;
import dev.langchain4j.http.client.sse.ServerSentEventListener;
import dev.langchain4j.http.client.sse.ServerSentEventParser;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * LangChain4j's HTTP transport for one provider, on Vert.x's client (the event loops Quarkus already runs, a pool of
 * kept-alive connections per provider): the calling thread only waits for the answer. It keeps the response headers of
 * failed calls (Retry-After) and abandons a call at its deadline, even when the provider hangs after sending headers:
 * the waiting thread is freed and the connection reset.
 */
final class ProviderHttpClient implements HttpClient {

    /** OpenAI's reset durations, e.g. 1s, 6m0s, 20ms, 1h2m3.5s; each number at most 9 digits. */
    private static final Pattern RESET = Pattern.compile("(?:(\\d{1,9})h)?(?:(\\d{1,9})m(?!s))?(?:(\\d{1,9}(?:\\.\\d{1,9})?)s)?(?:(\\d{1,9})ms)?");
    private static final Pattern SECONDS = Pattern.compile("\\d{1,9}(?:\\.\\d{1,9})?");

    private final io.vertx.core.http.HttpClient client;
    private final Duration timeout;

    ProviderHttpClient(io.vertx.core.http.HttpClient client, Duration timeout) {
        this.client = client;
        this.timeout = timeout;
    }

    /** A provider's connections: HTTP/1.1, kept alive, as many as its calls in flight. */
    static io.vertx.core.http.HttpClient connections(Vertx vertx, int maxConcurrency) {
        return vertx.createHttpClient(new HttpClientOptions()
                        .setProtocolVersion(HttpVersion.HTTP_1_1)
                        .setConnectTimeout(10_000)
                        .setKeepAlive(true)
                        // providers behind a CDN pick their certificate by the name asked for
                        .setForceSni(true),
                new PoolOptions().setHttp1MaxSize(Math.max(1, maxConcurrency)));
    }

    /** The builder LangChain4j asks for; the timeout it passes is the per-call deadline. */
    static HttpClientBuilder builder(io.vertx.core.http.HttpClient client) {
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

    /** A provider's answer as read. */
    private record Answer(int status, MultiMap headers, String body) {
    }

    @Override
    public SuccessfulHttpResponse execute(HttpRequest request) {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.valueOf(request.method().name())).setAbsoluteURI(request.url());
        AtomicReference<HttpClientRequest> exchange = new AtomicReference<>();
        Future<Answer> answer = client.request(options).compose(sent -> {
            exchange.set(sent);
            request.headers().forEach((name, values) -> sent.putHeader(name, values));
            Future<io.vertx.core.http.HttpClientResponse> response = request.body() == null ? sent.send()
                    : sent.send(Buffer.buffer(request.body().getBytes(StandardCharsets.UTF_8)));
            return response.compose(r -> r.body().map(body -> new Answer(r.statusCode(), r.headers(), body.toString(StandardCharsets.UTF_8))));
        });
        Answer response;
        try {
            response = answer.toCompletionStage().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            abandon(exchange.get());
            throw new ProviderTimeoutException(timeout);
        } catch (InterruptedException e) {
            abandon(exchange.get());
            Thread.currentThread().interrupt();
            throw new ProviderTimeoutException(timeout);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof TimeoutException || cause instanceof io.netty.handler.timeout.TimeoutException) {
                throw new ProviderTimeoutException(timeout);
            }
            throw new ProviderConnectionException(cause);
        }
        if (response.status() < 200 || response.status() >= 300) {
            throw new ProviderHttpException(response.status(), response.body(), retryAfter(response.headers()::get).orElse(null));
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        response.headers().names().forEach(name -> headers.put(name, response.headers().getAll(name)));
        return SuccessfulHttpResponse.builder().statusCode(response.status()).headers(headers).body(response.body()).build();
    }

    /** A call given up: its connection is reset rather than left to the provider. */
    private static void abandon(HttpClientRequest exchange) {
        if (exchange != null) {
            exchange.reset();
        }
    }

    @Override
    public void execute(HttpRequest request, ServerSentEventParser parser, ServerSentEventListener listener) {
        throw new UnsupportedOperationException("Judges do not stream");
    }

    /** Retry-After (seconds or an HTTP date), else OpenAI's x-ratelimit-reset-requests / -tokens (e.g. 1s, 6m0s, 20ms). */
    static Optional<Duration> retryAfter(java.util.function.Function<String, String> header) {
        Optional<String> retryAfter = Optional.ofNullable(header.apply("retry-after"));
        if (retryAfter.isPresent()) {
            String value = retryAfter.get().trim();
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
            Optional<Duration> reset = Optional.ofNullable(header.apply(name)).flatMap(ProviderHttpClient::parseReset);
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
