package dev.tribunal.run;

import dev.tribunal.system.PageText;
import dev.tribunal.system.Urls;
import dev.tribunal.run.RunRequests.ErrorExampleView;
import dev.tribunal.run.RunRequests.RetryRequest;
import dev.tribunal.run.RunRequests.RunView;
import dev.tribunal.security.Csrf;
import dev.tribunal.security.Roles;
import dev.tribunal.security.Viewer;
import dev.tribunal.system.FormBody;
import dev.tribunal.system.PageToken;
import dev.tribunal.system.Redirects;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Judge runs as a person follows them: {@code /runs} lists them newest first, {@code /runs/{run_id}} shows one run's
 * progress (updated in place by {@code /console/run-progress.js}, which reads {@code GET /api/judge-runs/{run_id}}), its
 * errors by code with examples and its cost, with buttons to cancel it or judge its errors again. The buttons call the
 * same service as the JSON API's {@code POST /api/judge-runs/{run_id}/cancel} and {@code /retry}.
 */
@Path("/runs")
@RolesAllowed(Roles.READ)
public class RunPage {

    /** Runs per page of the list: a screenful. */
    private static final int PAGE_SIZE = 25;

    private final RunService service;
    private final Template list;
    private final Template page;
    private final SecurityIdentity identity;
    private final dev.tribunal.judge.JudgeCatalog judges;

    RunPage(RunService service, dev.tribunal.judge.JudgeCatalog judges, @Location("run/list.html") Template list, @Location("run/page.html") Template page,
            SecurityIdentity identity) {
        this.service = service;
        this.judges = judges;
        this.list = list;
        this.page = page;
        this.identity = identity;
    }

    /** A run as a row of the list, its figures as text. */
    public record RunRow(RunView run, String link, String judges, String done, String percent, String cost, String created) {
    }

    /** An error code of a run with its count and a few examples. */
    public record ErrorRow(String code, long count, List<ErrorExampleView> examples) {
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    public Uni<String> list(@RestQuery("page_token") String pageToken) {
        boolean first = pageToken == null || pageToken.isBlank();
        return service.list(PageToken.decode(pageToken), PAGE_SIZE)
                .map(found -> list.data("viewer", Viewer.of(identity))
                        .data("runs", found.items().stream().map(RunPage::row).toList())
                        .data("first", first)
                        .data("next", found.nextPageToken() == null ? null : "/runs?page_token=" + Urls.encode(found.nextPageToken()))
                        .render());
    }

    @GET
    @Path("/{run_id}")
    @Produces(MediaType.TEXT_HTML)
    public Uni<String> show(@RestPath("run_id") String runId) {
        return service.get(runId)
                .map(RunOutcome::orThrow)
                .map(run -> page.data("viewer", Viewer.of(identity))
                        .data("row", row(run))
                        .data("run", run)
                        .data("errors", errors(run))
                        .data("retryable", run.errored() > 0 && run.status() != RunStatus.CANCELLED)
                        .data("rate", run.judgmentsPerSecond() == null ? "–" : run.judgmentsPerSecond() + " / s")
                        .data("eta", eta(run))
                        .data("started", PageText.time(run.startedAt()))
                        .data("finished", PageText.time(run.finishedAt()))
                        .data("models", run.models() == null ? "each judge's own" : String.join(", ", run.models()))
                        .data("json", "/api/judge-runs/" + Urls.encode(run.runId()))
                        .data("assessments", "/api/assessments?run_id=" + Urls.encode(run.runId()))
                        .render());
    }

    /**
     * A run started from a page (the trace page's "judge again"): the judges ticked (optionally on other models) over
     * the traces named, as {@code POST /api/judge-runs} does; then to the new run's page.
     */
    @POST
    @RolesAllowed(Roles.JUDGE)
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> start(byte[] body) {
        FormBody form = Csrf.form(identity, body);
        String traceId = form.get("trace_id");
        dev.tribunal.system.InvalidRequestException.require(traceId != null && !traceId.isBlank(), "trace_id is required: the trace to judge");
        List<RunRequests.JudgeRef> chosen = judges.all().stream()
                .filter(judge -> form.get("judge:" + judge.name()) != null)
                .map(judge -> RunRequests.JudgeRef.named(judge.name()))
                .toList();
        dev.tribunal.system.InvalidRequestException.require(!chosen.isEmpty(), "Tick at least one judge to judge the trace with");
        String models = form.get("models");
        List<String> modelList = models == null || models.isBlank() ? null
                : java.util.Arrays.stream(models.split(",")).map(String::strip).filter(m -> !m.isEmpty()).toList();
        RunRequests.JudgeRunRequest request = new RunRequests.JudgeRunRequest(chosen, List.of(traceId.strip()), null, modelList, null, null, null);
        return service.startFromPage(request, dev.tribunal.security.Caller.of(identity))
                .map(created -> Redirects.seeOther(path(created.runId())).build());
    }

    /** Cancels the run as {@code POST /api/judge-runs/{run_id}/cancel} does, then back to its page. */
    @POST
    @RolesAllowed(Roles.JUDGE)
    @Path("/{run_id}/cancel")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> cancel(@RestPath("run_id") String runId, byte[] body) {
        Csrf.form(identity, body);
        return service.cancel(runId)
                .map(RunOutcome::orThrow)
                .map(run -> Redirects.seeOther(path(run.runId())).build());
    }

    /** Judges the run's errored judgments again as {@code POST /api/judge-runs/{run_id}/retry} does, then back to its page. */
    @POST
    @RolesAllowed(Roles.JUDGE)
    @Path("/{run_id}/retry")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> retry(@RestPath("run_id") String runId, byte[] body) {
        FormBody form = Csrf.form(identity, body);
        String code = form.get("error_code");
        RetryRequest request = new RetryRequest(code == null || code.isBlank() ? List.of() : List.of(code));
        return service.retry(runId, request)
                .map(RunOutcome::orThrow)
                .map(retried -> Redirects.seeOther(path(retried.runId())).build());
    }

    static RunRow row(RunView run) {
        int percent = run.total() == 0 ? 100 : (int) (run.completed() * 100 / run.total());
        return new RunRow(run, path(run.runId()), run.judges() == null ? "(too many to show)" : String.join(", ", run.judges()),
                run.completed() + " / " + run.total(), percent + "%", PageText.plain(run.cost()), PageText.time(run.createdAt()));
    }

    private static List<ErrorRow> errors(RunView run) {
        List<ErrorRow> rows = new ArrayList<>();
        Map<String, List<ErrorExampleView>> examples = run.errorExamples() == null ? Map.of() : run.errorExamples();
        run.errorsByCode().forEach((code, count) -> rows.add(new ErrorRow(code, count, examples.getOrDefault(code, List.of()))));
        return rows;
    }


    private static String eta(RunView run) {
        if (run.finished()) {
            return "–";
        }
        if (run.etaSeconds() == null) {
            return "not known yet";
        }
        long seconds = run.etaSeconds();
        return seconds < 60 ? seconds + " s" : seconds / 60 + " min " + seconds % 60 + " s";
    }


    private static String path(String runId) {
        return "/runs/" + Urls.encode(runId);
    }
}
