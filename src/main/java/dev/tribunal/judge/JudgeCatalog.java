package dev.tribunal.judge;

import dev.tribunal.llm.ProvidersConfig;
import dev.tribunal.system.ResourceNotFoundException;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The judges of {@code tribunal.judges.dir}, loaded once at start. Any problem in any file stops the
 * start, with every problem listed by file and line.
 */
@Startup
@ApplicationScoped
public class JudgeCatalog {

    private static final Logger LOG = Logger.getLogger(JudgeCatalog.class);

    private final Map<String, JudgeDefinition> judges;
    private final Set<String> providers;

    JudgeCatalog(JudgesConfig config, ProvidersConfig providers) {
        this.providers = Set.copyOf(providers.providers().keySet());
        this.judges = load(Path.of(config.dir()), this.providers);
        LOG.infof("Loaded %d judges from %s: %s", judges.size(), Path.of(config.dir()).toAbsolutePath().normalize(),
                String.join(", ", judges.keySet()));
    }

    /** The configured providers, which a judge's model must name. */
    Set<String> providers() {
        return providers;
    }

    /** Every judge by name, in name order. */
    public Collection<JudgeDefinition> all() {
        return judges.values();
    }

    public Optional<JudgeDefinition> find(String name) {
        return Optional.ofNullable(judges.get(name));
    }

    public JudgeDefinition require(String name) {
        return find(name).orElseThrow(() -> new ResourceNotFoundException(
                "No judge named '" + name + "'; known judges: " + String.join(", ", judges.keySet())));
    }

    /** Loads and checks every {@code *.yaml} / {@code *.yml} file of a directory (not its subdirectories). */
    static Map<String, JudgeDefinition> load(Path directory, Set<String> providers) {
        if (!Files.isDirectory(directory)) {
            LOG.warnf("No judges directory at %s: no judges loaded (set tribunal.judges.dir / TRIBUNAL_JUDGES_DIR)",
                    directory.toAbsolutePath().normalize());
        }
        return DefinitionFiles.load(directory, "judge", new JudgeFileReader(providers)::read, JudgeDefinition::name);
    }
}
