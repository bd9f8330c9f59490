package dev.tribunal.trace;

import dev.tribunal.security.Caller;
import dev.tribunal.assessment.AssessmentService;
import dev.tribunal.assessment.AssessmentView;
import dev.tribunal.system.ApiConfig;
import dev.tribunal.system.Json;
import dev.tribunal.system.LeftOut;
import dev.tribunal.system.Page;
import dev.tribunal.system.PageReader;
import dev.tribunal.system.PageToken;
import dev.tribunal.system.ResourceNotFoundException;
import dev.tribunal.system.Rows;
import dev.tribunal.system.SizedRow;
import dev.tribunal.system.SqlStates;
import dev.tribunal.trace.MlflowTraceView.TraceInfo;
import dev.tribunal.trace.TraceView.SpanView;
import dev.tribunal.trace.TraceFactory.NewTrace;
import dev.tribunal.trace.TraceRequests.TraceBatchRequest;
import dev.tribunal.trace.TraceRequests.TraceBatchResult;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.hibernate.exception.ConstraintViolationException;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Ingest and read traces with their spans and assessments. */
@ApplicationScoped
public class TraceService {

    static final int PREVIEW_LENGTH = 1000;
    /** What the two previews may take in an answer: 1,000 characters each, as JSON text inside a JSON string. */
    private static final long PREVIEW_ALLOWANCE = 2 * 6 * PREVIEW_LENGTH;
    /** MLflow's trace info has no field to say what was left out: its metadata says so under these keys. */
    static final String TRUNCATED_KEY = "tribunal.truncated";
    static final String ASSESSMENTS_TOKEN_KEY = "tribunal.assessments.next_page_token";

    private final TraceRepository traces;
    private final SpanRepository spans;
    private final AssessmentService assessments;
    private final ApiConfig api;

    private final com.fasterxml.jackson.databind.ObjectMapper mapper;

    TraceService(TraceRepository traces, SpanRepository spans, AssessmentService assessments, ApiConfig api,
                 com.fasterxml.jackson.databind.ObjectMapper mapper) {
        this.mapper = mapper;
        this.traces = traces;
        this.spans = spans;
        this.assessments = assessments;
        this.api = api;
    }

    /**
     * Stores a batch in one transaction. A trace whose id already exists is left as it is (re-sending
     * is harmless); when a concurrent request inserts the same id first, the batch is retried once and
     * then sees that trace as existing.
     */
    public Uni<TraceBatchResult> ingest(TraceBatchRequest request, Caller caller) {
        return Uni.createFrom().item(() -> check(request, caller))
                .chain(this::ingest);
    }

    /** Stores a batch checked by {@link #check}, as {@link #ingest(TraceBatchRequest, Caller)} does. */
    public Uni<TraceBatchResult> ingest(CheckedTraceBatch batch) {
        return Uni.createFrom().deferred(() -> Panache.withTransaction(() -> insertNew(batch.traces())))
                .onFailure(TraceService::isUniqueViolation).retry().atMost(1);
    }

    private Uni<TraceBatchResult> insertNew(List<NewTrace> batch) {
        List<String> ids = batch.stream().map(t -> t.trace().traceId).toList();
        return traces.existingIds(ids)
                .chain(existing -> {
                    Set<String> known = new HashSet<>(existing);
                    List<NewTrace> fresh = batch.stream().filter(t -> !known.contains(t.trace().traceId)).toList();
                    // the traces first, then their spans (in one statement, however many) and expectations
                    return Rows.persistAll(fresh.stream().map(NewTrace::trace).toList())
                            .chain(() -> traces.flush())
                            .chain(() -> spans.insertAll(fresh.stream().flatMap(t -> t.spans().stream()).toList()))
                            .chain(() -> assessments.persistExpectations(fresh.stream().flatMap(t -> t.expectations().stream()).toList()))
                            .chain(() -> traces.flush())
                            .map(ignored -> new TraceBatchResult(ids,
                                    fresh.stream().map(t -> t.trace().traceId).toList(),
                                    ids.stream().filter(known::contains).toList()));
                });
    }

