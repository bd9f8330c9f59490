package dev.tribunal.security;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;

/**
 * A first start with security on, no key in the database and no TRIBUNAL_BOOTSTRAP_KEY creates an admin key
 * named {@code admin} and writes it to {@code <data dir>/admin.key}, readable by its owner only; the log says
 * where, never what. Without it nobody could call a fresh Tribunal.
 */
@ApplicationScoped
class FirstAdminKey {

    static final String NAME = "admin";
    private static final Logger LOG = Logger.getLogger(FirstAdminKey.class);

    private final boolean enabled;
    private final ApiKeys keys;
    private final Path file;

    FirstAdminKey(SecurityConfig config, ApiKeys keys, @ConfigProperty(name = "tribunal.data-dir", defaultValue = "data") String dataDir) {
        this.enabled = config.enabled();
        this.keys = keys;
        this.file = Path.of(dataDir).toAbsolutePath().resolve("admin.key");
    }

    void create(@Observes StartupEvent event) {
        if (!enabled || keys.hasBootstrapKey()) {
            return;
        }
        boolean none = keys.none().await().indefinitely();
        if (!none) {
            return;
        }
        Optional<String> key = keys.create(NAME, List.of(Roles.ADMIN), "first start")
                .map(created -> Optional.of(created.key()))
                .onFailure(dev.tribunal.system.ConflictException.class).recoverWithItem(Optional.empty())   // another replica created it first
                .await().indefinitely();
        key.ifPresent(this::write);
    }

    private void write(String key) {
        try {
            Files.createDirectories(file.getParent());
            Files.deleteIfExists(file);
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(file);
            }
            Files.writeString(file, key + "\n", StandardOpenOption.TRUNCATE_EXISTING);
            LOG.infof("No API key existed: an admin key named '%s' was created and written to %s (readable by you only). "
                    + "Use it as 'Authorization: Bearer <key>' to create the team's keys, then keep it safe or revoke it.", NAME, file);
        } catch (IOException e) {
            // the key exists in the database but nobody can know it: remove it, so that a later start tries again
            keys.revoke(NAME, "first start")
                    .onFailure().invoke(revokeFailure -> LOG.errorf("Removing the unwritten first key failed too: %s", revokeFailure.toString()))
                    .onFailure().recoverWithNull().await().indefinitely();
            throw new IllegalStateException("Could not write the first admin key to " + file + ": " + e.getMessage(), e);
        }
    }
}
