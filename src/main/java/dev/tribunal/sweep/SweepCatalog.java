package dev.tribunal.sweep;

import dev.tribunal.judge.DefinitionFiles;
import dev.tribunal.judge.JudgeCatalog;
import dev.tribunal.judge.JudgesConfig;
import dev.tribunal.llm.ProvidersConfig;
import dev.tribunal.system.ResourceNotFoundException;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The sweeps of {@code tribunal.sweeps.dir} (by default {@code sweeps/} in the judges directory),
 * loaded once at start. Any problem in any file stops the start, every problem listed by file and line.
 */
@Startup
@ApplicationScoped
public class SweepCatalog {

    private static final Logger LOG = Logger.getLogger(SweepCatalog.class);

    private final Map<String, SweepDefinition> sweeps;
    private final Path dir;

    SweepCatalog(SweepsConfig config, JudgesConfig judgesConfig, JudgeCatalog judges, ProvidersConfig providers) {
        this.dir = Path.of(config.dir().orElse(Path.of(judgesConfig.dir()).resolve("sweeps").toString()));
        Map<String, dev.tribunal.judge.JudgeDefinition> byName = new TreeMap<>();
        judges.all().forEach(j -> byName.put(j.name(), j));
        this.sweeps = load(dir, new SweepFileReader(byName, providers.providers().keySet(),
                providers.providers().entrySet().stream().filter(e -> e.getValue().batch()).map(java.util.Map.Entry::getKey)
                        .collect(java.util.stream.Collectors.toSet())));
        if (!sweeps.isEmpty()) {
            LOG.infof("Loaded %d sweeps from %s: %s", sweeps.size(), dir.toAbsolutePath().normalize(), String.join(", ", sweeps.keySet()));
        }
    }

    /** The directory the sweep files are read from, as configured. */
    public Path dir() {
        // as configured (relative to the working directory by default): the pages show it, and need not show the server's layout
        return dir.normalize();
    }

    /** Every sweep by name, in name order. */
    public Collection<SweepDefinition> all() {
        return sweeps.values();
    }

    public Optional<SweepDefinition> find(String name) {
        return Optional.ofNullable(sweeps.get(name));
    }

    public SweepDefinition require(String name) {
        return find(name).orElseThrow(() -> new ResourceNotFoundException(
                "No sweep named '" + name + "'; sweeps: " + (sweeps.isEmpty() ? "none" : String.join(", ", sweeps.keySet()))));
    }

    static Map<String, SweepDefinition> load(Path directory, SweepFileReader reader) {
        return DefinitionFiles.load(directory, "sweep", reader::read, SweepDefinition::name);
    }
}