    /**
     * Checks a batch for storing in the caller's name, storing nothing: a broken rule is an InvalidRequestException, an
     * expectation in someone else's name a PermissionDeniedException.
     */
    public CheckedTraceBatch check(TraceBatchRequest request, Caller caller) {
        return new CheckedTraceBatch(TraceFactory.fromBatch(request == null ? null : request.traces(), caller));
    }

    /** The ids among the given ones that name no trace, in the order given. */
    @WithSession
    public Uni<List<String>> missingIds(List<String> traceIds) {
        return traces.existingIds(traceIds)
                .map(existing -> {
                    Set<String> known = new HashSet<>(existing);
                    return traceIds.stream().filter(id -> !known.contains(id)).distinct().toList();
                });
    }

    /** Those of these traces that have every one of the tags. */
    public Uni<Set<String>> withTags(Collection<String> traceIds, Map<String, String> tags) {
        return traceIds.isEmpty() ? Uni.createFrom().item(Set.of()) : traces.withTags(traceIds, tags);
    }

    /**
     * A trace's inputs and outputs, without its tags, metadata, spans or assessments: what a person reads to label it.
     * Null when there is no such trace.
     */
    public Uni<TraceView> inputsAndOutputs(String traceId) {
        return traces.load(List.of(traceId), new LeftOut(List.of("tags", "metadata"), 0))
                .map(found -> found.isEmpty() ? null : TraceView.of(found.get(0), null, null, null, null, null));
    }

    /**
     * The trace with its spans and assessments, within tribunal.api.max-answer-bytes: the trace's own fields (the
     * largest left out when they alone are larger), then the first assessments and spans that fit whole; a token for
     * the rest of each list that did not fit.
     */
    public Uni<TraceView> get(String traceId) {
        return bounded(traceId, bound(), true)
                .onItem().ifNull().failWith(() -> notFound(traceId));
    }

    /** A page of a trace's spans in the order they started, within tribunal.api.max-answer-bytes. */
    public Uni<Page<SpanView>> spans(String traceId, PageToken after, Integer maxResults) {
        int limit = PageToken.maxResults(maxResults);
        return requireTrace(traceId)
                .chain(() -> spans.candidates(traceId, after, limit))
                .chain(candidates -> PageReader.read(candidates, limit, bound(), spanRows(traceId)));
    }

    /** A page of a trace's assessments, oldest first (as the trace shows them), within tribunal.api.max-answer-bytes. */
    public Uni<Page<AssessmentView>> assessments(String traceId, PageToken after, Integer maxResults) {
        int limit = PageToken.maxResults(maxResults);
        return requireTrace(traceId)
                .chain(() -> assessments.ofTrace(traceId, after, limit, bound()));
    }

    /**
     * A page of traces (without spans) with their assessments, within tribunal.api.max-answer-bytes: a trace counts
     * with its assessments. A trace larger than that by itself comes alone, as {@link #get} bounds it.
     */
    public Uni<Page<TraceView>> search(TraceQuery query, Integer maxResults) {
        int limit = PageToken.maxResults(maxResults);
        long bound = bound();
        return traces.candidates(query, limit)
                .chain(candidates -> assessments.bytesByTrace(candidates.stream().map(c -> c.key().id()).toList())
                        .map(extra -> candidates.stream()
                                .map(c -> new SizedRow(c.key(), c.bytes() + extra.getOrDefault(c.key().id(), 0L)))
                                .toList()))
                .map(candidates -> Page.fitting(candidates, limit, bound, true))
                .chain(page -> Page.oversized(page, bound)
                        ? bounded(Page.ids(page).get(0), bound, false)
                                .map(view -> page.with(view == null ? List.<TraceView>of() : List.of(view), bound))
                        : whole(page));
    }

