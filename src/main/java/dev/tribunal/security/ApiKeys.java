package dev.tribunal.security;

import dev.tribunal.system.ConflictException;
import dev.tribunal.system.InvalidRequestException;
import dev.tribunal.system.Page;
import dev.tribunal.system.PageToken;
import dev.tribunal.system.ResourceNotFoundException;
import dev.tribunal.system.Times;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * API keys: created (the key is returned once and only its hash is stored), listed, revoked, and checked on
 * every request against the database, so that a revocation holds at once on every replica.
 */
@ApplicationScoped
public class ApiKeys {

    /** A key's holder: the key's name (or {@code bootstrap}) and its effective roles. */
    /** @param client an evaluation client: may log HUMAN assessments in the names its data gives */
    public record Holder(String name, Set<String> roles, boolean client) {
    }

    /** A key as listed: never the key itself. */
    public record KeyView(String name, String keyPrefix, List<String> roles, boolean client, java.time.Instant createdAt, String createdBy) {
    }

    /** A new key, returned once. */
    public record CreatedKeyView(String name, String key, List<String> roles, boolean client) {
    }

    static final String BOOTSTRAP = "bootstrap";
    private static final Logger LOG = Logger.getLogger(ApiKeys.class);
    /** Names Tribunal itself records as authors: no key may take them. */
    private static final Set<String> RESERVED = Set.of(BOOTSTRAP, Caller.LOCAL, "tribunal", "default");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,99}");
    private static final int MIN_BOOTSTRAP_LENGTH = 16;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Pool pool;
    private final Optional<String> bootstrapHash;

    ApiKeys(Pool pool) {
        this.pool = pool;
        Optional<String> key = SecretSettings.read(SecretSettings.BOOTSTRAP_KEY);
        key.ifPresent(k -> {
            if (k.length() < MIN_BOOTSTRAP_LENGTH) {
                throw new IllegalStateException("TRIBUNAL_BOOTSTRAP_KEY must be at least " + MIN_BOOTSTRAP_LENGTH + " characters");
            }
        });
        this.bootstrapHash = key.map(ApiKeys::sha256Hex);
    }

    /** The holder of a key; empty when no key (or a revoked one) matches. */
    Uni<Optional<Holder>> holder(String key) {
        return holderOfHash(sha256Hex(key));
    }

    /** Whether no API key exists (the bootstrap key, kept in configuration, aside). */
    Uni<Boolean> none() {
        return pool.query("select not exists (select 1 from api_key)").execute()
                .map(rows -> rows.iterator().next().getBoolean(0));
    }

    /** The holder of the key with this SHA-256 (hex); empty when none (or a revoked one) matches. */
    Uni<Optional<Holder>> holderOfHash(String hash) {
        if (bootstrapHash.isPresent() && MessageDigest.isEqual(hash.getBytes(StandardCharsets.US_ASCII),
                bootstrapHash.get().getBytes(StandardCharsets.US_ASCII))) {
            return Uni.createFrom().item(Optional.of(new Holder(BOOTSTRAP, Roles.effective(List.of(Roles.ADMIN)), false)));
        }
        return pool.preparedQuery("select name, roles, client from api_key where key_hash = $1")
                .execute(Tuple.of(hash))
                .map(rows -> {
                    if (!rows.iterator().hasNext()) {
                        return Optional.empty();
                    }
                    Row row = rows.iterator().next();
                    return Optional.of(new Holder(row.getString("name"), Roles.effective(Arrays.asList(row.getArrayOfStrings("roles"))),
                            Boolean.TRUE.equals(row.getBoolean("client"))));
                });
    }

    boolean hasBootstrapKey() {
        return bootstrapHash.isPresent();
    }

    public Uni<CreatedKeyView> create(String name, List<String> roles, String createdBy) {
        return create(name, roles, false, createdBy);
    }

    /** @param client an evaluation client's key: see {@link Holder#client()} */
    public Uni<CreatedKeyView> create(String name, List<String> roles, boolean client, String createdBy) {
        InvalidRequestException.require(name != null && NAME.matcher(name).matches(),
                "'name' must be 1 to 100 letters, digits, '.', '_', '@' or '-', starting with a letter or digit");
        InvalidRequestException.require(name == null || !RESERVED.contains(name.toLowerCase(java.util.Locale.ROOT)),
                "'" + name + "' is reserved (bootstrap, local, tribunal, default): choose another name");
        InvalidRequestException.require(roles != null && !roles.isEmpty(), "'roles' must name at least one of " + Roles.ALL);
        List<String> unknown = roles.stream().filter(r -> !Roles.ALL.contains(r)).toList();
        InvalidRequestException.require(unknown.isEmpty(), "Unknown roles " + unknown + "; roles are " + Roles.ALL);
        String key = newSecret("trb_");
        List<String> distinct = new ArrayList<>(new java.util.LinkedHashSet<>(roles));
        return pool.preparedQuery("insert into api_key (name, key_hash, key_prefix, roles, created_at, created_by, client) "
                        + "values ($1, $2, $3, $4, $5, $6, $7) on conflict (name) do nothing")
                .execute(Tuple.tuple(Arrays.asList(name, sha256Hex(key), key.substring(0, 8), distinct.toArray(String[]::new),
                        Times.now().atOffset(ZoneOffset.UTC), createdBy, client)))
                .map(rows -> {
                    if (rows.rowCount() == 0) {
                        throw new ConflictException("A key named '" + name + "' exists; revoke it first or choose another name");
                    }
                    LOG.infof("API key '%s' with roles %s%s created by %s", name, distinct, client ? " (an evaluation client)" : "", createdBy);
                    return new CreatedKeyView(name, key, distinct, client);
                });
    }

    /**
     * A page of keys, newest first. A key's row is small and of bounded size (a name of at most 100 characters, at most
     * five roles), so a page of the most rows a list allows stays far below an answer's byte bound.
     */
    public Uni<Page<KeyView>> list(PageToken after, Integer maxResults) {
        int limit = PageToken.maxResults(maxResults);
        String sql = "select name, key_prefix, roles, client, created_at, created_by from api_key"
                + (after == null ? "" : " where (created_at, name) < ($1, $2)")
                + " order by created_at desc, name desc limit " + (limit + 1);
        return pool.preparedQuery(sql).execute(after == null ? Tuple.tuple() : Tuple.of(after.time().atOffset(ZoneOffset.UTC), after.id()))
                .map(rows -> {
                    List<KeyView> keys = new ArrayList<>();
                    rows.forEach(row -> keys.add(new KeyView(row.getString("name"), row.getString("key_prefix"),
                            Arrays.asList(row.getArrayOfStrings("roles")), Boolean.TRUE.equals(row.getBoolean("client")),
                            row.getOffsetDateTime("created_at").toInstant(),
                            row.getString("created_by"))));
                    return Page.of(keys, limit, key -> new PageToken(key.createdAt(), key.name()));
                });
    }

    /** Revokes a key at once: the next request with it is refused, on every replica. */
    public Uni<Void> revoke(String name, String revokedBy) {
        return pool.preparedQuery("delete from api_key where name = $1").execute(Tuple.of(name))
                .map(rows -> {
                    if (rows.rowCount() == 0) {
                        throw new ResourceNotFoundException("No API key named '" + name + "'");
                    }
                    LOG.infof("API key '%s' revoked by %s", name, revokedBy);
                    return null;
                });
    }

    /** 256 random bits, URL-safe, after a prefix that says what they are ({@code trb_} a key, {@code trs_} a session). */
    static String newSecret(String prefix) {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    /** What is stored of a secret: its SHA-256, in hex (256 random bits need no slow hash). */
    static String sha256Hex(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
