package dev.tribunal.trace;

import dev.tribunal.security.Caller;
import dev.tribunal.assessment.AssessmentRepository;
import dev.tribunal.assessment.AssessmentView;
import dev.tribunal.system.Json;
import dev.tribunal.system.Page;
import dev.tribunal.system.PageToken;
import dev.tribunal.system.ResourceNotFoundException;
import dev.tribunal.system.Rows;
import dev.tribunal.trace.MlflowTraceView.TraceInfo;
import dev.tribunal.trace.TraceFactory.NewTrace;
import dev.tribunal.trace.TraceRequests.TraceBatchRequest;
import dev.tribunal.trace.TraceRequests.TraceBatchResult;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.hibernate.reactive.panache.common.WithSession;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.hibernate.exception.ConstraintViolationException;

import java.math.BigDecimal;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** Ingest and read traces with their spans and assessments. */
@ApplicationScoped
public class TraceService {

    static final int PREVIEW_LENGTH = 1000;

    private final TraceRepository traces;
    private final SpanRepository spans;
    private final AssessmentRepository assessments;

    TraceService(TraceRepository traces, SpanRepository spans, AssessmentRepository assessments) {
        this.traces = traces;
        this.spans = spans;
        this.assessments = assessments;
    }

    /**
     * Stores a batch in one transaction. A trace whose id already exists is left as it is (re-sending
     * is harmless); when a concurrent request inserts the same id first, the batch is retried once and
     * then sees that trace as existing.
     */
    public Uni<TraceBatchResult> ingest(TraceBatchRequest request, Caller caller) {
        return Uni.createFrom().item(() -> TraceFactory.fromBatch(request == null ? null : request.traces(), caller))
                .chain(batch -> Uni.createFrom().deferred(() -> Panache.withTransaction(() -> insertNew(batch)))
                        .onFailure(TraceService::isUniqueViolation).retry().atMost(1));
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
                            .chain(() -> Rows.persistAll(fresh.stream().flatMap(t -> t.expectations().stream()).toList()))
                            .chain(() -> traces.flush())
                            .map(ignored -> new TraceBatchResult(ids,
                                    fresh.stream().map(t -> t.trace().traceId).toList(),
                                    ids.stream().filter(known::contains).toList()));
                });
    }

    /** Checks a batch as {@link #ingest} would, storing nothing; a problem is an InvalidRequestException. */
    public void validate(TraceBatchRequest request) {
        TraceFactory.fromBatch(request == null ? null : request.traces(), new Caller(Caller.LOCAL, false, false, true, true));
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

    /** The trace with its spans and assessments. */
    @WithSession
    public Uni<TraceView> get(String traceId) {
        return requireTrace(traceId)
                .chain(trace -> spans.forTrace(traceId)
                        .chain(traceSpans -> assessments.forTraces(List.of(traceId))
                                .map(found -> TraceView.of(trace, traceSpans, found.stream().map(AssessmentView::of).toList()))));
    }

    /** A page of traces (without spans) with their assessments. */
    @WithSession
    public Uni<Page<TraceView>> search(TraceQuery query, Integer maxResults) {
        int limit = PageToken.maxResults(maxResults);
        return traces.search(query, limit)
                .map(rows -> Page.of(rows, limit, t -> new PageToken(t.requestTime, t.traceId)))
                .chain(page -> assessments.forTraces(page.items().stream().map(t -> t.traceId).toList())
                        .map(found -> {
                            Map<String, List<AssessmentView>> byTrace = found.stream()
                                    .collect(Collectors.groupingBy(a -> a.traceId, Collectors.mapping(AssessmentView::of, Collectors.toList())));
                            return page.map(t -> TraceView.of(t, null, byTrace.getOrDefault(t.traceId, List.of())));
                        }));
    }

    /** MLflow's TraceInfoV3 of a trace. */
    @WithSession
    public Uni<MlflowTraceView> mlflowTraceInfo(String traceId) {
        return requireTrace(traceId)
                .chain(trace -> assessments.forTraces(List.of(traceId))
                        .map(found -> new MlflowTraceView(new MlflowTraceView.TraceBody(new TraceInfo(
                                trace.traceId,
                                MlflowTraceView.TraceLocation.DEFAULT,
                                preview(trace.inputs),
                                preview(trace.outputs),
                                trace.requestTime,
                                trace.executionDurationMs == null ? null
                                        : BigDecimal.valueOf(trace.executionDurationMs, 3).toPlainString() + "s",
                                trace.state.name(),
                                Json.readStringMap(trace.metadata),
                                found.stream().map(AssessmentView::of).toList(),
                                Json.readStringMap(trace.tags))))));
    }

    private Uni<Trace> requireTrace(String traceId) {
        return traces.findById(traceId)
                .onItem().ifNull().failWith(() -> new ResourceNotFoundException("Trace '" + traceId + "' does not exist"));
    }

    private static String preview(String json) {
        if (json == null) {
            return null;
        }
        return json.length() <= PREVIEW_LENGTH ? json : json.substring(0, PREVIEW_LENGTH);
    }

    private static boolean isUniqueViolation(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ConstraintViolationException) {
                return true;
            }
            if (t instanceof io.vertx.pgclient.PgException pg && "23505".equals(pg.getSqlState())) {
                return true;
            }
        }
        return false;
    }
}
