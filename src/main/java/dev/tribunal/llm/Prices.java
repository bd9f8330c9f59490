package dev.tribunal.llm;

import java.math.BigDecimal;

/**
 * What tokens cost on a provider, online and in its Batch API: price per million tokens times tokens, null when the
 * provider has no prices. Batch prices unset fall back to the online ones, each on its own.
 */
public final class Prices {

    private Prices() {
    }

    /** Whether calls on the provider have a cost at all. */
    public static boolean priced(ProvidersConfig.Provider provider) {
        return provider != null && (provider.inputPricePerMillion().isPresent() || provider.outputPricePerMillion().isPresent()
                || provider.batchInputPricePerMillion().isPresent() || provider.batchOutputPricePerMillion().isPresent());
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