    /** The traces of a page whose every row fits, each with all its assessments. */
    private Uni<Page<TraceView>> whole(Page<SizedRow> page) {
        List<String> ids = Page.ids(page);
        if (ids.isEmpty()) {
            return Uni.createFrom().item(page.with(List.of(), 0));
        }
        return traces.load(ids, LeftOut.nothing(0))
                .chain(rows -> assessments.ofTraces(ids)
                        .map(byTrace -> page.with(rows.stream()
                                .map(t -> TraceView.of(t, null, null, null, byTrace.getOrDefault(t.traceId, List.of()), null))
                                .toList(), page.bytes())));
    }

    /**
     * A trace within {@code allowance} bytes: its own fields (the largest left out when they alone are larger), then the
     * first assessments and (with {@code withSpans}) spans that fit whole, each list with a token when it did not fit.
     * Null when there is no such trace.
     */
    private Uni<TraceView> bounded(String traceId, long allowance, boolean withSpans) {
        return traces.sized(traceId)
                .chain(own -> own == null ? Uni.createFrom().nullItem()
                        : PageReader.read(List.of(own), 1, allowance, traceRows()))
                .chain(own -> own == null || own.items().isEmpty() ? Uni.createFrom().nullItem()
                        : assessments.firstOfTrace(traceId, PageToken.MAX_RESULTS_LIMIT, allowance - own.bytes())
                                .chain(assessed -> (withSpans
                                        ? spans.candidates(traceId, null, PageToken.MAX_RESULTS_LIMIT)
                                                .chain(candidates -> PageReader.readWhole(candidates, PageToken.MAX_RESULTS_LIMIT,
                                                        allowance - own.bytes() - assessed.bytes(), spanRows(traceId)))
                                        : Uni.createFrom().item((Page<SpanView>) null))
                                        .map(spanned -> {
                                            Cut<Trace> trace = own.items().get(0);
                                            return TraceView.of(trace.row(), trace.truncated(),
                                                    spanned == null ? null : spanned.items(), spanned == null ? null : spanned.nextPageToken(),
                                                    assessed.items(), assessed.nextPageToken());
                                        })));
    }

    /** A row read for an answer, with the fields left out of it (null when none). */
    private record Cut<T>(T row, List<String> truncated) {
    }

    private PageReader.Rows<Cut<Trace>> traceRows() {
        return new PageReader.Rows<>() {
            @Override
            public Uni<List<Cut<Trace>>> load(List<String> ids, LeftOut leftOut) {
                return traces.load(ids, leftOut).map(rows -> rows.stream().map(t -> new Cut<>(t, leftOut.truncated())).toList());
            }

            @Override
            public Uni<Map<String, Long>> fieldBytes(String id) {
                return traces.fieldBytes(id);
            }
        };
    }

    private PageReader.Rows<SpanView> spanRows(String traceId) {
        return new PageReader.Rows<>() {
            @Override
            public Uni<List<SpanView>> load(List<String> ids, LeftOut leftOut) {
                return spans.load(traceId, ids, leftOut).map(rows -> rows.stream().map(s -> SpanView.of(s, leftOut.truncated())).toList());
            }

            @Override
            public Uni<Map<String, Long>> fieldBytes(String id) {
                return spans.fieldBytes(traceId, id);
            }
        };
    }

