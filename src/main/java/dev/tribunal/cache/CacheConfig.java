package dev.tribunal.cache;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/**
 * The judgment cache: how long a model's answer may stand in for a new call. Whether a provider's calls are cached at
 * all is the provider's {@code cache} setting ({@code tribunal.providers.<name>.cache}).
 */
@ConfigMapping(prefix = "tribunal.cache")
public interface CacheConfig {

    /**
     * How long an answer is reused after it was given; older entries are ignored and then deleted in the background.
     * 30 days: long enough for retries, re-runs and sweeps of a month's traces to reuse what was paid for, short
     * enough that a model changed behind the same name is asked again within a month.
     */
    @WithDefault("30d")
    Duration ttl();

    /**
     * Expired entries deleted per statement by the cleaner: 1,000 rows hold row locks and write WAL for a few
     * milliseconds, so the cleaner never competes long with the result writer for the table.
     */
    @WithDefault("1000")
    int cleanBatch();

    /**
     * How often each process deletes expired entries. Hourly: expired entries are never used, so the cleaner only
     * keeps the table from growing, and an hour's worth of expiries is a few batches.
     */
    @WithDefault("1h")
    Duration cleanEvery();
}
