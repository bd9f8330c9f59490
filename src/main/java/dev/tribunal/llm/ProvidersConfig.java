package dev.tribunal.llm;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithParentName;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * OpenAI-compatible providers that judges call, by name: {@code tribunal.providers.<name>.*}. A
 * judge's model {@code openai:/gpt-4o-mini} names provider {@code openai} and model {@code gpt-4o-mini}.
 */
@ConfigMapping(prefix = "tribunal.providers")
public interface ProvidersConfig {

    /** Every configured provider by name. */
    @WithParentName
    Map<String, Provider> providers();

    /** Whose budget a provider's requests and tokens per minute are. */
    enum BudgetScope {
        /** One budget for every Tribunal process on the database. */
        CLUSTER,
        /** Each process's own. */
        PROCESS
    }

    /** One OpenAI-compatible endpoint (OpenAI, vLLM, Ollama's /v1, LiteLLM, a gateway). */
    interface Provider {

        /** Base URL of the OpenAI-compatible API, e.g. {@code https://api.openai.com/v1}. */
        String baseUrl();

        /** Bearer key; never logged, returned or stored. Empty for servers that need none. */
        Optional<String> apiKey();

        /**
         * Whether calls without an API key fail at once as AUTHENTICATION_FAILED instead of being sent:
         * true for hosted APIs, false (the default) for local servers that need no key.
         */
        @WithDefault("false")
        boolean requireApiKey();

        /** Calls in flight at once, for the whole provider. */
        @WithDefault("16")
        int maxConcurrency();

        /**
         * {@code cluster} (default): the requests and tokens per minute are one budget for every
         * Tribunal process on the same database, kept in PostgreSQL; {@code process}: each process has
         * the whole budget to itself, drawn in memory.
         */
        @WithDefault("cluster")
        BudgetScope budgetScope();

        /** Client-side request budget per minute; unlimited when unset. */
        OptionalInt requestsPerMinute();

        /** Client-side token budget per minute; unlimited when unset. */
        OptionalLong tokensPerMinute();

        /** How long one call may take before it is abandoned as TIMEOUT. */
        @WithDefault("60s")
        Duration timeout();

        /** Retries after the first attempt for 429, 5xx and connection errors. */
        @WithDefault("3")
        int maxRetries();

        /**
         * How many of the latest calls the circuit breaker judges the provider by (at least 1). 20 is enough
         * for a failure ratio to mean an outage rather than a few unlucky calls, and few enough that a
         * provider that went down is noticed within a second's worth of a busy run's calls.
         */
        @WithDefault("20")
        int circuitBreakerWindow();

        /**
         * The share of those calls that must have failed for an outage (5xx, connection errors, timeouts)
         * to open the circuit: above 0, at most 1. Half: a provider failing every other call is down for a
         * judge's purposes, one failing now and then is not.
         */
        @WithDefault("0.5")
        double circuitBreakerFailureRatio();

        /**
         * How long the circuit breaker stays open once it opened: calls to the provider wait, then one
         * trial call goes. 30 s lets a restarting server come back without a run's calls failing one after
         * another in the meantime.
         */
        @WithDefault("30s")
        Duration circuitBreakerDelay();

        /** {@code json_schema} (default) or {@code json_object} for servers without JSON-schema support. */
        @WithDefault("json_schema")
        String structuredOutput();

        /**
         * Whether a judge's call whose answer is already in the judgment cache (same judge version, model, prompt,
         * inference settings and sample) reuses it instead of being sent. Unset: on for calls at temperature 0,
         * whose answer a new call would repeat, and off otherwise, where a new call is a new draw.
         */
        Optional<Boolean> cache();

        /** Price in the provider's currency per million input tokens, for cost figures. */
        Optional<BigDecimal> inputPricePerMillion();

        /**
         * Price per million input tokens that the provider read from its prompt cache (the answer's
         * {@code usage.prompt_tokens_details.cached_tokens}: a prefix repeated from a recent request, which OpenAI bills at
         * a discount). Unset: the input price, as for any other input token.
         */
        Optional<BigDecimal> cachedInputPricePerMillion();

        /** Price per million output tokens. */
        Optional<BigDecimal> outputPricePerMillion();

        /**
         * Whether the provider offers OpenAI's Batch API ({@code /v1/files}, {@code /v1/batches}): runs and sweeps with
         * {@code mode: batch} may use it only then. Off by default: most OpenAI-compatible servers have no Batch API.
         */
        @WithDefault("false")
        boolean batch();

        /** Requests per batch file at most; OpenAI takes 50,000. */
        @WithDefault("50000")
        int batchMaxRequests();

        /** Bytes per batch file at most; OpenAI takes 200 MB. */
        @WithDefault("200000000")
        long batchMaxBytes();

        /** The completion window asked for each batch; OpenAI offers {@code 24h} only. */
        @WithDefault("24h")
        String batchCompletionWindow();

        /**
         * How long after a batch is created it is first asked for its status; each later poll waits twice as long as
         * the one before, up to {@code batch-poll-max}. A minute: a small batch can be done within minutes, and a poll
         * costs nothing.
         */
        @WithDefault("60s")
        Duration batchPollEvery();

        /** The longest wait between two polls of a batch: ten minutes adds at most that to a batch's 24 hours. */
        @WithDefault("10m")
        Duration batchPollMax();

        /**
         * How many batches a judgment is sent in at most: a batch that expired or failed sends its unanswered judgments
         * in a new batch until they were in this many; then they end as errors naming the batch and its status.
         */
        @WithDefault("3")
        int batchMaxTries();

        /** Price per million input tokens of batch requests; unset: the normal {@code input-price-per-million}. */
        Optional<BigDecimal> batchInputPricePerMillion();

        /** Price per million output tokens of batch requests; unset: the normal {@code output-price-per-million}. */
        Optional<BigDecimal> batchOutputPricePerMillion();

        /** The provider's daily cost budget ({@code budget.per-day}). */
        ProviderBudget budget();
    }

    /** A provider's cost budget. */
    interface ProviderBudget {

        /**
         * The most judgments on the provider's models may cost per UTC day, in its prices' currency; none when unset. Needs
         * the provider's prices.
         */
        Optional<BigDecimal> perDay();
    }
}