    /**
     * MLflow's TraceInfoV3 of a trace, within tribunal.api.max-answer-bytes: the previews of the request and response,
     * the tags and metadata (left out, saying so under {@code tribunal.truncated}, when they alone are larger), and the
     * first assessments that fit whole; when not all did, {@code tribunal.assessments.next_page_token} in the metadata
     * leads to the rest at {@code GET /api/traces/{trace_id}/assessments}.
     */
    public Uni<MlflowTraceView> mlflowTraceInfo(String traceId, boolean includeChallengers) {
        long bound = bound();
        return traces.preview(traceId, PREVIEW_LENGTH, bound - PREVIEW_ALLOWANCE)
                .onItem().ifNull().failWith(() -> notFound(traceId))
                .chain(trace -> {
                    long used = Page.ROW_OVERHEAD + PREVIEW_ALLOWANCE + utf8(trace.tags) + utf8(trace.metadata);
                    return assessments.firstOfTrace(traceId, PageToken.MAX_RESULTS_LIMIT, bound - used, includeChallengers)
                            .map(assessed -> {
                                Map<String, String> metadata = new LinkedHashMap<>(Json.readStringMap(trace.metadata));
                                if (trace.tags == null) {
                                    metadata.put(TRUNCATED_KEY, "tags,trace_metadata");
                                }
                                if (assessed.nextPageToken() != null) {
                                    metadata.put(ASSESSMENTS_TOKEN_KEY, assessed.nextPageToken());
                                }
                                return new MlflowTraceView(new MlflowTraceView.TraceBody(new TraceInfo(
                                        trace.traceId,
                                        MlflowTraceView.TraceLocation.of(Json.readStringMap(trace.metadata).get(EXPERIMENT_KEY)),
                                        trace.inputs,
                                        trace.outputs,
                                        trace.requestTime,
                                        trace.executionDurationMs == null ? null
                                                : BigDecimal.valueOf(trace.executionDurationMs, 3).toPlainString() + "s",
                                        trace.state.name(),
                                        metadata,
                                        assessed.items(),
                                        trace.tags == null ? null : withSpansLocation(Json.readStringMap(trace.tags)))));
                            });
                });
    }

    /** MLflow's client reads the spans of a trace whose info says so from {@code batchGet}; without the tag it finds none. */
    private static Map<String, String> withSpansLocation(Map<String, String> tags) {
        Map<String, String> all = new LinkedHashMap<>(tags);
        all.put(SPANS_LOCATION_KEY, SPANS_IN_TRACKING_STORE);
        return all;
    }

    static final String SPANS_LOCATION_KEY = "mlflow.trace.spansLocation";
    static final String SPANS_IN_TRACKING_STORE = "TRACKING_STORE";

    /**
     * Traces with their spans as MLflow's {@code batchGet} and {@code GetTrace} answer them: the info of each trace found
     * (ids naming none are left out) and all its spans, within tribunal.api.max-answer-bytes (a 400 says to ask fewer).
     */
    public Uni<List<MlflowTraceView.TraceWithSpans>> mlflowTraces(List<String> traceIds) {
        List<String> ids = traceIds.stream().distinct().toList();
        return spans.bytesOf(ids).chain(bytes -> {
            if (bytes > bound()) {
                throw new dev.tribunal.system.InvalidRequestException("The spans of these " + ids.size() + " traces take " + bytes
                        + " bytes, more than an answer holds (tribunal.api.max-answer-bytes " + bound() + "): ask for fewer traces, or read "
                        + "a trace's spans page by page at GET /api/traces/{trace_id}/spans");
            }
            return traces.load(ids, LeftOut.nothing(0)).chain(found -> spans.ofTraces(ids).chain(all -> {
                Map<String, List<Span>> byTrace = new java.util.HashMap<>();
                all.forEach(span -> byTrace.computeIfAbsent(span.traceId, k -> new java.util.ArrayList<>()).add(span));
                Map<String, Trace> byId = new java.util.HashMap<>();
                found.forEach(t -> byId.put(t.traceId, t));
                List<Uni<MlflowTraceView.TraceWithSpans>> each = ids.stream().filter(byId::containsKey)
                        .map(id -> mlflowTraceInfo(id, false).map(info -> new MlflowTraceView.TraceWithSpans(info.trace().traceInfo(),
                                MlflowSpans.of(byId.get(id), byTrace.getOrDefault(id, List.of())))))
                        .toList();
                return each.isEmpty() ? Uni.createFrom().item(List.<MlflowTraceView.TraceWithSpans>of())
                        : Uni.join().all(each).andFailFast();
            }));
        });
    }

    private static final String EXPERIMENT_KEY = MlflowTraceView.EXPERIMENT_KEY;
    private static final org.jboss.logging.Logger LOG_MLFLOW = org.jboss.logging.Logger.getLogger(TraceService.class);

