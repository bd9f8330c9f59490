package dev.tribunal.llm;

import java.math.BigDecimal;

/**
 * What tokens cost on a provider, online and in its Batch API: price per million tokens times tokens, null when the
 * provider has no prices. Batch prices unset fall back to the online ones, each on its own.
 */
public final class Prices {

    private Prices() {
    }

    /** An amount of money to six significant digits, as costs are stored and shown. */
    public static BigDecimal rounded(double amount) {
        return BigDecimal.valueOf(amount).round(new java.math.MathContext(6));
    }

    /** Whether online calls on the provider have a cost: it has an input, output or cached-input price. */
    public static boolean pricedOnline(ProvidersConfig.Provider provider) {
        return provider != null && (provider.inputPricePerMillion().isPresent() || provider.outputPricePerMillion().isPresent()
                || provider.cachedInputPricePerMillion().isPresent());
    }

    /** Whether calls on the provider have a cost at all, online or in a batch. */
    public static boolean priced(ProvidersConfig.Provider provider) {
        return provider != null && (provider.inputPricePerMillion().isPresent() || provider.outputPricePerMillion().isPresent()
                || provider.batchInputPricePerMillion().isPresent() || provider.batchOutputPricePerMillion().isPresent());
    }

    /**
     * The cost of an online call's tokens: the prompt tokens read from the provider's prompt cache ({@code cachedPromptTokens},
     * part of {@code promptTokens}) at the cached-input price (the input price when there is none), the rest of the prompt
     * at the input price, the completion at the output price; null when the provider has no online prices.
     */
    public static Double online(ProvidersConfig.Provider provider, long promptTokens, long cachedPromptTokens, long completionTokens) {
        if (!pricedOnline(provider)) {
            return null;
        }
        double input = provider.inputPricePerMillion().map(BigDecimal::doubleValue).orElse(0.0);
        double cachedInput = provider.cachedInputPricePerMillion().map(BigDecimal::doubleValue).orElse(input);
        double output = provider.outputPricePerMillion().map(BigDecimal::doubleValue).orElse(0.0);
        // a provider never reports more cached tokens than prompt tokens; should one, the prompt is not billed twice
        long cached = Math.min(cachedPromptTokens, promptTokens);
        return ((promptTokens - cached) * input + cached * cachedInput + completionTokens * output) / 1_000_000d;
    }

    /** The cost of tokens sent in a batch: the batch prices, or the online ones where a batch price is unset. */
    public static Double batch(ProvidersConfig.Provider provider, long promptTokens, long completionTokens) {
        if (!priced(provider)) {
            return null;
        }
        double input = provider.batchInputPricePerMillion().or(provider::inputPricePerMillion).map(BigDecimal::doubleValue).orElse(0.0);
        double output = provider.batchOutputPricePerMillion().or(provider::outputPricePerMillion).map(BigDecimal::doubleValue).orElse(0.0);
        return (promptTokens * input + completionTokens * output) / 1_000_000d;
    }
}
