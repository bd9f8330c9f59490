package dev.tribunal.security;

import dev.tribunal.system.Times;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * The pages' sessions, kept in the database: the browser holds a random token (never the API key), the database its
 * hash and the hash of the key that signed in. A session ends when it expires, when its browser signs out (the row is
 * deleted, on every replica) or when its key is revoked (the key is looked up on every request).
 */
@ApplicationScoped
public class BrowserSessions {

    /** How long a session lasts after signing in. */
    static final Duration LENGTH = Duration.ofHours(8);

    private final Pool pool;
    private final ApiKeys keys;

    BrowserSessions(Pool pool, ApiKeys keys) {
        this.pool = pool;
        this.keys = keys;
    }

    /** A new session for a key already checked; returns the token for the cookie. Ended sessions are cleared on the way. */
    Uni<String> open(String key) {
        String token = ApiKeys.newSecret("trs_");
        OffsetDateTime now = Times.now().atOffset(ZoneOffset.UTC);
        return pool.preparedQuery("delete from browser_session where expires_at <= $1").execute(Tuple.of(now))
                .chain(() -> pool.preparedQuery("insert into browser_session (token_hash, key_hash, created_at, expires_at) values ($1, $2, $3, $4)")
                        .execute(Tuple.of(ApiKeys.sha256Hex(token), ApiKeys.sha256Hex(key), now, now.plus(LENGTH))))
                .replaceWith(token);
    }

    /** The holder of a live session's key; empty when the session has ended or its key was revoked. */
    Uni<Optional<ApiKeys.Holder>> holder(String token) {
        return pool.preparedQuery("select key_hash from browser_session where token_hash = $1 and expires_at > $2")
                .execute(Tuple.of(ApiKeys.sha256Hex(token), Times.now().atOffset(ZoneOffset.UTC)))
                .chain(rows -> rows.iterator().hasNext()
                        ? keys.holderOfHash(rows.iterator().next().getString("key_hash"))
                        : Uni.createFrom().item(Optional.empty()));
    }

    /** Ends a session (signing out). */
    Uni<Void> close(String token) {
        return pool.preparedQuery("delete from browser_session where token_hash = $1").execute(Tuple.of(ApiKeys.sha256Hex(token))).replaceWithVoid();
    }
}
