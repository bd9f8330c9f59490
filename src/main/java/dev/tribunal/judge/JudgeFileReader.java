package dev.tribunal.judge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tribunal.budget.Limit;
import dev.tribunal.judge.JudgeDefinition.CodeScorer;
import dev.tribunal.judge.JudgeDefinition.Gate;
import dev.tribunal.judge.JudgeDefinition.Aggregate;
import dev.tribunal.judge.JudgeDefinition.Inference;
import dev.tribunal.judge.JudgeDefinition.Jury;
import dev.tribunal.judge.JudgeDefinition.Kind;
import dev.tribunal.judge.JudgeDefinition.SpanTarget;
import dev.tribunal.judge.OutputSpec.BooleanOutput;
import dev.tribunal.judge.OutputSpec.CategoricalOutput;
import dev.tribunal.judge.OutputSpec.NumericOutput;
import dev.tribunal.llm.ModelId;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads one judge file and checks every rule, reporting each problem with the file and the line it
 * is on. YAML scalars are read as written ({@code [yes, no]} are two labels, not two booleans).
 */
final class JudgeFileReader {

    static final int MIN_CHOICES = 2;
    static final int MAX_CHOICES = 20;
    private static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);
    private static final Set<String> TOP_LEVEL = Set.of("name", "description", "kind", "model", "instructions", "output",
            "inference", "timeout", "target", "span", "scorer", "params", "samples", "jury", "gate", "budget");
    static final int MIN_MEMBERS = 2;
    static final int MAX_MEMBERS = 10;
    private static final Map<String, Set<String>> SCORER_PARAMS = Map.of(
            "exact_match", Set.of("expectation", "case_sensitive"),
            "contains", Set.of("expectation", "text", "case_sensitive"),
            "regex", Set.of("pattern"),
            "json_valid", Set.of(),
            "semantic_similarity", Set.of("expectation", "threshold"));

    private static final ObjectMapper CANONICAL = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

    private final Set<String> providers;

    JudgeFileReader(Set<String> providers) {
        this.providers = Set.copyOf(providers);
    }

    DefinitionFiles.Read<JudgeDefinition> read(Path path, String displayName) {
        Reading r = new Reading(displayName);
        return DefinitionFiles.read(r, path, "at least name, model, instructions and output", TOP_LEVEL,
                (root, name) -> r.judge(root, name, version(root)));
    }

    /** A judge file's text, as stored for a past version; {@code displayName} names it in problems and as its file. */
    DefinitionFiles.Read<JudgeDefinition> readText(String text, String displayName) {
        Reading r = new Reading(displayName);
        return DefinitionFiles.readText(r, text, "at least name, model, instructions and output", TOP_LEVEL,
                (root, name) -> r.judge(root, name, version(root)));
    }

    private static String version(ObjectNode root) {
        try {
            // a budget is how much to spend on the judge, not how it judges: changing it makes no new version
            ObjectNode judging = root.deepCopy();
            judging.remove("budget");
            Object canonical = CANONICAL.treeToValue(judging, Object.class);
            byte[] json = CANONICAL.writeValueAsBytes(canonical);
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(json);
            return HexFormat.of().formatHex(hash, 0, 6);
        } catch (JsonProcessingException | NoSuchAlgorithmException e) {
            throw new IllegalStateException("Cannot hash a judge definition", e);
        }
    }

    /** One judge file being read. */
    private final class Reading extends YamlDocument {

        Reading(String file) {
            super(file);
        }

        JudgeDefinition judge(ObjectNode root, String name, String version) {
            String description = optionalText(root, "/description");
            String kindText = optionalText(root, "/kind");
            Kind kind = Kind.LLM;
            if (kindText != null) {
                switch (kindText) {
                    case "llm" -> kind = Kind.LLM;
                    case "code" -> kind = Kind.CODE;
                    case "jury" -> kind = Kind.JURY;
                    default -> problem("/kind", "kind must be llm (the default), jury or code, not '" + kindText + "'");
                }
            }
            if (root.has("jury") && kind == Kind.LLM) {
                kind = Kind.JURY;
            }
            Duration timeout = timeout(root);
            SpanTarget spanTarget = target(root);
            if (kind == Kind.CODE) {
                for (String llmOnly : List.of("model", "instructions", "output", "inference", "samples", "jury")) {
                    if (root.has(llmOnly)) {
                        problem("/" + llmOnly, "'" + llmOnly + "' belongs to LLM judges; a code judge's output follows from its scorer");
                    }
                }
                CodeScorer scorer = scorer(root);
                OutputSpec output = scorer == null ? null : impliedOutput(scorer);
                return new JudgeDefinition(name, description, kind, null, null, output, Inference.DEFAULT, timeout,
                        spanTarget, scorer, 1, null, gate(root, output), version, file(), budget(root, name));
            }
            for (String codeOnly : List.of("scorer", "params")) {
                if (root.has(codeOnly)) {
                    problem("/" + codeOnly, "'" + codeOnly + "' belongs to code judges (kind: code)");
                }
            }
            PromptTemplate instructions = instructions(root);
            OutputSpec output = output(root);
            Inference inference = inference(root);
            int samples = samples(root);
            pairwise(root, output, instructions, kind, samples, spanTarget);
            if (kind == Kind.JURY) {
                if (root.has("model")) {
                    problem("/model", "a jury has jury.members in place of model");
                }
                Jury jury = jury(root, output);
                return jury == null ? null : new JudgeDefinition(name, description, kind, null, instructions, output, inference, timeout,
                        spanTarget, null, samples, jury, gate(root, output), version, file(), budget(root, name));
            }
            ModelId model = model(root);
            return new JudgeDefinition(name, description, kind, model, instructions, output, inference, timeout,
                    spanTarget, null, samples, null, gate(root, output), version, file(), budget(root, name));
        }

        /**
         * A pairwise judge shows two responses ({{ output_a }} and {{ output_b }}, both required) and judges each pair in
         * both orders: it takes no samples, no jury, no span target. No other judge may use the two.
         */
        private void pairwise(ObjectNode root, OutputSpec output, PromptTemplate instructions, Kind kind, int samples, SpanTarget target) {
            boolean pairwise = output instanceof OutputSpec.PairwiseOutput;
            java.util.Set<String> used = instructions == null ? Set.of() : instructions.variables();
            if (!pairwise) {
                PromptTemplate.PAIR.stream().filter(used::contains).findFirst().ifPresent(v -> problem("/instructions",
                        "{{ " + v + " }} is for pairwise judges (output: {type: pairwise})"));
                return;
            }
            if (instructions != null && !used.containsAll(PromptTemplate.PAIR)) {
                problem("/instructions", "a pairwise judge's instructions show both responses: {{ output_a }} and {{ output_b }}");
            }
            // what only the candidate has would be shown in both orders, telling the two apart
            for (String oneSided : List.of("outputs", "spans", "context")) {
                if (used.contains(oneSided)) {
                    problem("/instructions", "a pairwise judge cannot use {{ " + oneSided + " }}: it is the candidate's alone, shown in both "
                            + "orders; show the responses as {{ output_a }} and {{ output_b }}");
                }
            }
            if (samples > 1) {
                problem("/samples", "a pairwise judge takes no samples: each pair is judged twice, once in each order");
            }
            if (kind == Kind.JURY) {
                problem("/jury", "a pairwise judge runs on one model (several with a comparison's models), not as a jury");
            }
            if (target != null) {
                problem("/target", "a pairwise judge compares whole traces");
            }
        }

        /** {@code budget: {per_day: 20.00}}: the judge's own daily cost budget; null when it has none. */
        private Limit budget(ObjectNode root, String name) {
            Double perDay = budgetPerDay(root, Set.of("per_day"), "{per_day: 20.00}");
            return perDay == null || name == null ? null : new Limit(Limit.Scope.JUDGE, name, perDay);
        }

        /**
         * {@code gate: {reference: {human_feedback: <name>} | {expectation: <name>}, min_kappa | min_accuracy | min_spearman:
         * <threshold>, min_traces: 50, max_cost: 2.00}}.
         */
        private Gate gate(ObjectNode root, OutputSpec output) {
            JsonNode node = root.get("gate");
            if (node == null) {
                return null;
            }
            String shape = "gate must be a mapping such as {reference: {human_feedback: correctness}, min_kappa: 0.6, min_traces: 50, "
                    + "max_cost: 2.00}";
            if (!node.isObject()) {
                problem("/gate", shape);
                return null;
            }
            unknownKeys(node, "/gate", Set.of("reference", "min_kappa", "min_accuracy", "min_spearman", "min_traces", "max_cost"));
            Gate.Reference reference = null;
            JsonNode ref = node.get("reference");
            if (ref == null || !ref.isObject() || ref.size() != 1 || !(ref.has("human_feedback") || ref.has("expectation"))) {
                problem(ref == null ? "/gate" : "/gate/reference", "gate.reference must be {human_feedback: <name>} (people's feedback of "
                        + "that name) or {expectation: <name>}");
            } else {
                String human = ref.has("human_feedback") ? requiredText(ref, "/gate/reference/human_feedback") : null;
                String expectation = ref.has("expectation") ? requiredText(ref, "/gate/reference/expectation") : null;
                if (human != null || expectation != null) {
                    reference = new Gate.Reference(human, expectation);
                }
            }
            List<Gate.Metric> metrics = java.util.Arrays.stream(Gate.Metric.values()).filter(m -> node.has(m.key())).toList();
            if (metrics.size() != 1) {
                problem("/gate", "a gate needs exactly one of min_kappa, min_accuracy or min_spearman (the threshold the lower bound of "
                        + "its 95 % interval must reach)" + (metrics.isEmpty() ? "" : "; it has " + metrics.size()));
                return null;
            }
            Gate.Metric metric = metrics.get(0);
            JsonNode t = node.get(metric.key());
            double low = metric == Gate.Metric.ACCURACY ? 0 : -1;
            if (!t.isNumber() || t.asDouble() < low || t.asDouble() > 1) {
                problem("/gate/" + metric.key(), "gate." + metric.key() + " must be a number from " + (int) low + " to 1");
                return null;
            }
            if (output instanceof OutputSpec.PairwiseOutput) {
                problem("/gate", "a pairwise judge has no gate: it compares two responses, people label one");
            } else if (output != null && (metric == Gate.Metric.SPEARMAN) != (output instanceof OutputSpec.NumericOutput)) {
                problem("/gate/" + metric.key(), metric == Gate.Metric.SPEARMAN
                        ? "min_spearman ranks numbers; this judge's output is " + output.type() + ": use min_kappa or min_accuracy"
                        : metric.key() + " compares labels; this judge's output is numeric: use min_spearman");
            }
            int minTraces = Gate.DEFAULT_MIN_TRACES;
            JsonNode m = node.get("min_traces");
            if (m != null) {
                if (!m.isIntegralNumber() || !m.canConvertToInt() || m.asInt() < 10 || m.asInt() > 10_000) {
                    problem("/gate/min_traces", "gate.min_traces must be a whole number from 10 to 10000");
                } else {
                    minTraces = m.asInt();
                }
            }
            double maxCost = Gate.DEFAULT_MAX_COST;
            JsonNode c = node.get("max_cost");
            if (c != null) {
                if (!c.isNumber() || c.asDouble() < 0) {
                    problem("/gate/max_cost", "gate.max_cost must be a number of at least 0 (the most a validation may cost without a "
                            + "confirmation)");
                } else {
                    maxCost = c.asDouble();
                }
            }
            return reference == null ? null : new Gate(reference, metric, t.asDouble(), minTraces, maxCost);
        }

        private int samples(ObjectNode root) {
            JsonNode node = root.get("samples");
            if (node == null) {
                return 1;
            }
            if (!node.isIntegralNumber() || !node.canConvertToInt() || node.asInt() < 1 || node.asInt() > JudgeDefinition.MAX_SAMPLES) {
                problem("/samples", "samples must be a whole number from 1 to " + JudgeDefinition.MAX_SAMPLES
                        + " (calls per judgment, their verdicts aggregated)");
                return 1;
            }
            return node.asInt();
        }

        private Jury jury(ObjectNode root, OutputSpec output) {
            JsonNode node = root.get("jury");
            if (node == null || !node.isObject()) {
                problem(node == null ? "" : "/jury", "a jury needs jury: {members: [<provider>:/<model>, ...], aggregate: majority | mean "
                        + "| median | all | any}");
                return null;
            }
            unknownKeys(node, "/jury", Set.of("members", "aggregate"));
            JsonNode members = node.get("members");
            if (members == null || !members.isArray()) {
                problem("/jury", "jury.members must be a list of " + MIN_MEMBERS + " to " + MAX_MEMBERS + " models");
                return null;
            }
            Set<ModelId> models = new LinkedHashSet<>();
            for (int i = 0; i < members.size(); i++) {
                String pointer = "/jury/members/" + i;
                JsonNode member = members.get(i);
                ModelId model = member.isTextual() ? model(pointer, member.asText()) : null;
                if (!member.isTextual()) {
                    problem(pointer, "each member must be a model such as openai:/gpt-4o-mini");
                } else if (model != null && !models.add(model)) {
                    problem(pointer, "member '" + model + "' appears twice");
                }
            }
            if (models.size() < MIN_MEMBERS || models.size() > MAX_MEMBERS) {
                problem("/jury/members", "a jury needs " + MIN_MEMBERS + " to " + MAX_MEMBERS + " distinct members; it has " + models.size());
                return null;
            }
            Aggregate aggregate = aggregate(optionalText(node, "/jury/aggregate"), output);
            return aggregate == null ? null : new Jury(List.copyOf(models), aggregate);
        }

        /** The aggregate named, checked against the output it combines; by default majority, or the median of numbers. */
        private Aggregate aggregate(String text, OutputSpec output) {
            if (output == null) {
                return null;
            }
            boolean numeric = output instanceof NumericOutput;
            if (text == null) {
                return numeric ? Aggregate.MEDIAN : Aggregate.MAJORITY;
            }
            Aggregate aggregate;
            try {
                aggregate = Aggregate.valueOf(text.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                problem("/jury/aggregate", "jury.aggregate must be majority, mean, median, all or any, not '" + text + "'");
                return null;
            }
            boolean fits = switch (aggregate) {
                case MAJORITY -> !numeric;
                case MEAN, MEDIAN -> numeric;
                case ALL, ANY -> output instanceof BooleanOutput;
            };
            if (!fits) {
                problem("/jury/aggregate", "jury.aggregate " + text + " does not combine " + output.type() + " verdicts; use "
                        + (numeric ? "mean or median" : output instanceof BooleanOutput ? "majority, all or any" : "majority"));
                return null;
            }
            return aggregate;
        }

        private ModelId model(ObjectNode root) {
            String text = requiredText(root, "/model");
            return text == null ? null : model("/model", text);
        }

        private ModelId model(String pointer, String text) {
            ModelId model = ModelId.parse(text).orElse(null);
            if (model == null) {
                problem(pointer, "model '" + text + "' must look like <provider>:/<model>, e.g. openai:/gpt-4o-mini");
                return null;
            }
            if (!providers.contains(model.provider())) {
                problem(pointer, "unknown provider '" + model.provider() + "' in model '" + text + "'; configured providers: "
                        + String.join(", ", new java.util.TreeSet<>(providers))
                        + " (add one with tribunal.providers." + model.provider() + ".base-url)");
            }
            return model;
        }

        private PromptTemplate instructions(ObjectNode root) {
            String text = requiredText(root, "/instructions");
            if (text == null) {
                return null;
            }
            if (text.isBlank()) {
                problem("/instructions", "instructions are empty");
                return null;
            }
            try {
                return PromptTemplate.parse(text);
            } catch (IllegalArgumentException e) {
                problem("/instructions", e.getMessage());
                return null;
            }
        }

        private OutputSpec output(ObjectNode root) {
            JsonNode node = root.get("output");
            if (node == null) {
                problem("", "'output' is required: {type: boolean | categorical | numeric | pairwise, ...}");
                return null;
            }
            if (!node.isObject()) {
                problem("/output", "output must be a mapping such as {type: boolean}");
                return null;
            }
            unknownKeys(node, "/output", Set.of("type", "choices", "range", "integer"));
            String type = requiredText(node, "/output/type");
            if (type == null) {
                return null;
            }
            switch (type) {
                case "boolean" -> {
                    onlyFor(node, "boolean", "choices", "range", "integer");
                    return new BooleanOutput();
                }
                case "categorical" -> {
                    onlyFor(node, "categorical", "range", "integer");
                    return choices(node);
                }
                case "numeric" -> {
                    onlyFor(node, "numeric", "choices");
                    return numeric(node);
                }
                case "pairwise" -> {
                    onlyFor(node, "pairwise", "choices", "range", "integer");
                    return new OutputSpec.PairwiseOutput();
                }
                default -> {
                    problem("/output/type", "output.type must be boolean, categorical, numeric or pairwise, not '" + type + "'");
                    return null;
                }
            }
        }

        private void onlyFor(JsonNode output, String type, String... notAllowed) {
            for (String key : notAllowed) {
                if (output.has(key)) {
                    problem("/output/" + key, "output." + key + " does not apply to a " + type + " output");
                }
            }
        }

        private OutputSpec choices(JsonNode output) {
            JsonNode choices = output.get("choices");
            if (choices == null || !choices.isArray()) {
                problem("/output", "a categorical output needs choices: a list of " + MIN_CHOICES + " to " + MAX_CHOICES + " labels");
                return null;
            }
            Set<String> labels = new LinkedHashSet<>();
            for (int i = 0; i < choices.size(); i++) {
                String pointer = "/output/choices/" + i;
                JsonNode choice = choices.get(i);
                String label = choice.isValueNode() && !choice.isNull() ? raw(pointer, choice) : null;
                if (label == null || label.isBlank()) {
                    problem(pointer, "each choice must be a non-empty label");
                } else if (!labels.add(label)) {
                    problem(pointer, "choice '" + label + "' appears twice");
                }
            }
            if (labels.size() < MIN_CHOICES || labels.size() > MAX_CHOICES) {
                problem("/output/choices", "a categorical output needs " + MIN_CHOICES + " to " + MAX_CHOICES
                        + " distinct labels; it has " + labels.size());
                return null;
            }
            return new CategoricalOutput(List.copyOf(labels));
        }

        private OutputSpec numeric(JsonNode output) {
            JsonNode range = output.get("range");
            if (range == null || !range.isArray() || range.size() != 2 || !range.get(0).isNumber() || !range.get(1).isNumber()) {
                problem(range == null ? "/output" : "/output/range", "a numeric output needs range: [min, max] with two numbers, e.g. [1, 5]");
                return null;
            }
            double min = range.get(0).asDouble();
            double max = range.get(1).asDouble();
            if (!(min < max)) {
                problem("/output/range", "range [" + min + ", " + max + "] must have min below max");
                return null;
            }
            boolean integer = false;
            JsonNode whole = output.get("integer");
            if (whole != null) {
                if (!whole.isBoolean()) {
                    problem("/output/integer", "output.integer must be true or false");
                } else {
                    integer = whole.asBoolean();
                }
            }
            if (integer && (min != Math.rint(min) || max != Math.rint(max))) {
                problem("/output/range", "an integer output needs whole-number bounds");
            }
            return new NumericOutput(min, max, integer);
        }

        private Inference inference(ObjectNode root) {
            JsonNode node = root.get("inference");
            if (node == null) {
                return Inference.DEFAULT;
            }
            if (!node.isObject()) {
                problem("/inference", "inference must be a mapping such as {temperature: 0, max_tokens: 400}");
                return Inference.DEFAULT;
            }
            unknownKeys(node, "/inference", Set.of("temperature", "max_tokens"));
            Double temperature = null;
            JsonNode t = node.get("temperature");
            if (t != null) {
                if (!t.isNumber() || t.asDouble() < 0 || t.asDouble() > 2) {
                    problem("/inference/temperature", "inference.temperature must be a number from 0 to 2");
                } else {
                    temperature = t.asDouble();
                }
            }
            Integer maxTokens = null;
            JsonNode m = node.get("max_tokens");
            if (m != null) {
                if (!m.canConvertToInt() || !m.isIntegralNumber() || m.asInt() < 1) {
                    problem("/inference/max_tokens", "inference.max_tokens must be a whole number of at least 1");
                } else {
                    maxTokens = m.asInt();
                }
            }
            return new Inference(temperature, maxTokens);
        }

        private Duration timeout(ObjectNode root) {
            return duration(root, "/timeout", Duration.ofMillis(1), MAX_TIMEOUT);
        }

        private SpanTarget target(ObjectNode root) {
            String target = optionalText(root, "/target");
            JsonNode span = root.get("span");
            if (target == null || target.equals("trace")) {
                if (span != null) {
                    problem("/span", "'span' selects spans for 'target: span'; this judge targets the trace");
                }
                return null;
            }
            if (!target.equals("span")) {
                problem("/target", "target must be trace (the default) or span, not '" + target + "'");
                return null;
            }
            if (span == null || !span.isObject()) {
                problem("/target", "target: span needs span: {type: RETRIEVER} or span: {name: <span name>}");
                return null;
            }
            unknownKeys(span, "/span", Set.of("type", "name"));
            String type = optionalText(span, "/span/type");
            String name = optionalText(span, "/span/name");
            if ((type == null) == (name == null)) {
                problem("/span", "span needs exactly one of type or name");
                return null;
            }
            return new SpanTarget(type == null ? null : type.toUpperCase(java.util.Locale.ROOT), name);
        }

        private CodeScorer scorer(ObjectNode root) {
            String scorer = requiredText(root, "/scorer");
            if (scorer == null) {
                return null;
            }
            Set<String> allowed = SCORER_PARAMS.get(scorer);
            if (allowed == null) {
                problem("/scorer", "scorer must be one of " + String.join(", ", new java.util.TreeSet<>(SCORER_PARAMS.keySet()))
                        + ", not '" + scorer + "'");
                return null;
            }
            JsonNode params = root.get("params");
            Map<String, Object> values = new LinkedHashMap<>();
            if (params != null) {
                if (!params.isObject()) {
                    problem("/params", "params must be a mapping");
                    return null;
                }
                unknownKeys(params, "/params", allowed);
                for (Iterator<Map.Entry<String, JsonNode>> it = params.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (allowed.contains(e.getKey())) {
                        values.put(e.getKey(), param(scorer, e.getKey(), e.getValue()));
                    }
                }
            }
            switch (scorer) {
                case "exact_match", "semantic_similarity" -> values.putIfAbsent("expectation", "expected_response");
                case "contains" -> {
                    if (values.containsKey("expectation") == values.containsKey("text")) {
                        problem("/params", "the contains scorer needs exactly one of params.expectation or params.text");
                    }
                }
                case "regex" -> {
                    if (!values.containsKey("pattern")) {
                        problem("/params", "the regex scorer needs params.pattern");
                    }
                }
                default -> {
                }
            }
            return new CodeScorer(scorer, values);
        }

        private Object param(String scorer, String key, JsonNode value) {
            String pointer = "/params/" + key;
            switch (key) {
                case "case_sensitive" -> {
                    if (!value.isBoolean()) {
                        problem(pointer, "params.case_sensitive must be true or false");
                    }
                    return value.asBoolean();
                }
                case "threshold" -> {
                    if (!value.isNumber() || value.asDouble() < -1 || value.asDouble() > 1) {
                        problem(pointer, "params.threshold must be a number from -1 to 1 (cosine similarity)");
                    }
                    return value.asDouble();
                }
                case "pattern" -> {
                    String pattern = raw(pointer, value);
                    try {
                        Pattern.compile(pattern);
                    } catch (PatternSyntaxException e) {
                        problem(pointer, "params.pattern is not a valid regular expression: " + e.getDescription());
                    }
                    return pattern;
                }
                default -> {
                    if (!value.isValueNode() || value.isNull()) {
                        problem(pointer, "params." + key + " must be a text value");
                    }
                    return raw(pointer, value);
                }
            }
        }

        private OutputSpec impliedOutput(CodeScorer scorer) {
            if (scorer.scorer().equals("semantic_similarity") && !scorer.params().containsKey("threshold")) {
                return new NumericOutput(-1, 1, false);
            }
            return new BooleanOutput();
        }
    }
}
