package dev.tribunal.sweep;

import dev.tribunal.judge.InvalidJudgeFilesException;
import dev.tribunal.judge.JudgeCatalog;
import dev.tribunal.judge.JudgesConfig;
import dev.tribunal.judge.YamlDocument;
import dev.tribunal.llm.ProvidersConfig;
import dev.tribunal.system.ResourceNotFoundException;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
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

    SweepCatalog(SweepsConfig config, JudgesConfig judgesConfig, JudgeCatalog judges, ProvidersConfig providers) {
        Path dir = Path.of(config.dir().orElse(Path.of(judgesConfig.dir()).resolve("sweeps").toString()));
        Map<String, dev.tribunal.judge.JudgeDefinition> byName = new TreeMap<>();
        judges.all().forEach(j -> byName.put(j.name(), j));
        this.sweeps = load(dir, new SweepFileReader(byName, providers.providers().keySet()));
        if (!sweeps.isEmpty()) {
            LOG.infof("Loaded %d sweeps from %s: %s", sweeps.size(), dir.toAbsolutePath().normalize(), String.join(", ", sweeps.keySet()));
        }
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
        if (!Files.isDirectory(directory)) {
            return Map.of();
        }
        List<String> problems = new ArrayList<>();
        Map<String, SweepDefinition> byName = new TreeMap<>();
        Map<String, String> fileOfName = new HashMap<>();
        for (Path file : YamlDocument.filesIn(directory)) {
            String display = YamlDocument.display(file);
            SweepFileReader.Result result = reader.read(file, display);
            result.problems().forEach(p -> problems.add(p.toString()));
            SweepDefinition sweep = result.sweep();
            if (sweep == null) {
                continue;
            }
            String previous = fileOfName.putIfAbsent(sweep.name(), display);
            if (previous != null) {
                problems.add(display + ":1: sweep name '" + sweep.name() + "' is already used by " + previous);
            } else {
                byName.put(sweep.name(), sweep);
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidJudgeFilesException("sweep definitions", YamlDocument.display(directory), problems);
        }
        return byName;
    }
}