    /**
     * MLflow's StartTraceV3, which its tracing exporter sends when a trace's root span ends: the trace info merged into
     * the trace its spans build, in either order of arrival (see {@link TraceRepository#mergeInfo}). The answer is the
     * trace's info as stored, saying its spans are in the tracking store.
     */
    public Uni<MlflowTraceView> startTrace(com.fasterxml.jackson.databind.JsonNode body, dev.tribunal.security.Caller caller) {
        com.fasterxml.jackson.databind.JsonNode info = body == null ? null : body.path("trace").path("trace_info");
        dev.tribunal.system.InvalidRequestException.require(info != null && info.isObject(),
                "The body must be {\"trace\": {\"trace_info\": {...}}} (MLflow StartTraceV3)");
        String traceId = info.path("trace_id").asText("");
        dev.tribunal.system.InvalidRequestException.require(!traceId.isBlank() && traceId.length() <= 64,
                "trace_info.trace_id is required (at most 64 characters)");
        java.time.Instant requestTime;
        try {
            requestTime = info.hasNonNull("request_time") ? java.time.Instant.parse(info.get("request_time").asText()) : dev.tribunal.system.Times.now();
        } catch (java.time.format.DateTimeParseException e) {
            throw new dev.tribunal.system.InvalidRequestException("trace_info.request_time must be an RFC 3339 time, not '"
                    + info.get("request_time").asText() + "'");
        }
        Long duration = null;
        if (info.hasNonNull("execution_duration")) {
            String text = info.get("execution_duration").asText();
            try {
                duration = new BigDecimal(text.endsWith("s") ? text.substring(0, text.length() - 1) : text).movePointRight(3).longValue();
            } catch (NumberFormatException e) {
                throw new dev.tribunal.system.InvalidRequestException("trace_info.execution_duration must be a duration such as \"1.234s\", not '"
                        + text + "'");
            }
            dev.tribunal.system.InvalidRequestException.require(duration >= 0, "trace_info.execution_duration must not be negative");
        }
        String stateText = info.path("state").asText("IN_PROGRESS");
        String state = switch (stateText) {
            case "OK", "ERROR", "IN_PROGRESS" -> stateText;
            case "STATE_UNSPECIFIED", "" -> "IN_PROGRESS";
            default -> throw new dev.tribunal.system.InvalidRequestException("trace_info.state must be OK, ERROR or IN_PROGRESS, not '"
                    + stateText + "'");
        };
        Map<String, String> metadata = stringMap(info.path("trace_metadata"), "trace_metadata");
        String experiment = info.path("trace_location").path("mlflow_experiment").path("experiment_id").asText("");
        if (!experiment.isBlank()) {
            metadata.put(EXPERIMENT_KEY, experiment);
        }
        Map<String, String> tags = stringMap(info.path("tags"), "tags");
        List<dev.tribunal.assessment.AssessmentView> logged = loggedDuringTheTrace(info.path("assessments"));
        return traces.mergeInfo(traceId, requestTime, duration, state, preview(info.path("request_preview")), preview(info.path("response_preview")),
                        Json.write(tags), Json.write(metadata))
                .call(() -> logAll(traceId, logged, caller))
                .chain(() -> mlflowTraceInfo(traceId, false));
    }

