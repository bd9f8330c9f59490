package dev.tribunal.sweep;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.parser.CronParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tribunal.budget.Limit;
import dev.tribunal.judge.DefinitionFiles;
import dev.tribunal.judge.JudgeDefinition;
import dev.tribunal.judge.YamlDocument;
import dev.tribunal.llm.ModelId;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads one sweep file and checks every rule, reporting each problem with the file and the line it is on. */
final class SweepFileReader {

    private static final Pattern EVERY = Pattern.compile("every\\s+(\\S+)");
    private static final Set<String> KEYS = Set.of("name", "judges", "models", "schedule", "cron", "filter", "sample_rate", "delay",
            "lookback", "max_traces_per_tick", "rejudge_on_version_change", "enabled",
            "challengers", "budget", "mode");
    private static final Set<String> STATES = Set.of("OK", "ERROR", "IN_PROGRESS");
    static final int MAX_TRACES_PER_TICK = 10_000;
    private static final CronParser CRON = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.QUARTZ));

    private final Map<String, JudgeDefinition> judges;
    private final Set<String> providers;
    private final Set<String> batchProviders;

    /** @param judges the loaded judges by name */
    SweepFileReader(Map<String, JudgeDefinition> judges, Set<String> providers) {
        this(judges, providers, Set.of());
    }

    /** @param batchProviders the providers with a Batch API ({@code batch: true}), which sweeps in mode batch may use */
    SweepFileReader(Map<String, JudgeDefinition> judges, Set<String> providers, Set<String> batchProviders) {
        this.judges = Map.copyOf(judges);
        this.providers = Set.copyOf(providers);
        this.batchProviders = Set.copyOf(batchProviders);
    }

    DefinitionFiles.Read<SweepDefinition> read(Path path, String displayName) {
        YamlDocument doc = new YamlDocument(displayName);
        return DefinitionFiles.read(doc, path, "at least name, judges and schedule (or cron)", KEYS,
                (root, name) -> sweep(doc, root, name, displayName));
    }

    /** The rest of a sweep file, after its keys and name; null when the file has a problem. */
    private SweepDefinition sweep(YamlDocument doc, ObjectNode root, String name, String displayName) {
        List<JudgeDefinition> judgeList = judges(doc, root);
        List<ModelId> models = models(doc, root);
        Duration every = null;
        String cron = null;
        String schedule = doc.optionalText(root, "/schedule");
        String cronText = doc.optionalText(root, "/cron");
        if ((schedule == null) == (cronText == null)) {
            doc.problem("", "a sweep needs exactly one of schedule: \"every 10m\" or cron: \"0 0 2 * * ?\"");
        } else if (schedule != null) {
            Matcher m = EVERY.matcher(schedule.trim());
            if (!m.matches()) {
                doc.problem("/schedule", "schedule must read \"every <duration>\", e.g. \"every 10m\"; for a cron expression use cron:");
            } else {
                every = doc.duration("/schedule", m.group(1), Duration.ofSeconds(1), Duration.ofDays(31));
            }
        } else {
            try {
                CRON.parse(cronText).validate();
                cron = cronText.trim();
            } catch (IllegalArgumentException e) {
                doc.problem("/cron", "cron is not a valid expression (seconds minutes hours day-of-month month day-of-week, "
                        + "e.g. \"0 0 2 * * ?\"): " + e.getMessage());
            }
        }
        Map<String, String> tags = new LinkedHashMap<>();
        String state = null;
        JsonNode filter = root.get("filter");
        if (filter != null && !filter.isNull()) {
            if (!filter.isObject()) {
                doc.problem("/filter", "filter must be a mapping such as {tags: {env: prod}, state: OK}");
            } else {
                doc.unknownKeys(filter, "/filter", Set.of("tags", "state"));
                JsonNode tagNode = filter.get("tags");
                if (tagNode != null && !tagNode.isNull()) {
                    if (!tagNode.isObject()) {
                        doc.problem("/filter/tags", "filter.tags must be a mapping of tag keys to values");
                    } else {
                        for (Iterator<Map.Entry<String, JsonNode>> it = tagNode.fields(); it.hasNext(); ) {
                            Map.Entry<String, JsonNode> e = it.next();
                            String pointer = "/filter/tags/" + e.getKey();
                            if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                                doc.problem(pointer, "filter.tags." + e.getKey() + " must be a text value");
                            } else {
                                tags.put(e.getKey(), doc.raw(pointer, e.getValue()));
                            }
                        }
                    }
                }
                state = doc.optionalText(filter, "/filter/state");
                if (state != null && !STATES.contains(state)) {
                    doc.problem("/filter/state", "filter.state must be OK, ERROR or IN_PROGRESS, not '" + state + "'");
                }
            }
        }
        double sampleRate = 1.0;
        JsonNode rate = root.get("sample_rate");
        if (rate != null && !rate.isNull()) {
            if (!rate.isNumber() || rate.asDouble() <= 0 || rate.asDouble() > 1) {
                doc.problem("/sample_rate", "sample_rate must be a number above 0 and at most 1, e.g. 0.2 for one trace in five");
            } else {
                sampleRate = rate.asDouble();
            }
        }
        Duration delay = doc.duration(root, "/delay", Duration.ZERO, Duration.ofDays(1));
        Duration lookback = doc.duration(root, "/lookback", Duration.ofMinutes(1), Duration.ofDays(90));
        delay = delay == null ? Duration.ofMinutes(5) : delay;
        lookback = lookback == null ? Duration.ofHours(24) : lookback;
        if (delay.compareTo(lookback) >= 0) {
            doc.problem("/delay", "delay must be shorter than lookback, or no trace is ever old enough and young enough");
        }
        int maxTraces = 500;
        JsonNode max = root.get("max_traces_per_tick");
        if (max != null && !max.isNull()) {
            if (!max.isIntegralNumber() || max.asLong() < 1 || max.asLong() > MAX_TRACES_PER_TICK) {
                doc.problem("/max_traces_per_tick", "max_traces_per_tick must be a whole number from 1 to " + MAX_TRACES_PER_TICK);
            } else {
                maxTraces = max.asInt();
            }
        }
        boolean rejudge = bool(doc, root, "rejudge_on_version_change", false);
        boolean enabled = bool(doc, root, "enabled", true);
        List<SweepDefinition.Challenger> challengers = challengers(doc, root, judgeList);
        Limit budget = budget(doc, root, name);
        dev.tribunal.run.RunMode mode = mode(doc, root, judgeList, models, challengers);
        if (!doc.problems().isEmpty()) {
            return null;
        }
        return new SweepDefinition(name, judgeList, models, every, cron, tags, state, sampleRate, delay, lookback, maxTraces,
                rejudge, enabled, challengers, displayName, budget, mode);
    }

    /** {@code budget: {per_day: 20.00, on_exhausted: wait | error}}: the sweep's daily cost budget; null when it has none. */
    private static Limit budget(YamlDocument doc, ObjectNode root, String name) {
        String example = "{per_day: 20.00, on_exhausted: wait}";
        Double perDay = doc.budgetPerDay(root, Set.of("per_day", "on_exhausted"), example);
        JsonNode node = root.get("budget");
        String onExhausted = node != null && node.isObject() ? doc.optionalText(node, "/budget/on_exhausted") : null;
        Limit.OnExhausted then = Limit.OnExhausted.WAIT;
        if ("error".equals(onExhausted)) {
            then = Limit.OnExhausted.ERROR;
        } else if (onExhausted != null && !"wait".equals(onExhausted)) {
            doc.problem("/budget/on_exhausted", "budget.on_exhausted must be wait (the default: the sweep's judgments wait for the next "
                    + "UTC day) or error (they end as BUDGET_EXCEEDED errors), not '" + onExhausted + "'");
            return null;
        }
        return perDay == null || name == null ? null : new Limit(Limit.Scope.SWEEP, name, perDay, then);
    }

    /**
     * {@code mode: online} (the default) or {@code mode: batch}; in batch mode every model the sweep calls must be on a
     * provider with a Batch API, and no judge may be a jury (batch mode sends single models' calls).
     */
    private dev.tribunal.run.RunMode mode(YamlDocument doc, ObjectNode root, List<JudgeDefinition> judgeList, List<ModelId> models,
                                          List<SweepDefinition.Challenger> challengers) {
        String text = doc.optionalText(root, "/mode");
        dev.tribunal.run.RunMode mode = dev.tribunal.run.RunMode.parse(text).orElse(null);
        if (mode == null) {
            doc.problem("/mode", "mode must be online or batch, not '" + text + "'");
            return dev.tribunal.run.RunMode.ONLINE;
        }
        if (mode != dev.tribunal.run.RunMode.BATCH) {
            return mode;
        }
        java.util.Set<String> called = new java.util.TreeSet<>();
        models.forEach(m -> called.add(m.provider()));
        for (JudgeDefinition judge : judgeList) {
            if (judge.kind() == JudgeDefinition.Kind.JURY) {
                doc.problem("/mode", "judge '" + judge.name() + "' is a jury: mode batch sends LLM judges (and judges code judges at "
                        + "once), not juries; run this sweep in mode online");
            } else if (judge.kind() == JudgeDefinition.Kind.LLM && models.isEmpty()) {
                called.add(judge.model().provider());
            }
        }
        challengers.stream().map(SweepDefinition.Challenger::model).filter(java.util.Objects::nonNull).forEach(m -> called.add(m.provider()));
        called.stream().filter(p -> providers.contains(p) && !batchProviders.contains(p)).forEach(p -> doc.problem("/mode",
                "mode batch needs the providers' Batch API, and provider '" + p + "' has none configured (set tribunal.providers." + p
                        + ".batch=true if it offers one)"));
        return mode;
    }

    private List<JudgeDefinition> judges(YamlDocument doc, ObjectNode root) {
        JsonNode node = root.get("judges");
        if (node == null || !node.isArray() || node.isEmpty()) {
            doc.problem(node == null ? "" : "/judges", "judges must list at least one judge, e.g. judges: [correctness, relevance]");
            return List.of();
        }
        Set<String> names = new LinkedHashSet<>();
        List<JudgeDefinition> found = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String pointer = "/judges/" + i;
            JsonNode item = node.get(i);
            String judge = item.isValueNode() && !item.isNull() ? doc.raw(pointer, item) : null;
            if (judge == null) {
                doc.problem(pointer, "each judge is a judge's name");
            } else if (!names.add(judge)) {
                doc.problem(pointer, "judge '" + judge + "' is listed twice");
            } else if (!judges.containsKey(judge)) {
                doc.problem(pointer, "no judge named '" + judge + "'; known judges: " + String.join(", ", new java.util.TreeSet<>(judges.keySet())));
            } else {
                if (judges.get(judge).output() instanceof dev.tribunal.judge.OutputSpec.PairwiseOutput) {
                    doc.problem(pointer, "judge '" + judge + "' is pairwise: it compares two traces, so it runs in a comparison "
                            + "(POST /api/comparisons), not in a sweep");
                }
                found.add(judges.get(judge));
            }
        }
        return found;
    }

    /** {@code challengers: [correctness@3f2a9c1b0d4e, correctness@openai:/gpt-4.1-mini]}: each of one of the sweep's judges. */
    private List<SweepDefinition.Challenger> challengers(YamlDocument doc, ObjectNode root, List<JudgeDefinition> judgeList) {
        JsonNode node = root.get("challengers");
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray()) {
            doc.problem("/challengers", "challengers must list <judge>@<version> or <judge>@<provider>:/<model>, e.g. "
                    + "[correctness@openai:/gpt-4.1-mini]");
            return List.of();
        }
        List<SweepDefinition.Challenger> found = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < node.size(); i++) {
            String pointer = "/challengers/" + i;
            String text = node.get(i).isTextual() ? node.get(i).asText() : null;
            int at = text == null ? -1 : text.indexOf('@');
            if (at <= 0 || at == text.length() - 1) {
                doc.problem(pointer, "a challenger is <judge>@<version> or <judge>@<provider>:/<model>, not '" + text + "'");
                continue;
            }
            String judge = text.substring(0, at);
            String what = text.substring(at + 1);
            JudgeDefinition base = judgeList.stream().filter(j -> j.name().equals(judge)).findFirst().orElse(null);
            if (base == null) {
                doc.problem(pointer, "challenger '" + text + "' challenges '" + judge + "', which the sweep does not judge; its judges: "
                        + String.join(", ", judgeList.stream().map(JudgeDefinition::name).toList()));
                continue;
            }
            if (!seen.add(text)) {
                doc.problem(pointer, "challenger '" + text + "' is listed twice");
                continue;
            }
            if (what.contains(":/")) {
                ModelId model = ModelId.parse(what).orElse(null);
                if (model == null) {
                    doc.problem(pointer, "model '" + what + "' must look like <provider>:/<model>, e.g. openai:/gpt-4o-mini");
                } else if (!providers.contains(model.provider())) {
                    doc.problem(pointer, "unknown provider '" + model.provider() + "' in challenger '" + text + "'; configured providers: "
                            + String.join(", ", new java.util.TreeSet<>(providers)));
                } else if (base.kind() != JudgeDefinition.Kind.LLM) {
                    doc.problem(pointer, "judge '" + judge + "' is not asked through one model (a jury or a code judge): challenge it "
                            + "with another version (<judge>@<version>)");
                } else {
                    found.add(new SweepDefinition.Challenger(judge, null, model));
                }
            } else if (!what.matches("[0-9a-f]{12}")) {
                doc.problem(pointer, "'" + what + "' is neither a version (12 hexadecimal digits, see GET /api/judges/" + judge
                        + "/versions) nor a model (<provider>:/<model>)");
            } else {
                found.add(new SweepDefinition.Challenger(judge, what, null));
            }
        }
        return found;
    }

    private List<ModelId> models(YamlDocument doc, ObjectNode root) {
        JsonNode node = root.get("models");
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (!node.isArray() || node.isEmpty()) {
            doc.problem("/models", "models, when given, must list at least one model such as openai:/gpt-4o-mini");
            return List.of();
        }
        List<ModelId> models = new ArrayList<>();
        for (int i = 0; i < node.size(); i++) {
            String pointer = "/models/" + i;
            String text = doc.raw(pointer, node.get(i));
            ModelId model = ModelId.parse(text).orElse(null);
            if (model == null) {
                doc.problem(pointer, "model '" + text + "' must look like <provider>:/<model>, e.g. openai:/gpt-4o-mini");
            } else if (!providers.contains(model.provider())) {
                doc.problem(pointer, "unknown provider '" + model.provider() + "' in model '" + text + "'; configured providers: "
                        + String.join(", ", new java.util.TreeSet<>(providers)));
            } else {
                models.add(model);
            }
        }
        return models;
    }

    private static boolean bool(YamlDocument doc, ObjectNode root, String key, boolean fallback) {
        JsonNode node = root.get(key);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isBoolean()) {
            doc.problem("/" + key, key + " must be true or false");
            return fallback;
        }
        return node.asBoolean();
    }
}
