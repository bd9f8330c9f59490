package dev.tribunal.budget;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Optional;

/**
 * Cost budgets: {@code tribunal.budget.per-day} for every judgment together. Providers' budgets are
 * {@code tribunal.providers.<name>.budget.per-day}; judges and sweeps set theirs in their files ({@code budget: {per_day: 20.00}}).
 */
@ConfigMapping(prefix = "tribunal.budget")
public interface BudgetConfig {

    /** The most all judgments together may cost per UTC day, in the providers' currency; no global budget when unset. */
    Optional<BigDecimal> perDay();

    /**
     * How long a call's reservation holds a budget when its judgment is never written (its process died). 15 minutes:
     * longer than a call with its retries may take (the provider's timeout times its attempts), so that a reservation
     * of a call still in flight is not handed back early, and short enough that a crash holds a budget only briefly.
     */
    @WithDefault("15m")
    Duration reservationTtl();

    /** How often each process hands back expired reservations. */
    @WithDefault("1m")
    Duration expireEvery();
}