    /** The assessments an app logged on its active trace, sent with the trace info; read before anything is stored. */
    private List<dev.tribunal.assessment.AssessmentView> loggedDuringTheTrace(com.fasterxml.jackson.databind.JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return List.of();
        }
        dev.tribunal.system.InvalidRequestException.require(node.isArray(), "trace_info.assessments must be a list");
        List<dev.tribunal.assessment.AssessmentView> views = new java.util.ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode item : node) {
            try {
                views.add(mapper.treeToValue(item, dev.tribunal.assessment.AssessmentView.class));
            } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
                throw new dev.tribunal.system.InvalidRequestException("trace_info.assessments holds one that is not an MLflow assessment: "
                        + e.getMessage());
            }
        }
        return views;
    }

    /**
     * Logs them one after the other, as if each had been sent on its own: one the key may not log (a HUMAN label from an
     * ingest key, say) or that breaks MLflow's rules is left out with a warning, as MLflow's client only warns too.
     */
    private Uni<Void> logAll(String traceId, List<dev.tribunal.assessment.AssessmentView> views, dev.tribunal.security.Caller caller) {
        Uni<Void> done = Uni.createFrom().voidItem();
        for (dev.tribunal.assessment.AssessmentView view : views) {
            done = done.chain(() -> assessments.create(traceId, view, caller)
                    .onFailure(f -> f instanceof dev.tribunal.system.PermissionDeniedException || f instanceof dev.tribunal.system.InvalidRequestException)
                    .recoverWithItem(f -> {
                        LOG_MLFLOW.warnf("An assessment sent with trace %s's info was not logged: %s", traceId, f.getMessage());
                        return null;
                    })
                    .replaceWithVoid());
        }
        return done;
    }

    /** A preview as the trace's request or response: its JSON when it is whole JSON, else the text itself. */
    private static String preview(com.fasterxml.jackson.databind.JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode() || node.asText().isEmpty()) {
            return null;
        }
        String text = node.asText();
        try {
            return Json.write(Json.parseStrict(text));
        } catch (com.fasterxml.jackson.core.JsonProcessingException | RuntimeException e) {
            return Json.write(com.fasterxml.jackson.databind.node.TextNode.valueOf(text));
        }
    }

    private static Map<String, String> stringMap(com.fasterxml.jackson.databind.JsonNode node, String field) {
        Map<String, String> map = new LinkedHashMap<>();
        if (node == null || node.isMissingNode() || node.isNull()) {
            return map;
        }
        dev.tribunal.system.InvalidRequestException.require(node.isObject(), "trace_info." + field + " must be an object of strings");
        node.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().isTextual() ? e.getValue().asText() : e.getValue().toString()));
        return map;
    }

    /** MLflow's traces/link-to-run: the traces (up to 100) are found by {@code attribute.run_id = '<run>'} from then on. */
    public Uni<Void> linkToRun(String runId, List<String> traceIds) {
        dev.tribunal.system.InvalidRequestException.require(runId != null && !runId.isBlank() && runId.length() <= 32,
                "run_id is required (at most 32 characters)");
        dev.tribunal.system.InvalidRequestException.require(traceIds != null && !traceIds.isEmpty() && traceIds.size() <= 100,
                "trace_ids must name 1 to 100 traces");
        return traces.linkToRun(runId, traceIds).invoke(found -> {
            if (found == 0) {
                throw new dev.tribunal.system.ResourceNotFoundException("None of the trace_ids names a trace");
            }
        }).replaceWithVoid();
    }

    /** MLflow's default page of a trace search, and the most one answer holds. */
    static final int SEARCH_DEFAULT = 100;
    static final int SEARCH_MAX = 500;

    /**
     * MLflow's trace search: the traces meeting its filter, in its order (by time, newest first unless it says
     * otherwise), a page at a time, each with its trace info (assessments included).
     */
    public Uni<MlflowTraceView.SearchView> mlflowSearch(MlflowTraceView.SearchRequest request) {
        MlflowTraceView.SearchRequest r = request == null ? new MlflowTraceView.SearchRequest(null, null, null, null, null, null) : request;
        int limit = r.maxResults() == null ? SEARCH_DEFAULT : r.maxResults();
        dev.tribunal.system.InvalidRequestException.require(limit >= 1 && limit <= SEARCH_MAX, "max_results must be 1 to " + SEARCH_MAX
                + ", not " + limit);
        long offset = searchOffset(r.pageToken());
        List<Object> params = new java.util.ArrayList<>();
        List<String> conditions = MlflowTraceFilter.parse(r.filter(), params);
        List<String> experiments = new java.util.ArrayList<>();
        if (r.locations() != null) {
            r.locations().stream().filter(l -> l != null && l.mlflowExperiment() != null && l.mlflowExperiment().experimentId() != null)
                    .forEach(l -> experiments.add(l.mlflowExperiment().experimentId()));
        }
        if (r.experimentIds() != null) {
            experiments.addAll(r.experimentIds());
        }
        if (!experiments.isEmpty()) {
            // a trace sent to no experiment in particular is in the default one, "0"
            params.add(experiments.toArray(String[]::new));
            conditions.add("coalesce(t.metadata ->> '" + EXPERIMENT_KEY + "', '0') = any($" + params.size() + ")");
        }
        String orderBy = searchOrder(r.orderBy());
        return traces.search(conditions, params, orderBy, limit, offset).chain(ids -> {
            List<String> page = ids.size() > limit ? ids.subList(0, limit) : ids;
            String next = ids.size() > limit ? java.util.Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(("offset:" + (offset + limit)).getBytes(StandardCharsets.UTF_8)) : null;
            if (page.isEmpty()) {
                return Uni.createFrom().item(new MlflowTraceView.SearchView(List.of(), null));
            }
            return Uni.join().all(page.stream().map(id -> mlflowTraceInfo(id, false).map(v -> v.trace().traceInfo())).toList())
                    .andFailFast()
                    .map(infos -> new MlflowTraceView.SearchView(infos, next));
        });
    }

    private static long searchOffset(String token) {
        if (token == null || token.isEmpty()) {
            return 0;
        }
        try {
            String text = new String(java.util.Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
            long offset = Long.parseLong(text.substring(text.indexOf(':') + 1));
            if (!text.startsWith("offset:") || offset < 0) {
                throw new IllegalArgumentException(text);
            }
            return offset;
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new dev.tribunal.system.InvalidRequestException("page_token is not one this server gave");
        }
    }

    /** MLflow's order_by: by time ({@code timestamp_ms}) or duration ({@code execution_time_ms}), ASC or DESC. */
    private static String searchOrder(List<String> orderBy) {
        List<String> parts = new java.util.ArrayList<>();
        String tieBreak = "desc";
        for (String clause : orderBy == null ? List.<String>of() : orderBy) {
            String[] words = clause.trim().split("\\s+");
            String field = words[0].toLowerCase(java.util.Locale.ROOT).replaceFirst("^(attributes|attribute|trace)\\.", "");
            String direction = words.length > 1 ? words[1].toLowerCase(java.util.Locale.ROOT) : "asc";
            dev.tribunal.system.InvalidRequestException.require(words.length <= 2 && (direction.equals("asc") || direction.equals("desc")),
                    "order_by '" + clause + "' must be <field> [ASC|DESC]");
            String column = switch (field) {
                case "timestamp_ms", "timestamp" -> "t.request_time";
                case "execution_time_ms", "execution_duration_ms" -> "t.execution_duration_ms";
                default -> throw new dev.tribunal.system.InvalidRequestException("Traces are ordered by timestamp_ms or execution_time_ms, "
                        + "not '" + words[0] + "'");
            };
            parts.add(column + " " + direction + " nulls last");
            tieBreak = direction;
        }
        if (parts.isEmpty()) {
            parts.add("t.request_time desc");
        }
        parts.add("t.trace_id " + tieBreak);
        return String.join(", ", parts);
    }

    private long bound() {
        return api.maxAnswerBytes().asLongValue();
    }

    private static long utf8(String text) {
        return text == null ? 0 : text.getBytes(StandardCharsets.UTF_8).length;
    }

    private Uni<Void> requireTrace(String traceId) {
        return traces.sized(traceId)
                .onItem().ifNull().failWith(() -> notFound(traceId))
                .replaceWithVoid();
    }

    private static ResourceNotFoundException notFound(String traceId) {
        return new ResourceNotFoundException("Trace '" + traceId + "' does not exist");
    }

    private static boolean isUniqueViolation(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ConstraintViolationException) {
                return true;
            }
        }
        return SqlStates.causedBy(failure, SqlStates.UNIQUE_VIOLATION);
    }
}
