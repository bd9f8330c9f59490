package dev.tribunal.system;

import dev.tribunal.llm.ProviderBudgets;
import io.agroal.api.AgroalDataSource;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.postgresql.Bucket4jPostgreSQL;
import jakarta.enterprise.context.ApplicationScoped;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Provider budgets kept in PostgreSQL with Bucket4j (table {@code provider_budget}, a row per budget,
 * taken with {@code SELECT ... FOR UPDATE}): every process sharing the database draws from the same
 * bucket, so a provider's requests and tokens per minute hold for the whole cluster. Each draw is one
 * short transaction on the JDBC pool, made from the provider's own threads.
 */
@ApplicationScoped
class SharedBudgets implements ProviderBudgets {

    private final ProxyManager<Long> buckets;

    SharedBudgets(AgroalDataSource dataSource) {
        this.buckets = Bucket4jPostgreSQL.selectForUpdateBasedBuilder(dataSource)
                .table("provider_budget")
                .idColumn("id")
                .stateColumn("state")
                .build();
    }

    @Override
    public Bucket perMinute(String key, long perMinute) {
        // the size is part of the identity: a changed budget starts a bucket of its own
        Bucket bucket = buckets.getProxy(id(key + "|" + perMinute), () -> ProviderBudgets.configuration(perMinute));
        // created here, once, rather than by the first calls racing each other
        bucket.getAvailableTokens();
        return bucket;
    }

    private static long id(String key) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            long id = 0;
            for (int i = 0; i < 8; i++) {
                id = (id << 8) | (hash[i] & 0xff);
            }
            return id;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
