package dev.tribunal.metaeval;

import dev.tribunal.system.PageText;
import dev.tribunal.system.Urls;
import io.quarkus.security.identity.SecurityIdentity;
import dev.tribunal.security.Csrf;
import dev.tribunal.security.Viewer;
import dev.tribunal.security.Caller;
import dev.tribunal.security.Roles;
import jakarta.annotation.security.RolesAllowed;
import dev.tribunal.assessment.AssessmentService;
import dev.tribunal.judge.JudgeCatalog;
import dev.tribunal.metaeval.MetaEvalRequests.JudgeReportView;
import dev.tribunal.metaeval.MetaEvalRequests.MetaEvalView;
import dev.tribunal.system.InvalidRequestException;
import dev.tribunal.system.Redirects;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.RestQuery;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The meta-evaluation page: pick a judged name, see the judges side by side against the human labels
 * (statistics with intervals, confusion heatmaps, agreement bars, cost against agreement, the
 * disagreements), and label traces so that the reference grows. Server-rendered, no script.
 */
@Path("/meta-evaluation")
@RolesAllowed(Roles.READ)
public class MetaEvalPage {

    /** Disagreements shown per judge on the page; the JSON API pages through all of them. */
    private static final int SHOWN_DISAGREEMENTS = 25;

    private final MetaEvalService service;
    private final AssessmentService assessments;
    private final JudgeCatalog judges;
    private final Template page;
    private final Template label;

    private final SecurityIdentity identity;

    MetaEvalPage(MetaEvalService service, AssessmentService assessments, JudgeCatalog judges,
                 @Location("metaeval/page.html") Template page, @Location("metaeval/label.html") Template label, SecurityIdentity identity) {
        this.identity = identity;
        this.service = service;
        this.assessments = assessments;
        this.judges = judges;
        this.page = page;
        this.label = label;
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    public Uni<String> show(@RestQuery("name") String name, @RestQuery("expectation") String expectation) {
        return service.judgedNames().chain(names -> {
            boolean asked = name != null && !name.isBlank();
            if (asked && names.stream().noneMatch(n -> n.name().equals(name))) {
                return Uni.createFrom().item(page.data("viewer", Viewer.of(identity)).data("names", names).data("name", null).data("report", null).data("expectation", expectation)
                        .data("unknown", name).render());
            }
            // without a name, the one with the most traces to compare: a page of dashes helps nobody
            MetaEvalRequests.JudgedName best = names.stream()
                    .max(java.util.Comparator.comparingLong(MetaEvalRequests.JudgedName::compared)
                            .thenComparing(MetaEvalRequests.JudgedName::name, java.util.Comparator.reverseOrder()))
                    .orElse(null);
            if (!asked && best == null) {
                return Uni.createFrom().item(page.data("viewer", Viewer.of(identity)).data("names", names).data("name", null).data("report", null).data("expectation", expectation).render());
            }
            if (!asked && best.compared() == 0 && (expectation == null || expectation.isBlank())) {
                return Uni.createFrom().item(page.data("viewer", Viewer.of(identity)).data("names", names).data("name", null).data("report", null).data("expectation", expectation)
                        .data("unlabelled", true).render());
            }
            String chosen = asked ? name : best.name();
            MetaEvalRequests.ReferenceRequest reference = expectation != null && !expectation.isBlank()
                    ? new MetaEvalRequests.ReferenceRequest(null, expectation) : new MetaEvalRequests.ReferenceRequest(chosen, null);
            MetaEvalRequests.MetaEvalRequest request = new MetaEvalRequests.MetaEvalRequest(chosen, null, reference, null, null, null);
            return service.evaluate(request).chain(report -> disagreements(request, report).map(rows -> render(names, chosen, expectation, report, rows)));
        });
    }

    private Uni<Map<String, List<MetaEvalRequests.DisagreementView>>> disagreements(MetaEvalRequests.MetaEvalRequest request, MetaEvalView report) {
        Uni<Map<String, List<MetaEvalRequests.DisagreementView>>> all = Uni.createFrom().item(new java.util.LinkedHashMap<>());
        for (JudgeReportView judge : report.judges()) {
            if (judge.coverage().compared() == 0) {
                continue;
            }
            all = all.chain(map -> service.disagreements(request, judge.model(), judge.version(), null, SHOWN_DISAGREEMENTS)
                    .map(list -> {
                        map.put(judge.judge(), list.disagreements());
                        return map;
                    }));
        }
        return all;
    }

    private String render(List<MetaEvalRequests.JudgedName> names, String name, String expectation, MetaEvalView report,
                          Map<String, List<MetaEvalRequests.DisagreementView>> disagreements) {
        List<Charts.Bar> bars = new ArrayList<>();
        List<Map<String, Object>> rows = new ArrayList<>();
        List<JudgeReportView> notCompared = new ArrayList<>();
        boolean numeric = report.judges().stream().anyMatch(j -> "numeric".equals(j.kind()));
        String figure = numeric ? "Spearman" : "Cohen's kappa";
        for (JudgeReportView judge : report.judges()) {
            if (judge.coverage().compared() == 0) {
                notCompared.add(judge);
                continue;
            }
            MetaEvalRequests.StatisticsView s = judge.statistics();
            Double value = "numeric".equals(judge.kind()) ? s.spearman() : s.kappa();
            List<Double> ci = "numeric".equals(judge.kind()) ? s.spearmanCi() : s.kappaCi();
            bars.add(new Charts.Bar(judge.model() + (judge.version() == null ? "" : " · " + judge.version()), value,
                    ci == null ? null : ci.get(0), ci == null ? null : ci.get(1), judge.operations().costPerJudgment()));
            Map<String, Object> row = new java.util.HashMap<>();
            row.put("judge", judge);
            row.put("value", PageText.figure(value));
            row.put("accuracy", PageText.figure(s.accuracy()));
            row.put("ci", ci == null ? null : PageText.figure(ci.get(0)) + " – " + PageText.figure(ci.get(1)));
            row.put("cost", PageText.plain(judge.operations().costPerJudgment()));
            row.put("tokens", PageText.plain(judge.operations().tokensPerJudgment()));
            MetaEvalRequests.SelfAgreementView self = judge.selfAgreement();
            row.put("self", self == null ? "–" : PageText.figure(self.meanAgreement()) + " (right " + PageText.figure(self.lowAccuracy())
                    + " when split, " + PageText.figure(self.highAccuracy()) + " when agreed)");
            row.put("heatmap", "numeric".equals(judge.kind()) ? "" : Charts.heatmap(s.labels(), s.confusion()));
            row.put("perLabel", s.perLabel() == null ? List.of() : s.perLabel().stream().map(l -> Map.of("label", l.label(),
                    "precision", PageText.figure(l.precision()), "recall", PageText.figure(l.recall()), "f1", PageText.figure(l.f1()),
                    "support", l.support())).toList());
            row.put("disagreements", disagreements.getOrDefault(judge.judge(), List.of()));
            rows.add(row);
        }
        List<Map<String, Object>> pairs = report.pairwise().stream().map(p -> Map.<String, Object>of("a", p.a(), "b", p.b(),
                "compared", p.compared(), "agreement", PageText.figure(p.agreement()), "kappa", PageText.figure(p.kappa()),
                "spearman", PageText.figure(p.spearman()))).toList();
        return page.data("viewer", Viewer.of(identity)).data("names", names)
                .data("name", name)
                .data("expectation", expectation)
                .data("report", report)
                .data("rows", rows)
                .data("anySelf", report.judges().stream().anyMatch(j -> j.selfAgreement() != null))
                .data("notCompared", notCompared)
                .data("pairs", pairs)
                .data("figure", figure)
                .data("bars", Charts.agreementBars(bars, figure))
                .data("scatter", Charts.costVsAgreement(bars, figure))
                .data("labelLink", "/meta-evaluation/label?name=" + Urls.encode(name))
                .render();
    }

    @GET
    @Path("/label")
    @Produces(MediaType.TEXT_HTML)
    public Uni<String> label(@RestQuery("name") String name, @RestQuery("trace_id") String traceId, @RestQuery("saved") String saved) {
        InvalidRequestException.require(name != null && !name.isBlank(), "name is required: the judged name to label");
        return labelPage(name, traceId, saved, null);
    }

    /** The labelling view of a trace (the next unlabelled one when none is named), with a message about the last save. */
    private Uni<String> labelPage(String name, String traceId, String saved, String error) {
        String csrf = Csrf.token(identity);
        String reviewer = Caller.of(identity).name();
        Uni<java.util.Optional<String>> trace = traceId != null && !traceId.isBlank()
                ? Uni.createFrom().item(java.util.Optional.of(traceId)) : service.nextToLabel(name);
        return trace.chain(found -> found.isEmpty()
                ? Uni.createFrom().item(label.data("viewer", Viewer.of(identity)).data("name", name).data("trace", null).data("choices", choices(name)).data("saved", saved)
                .data("error", error).data("reviewer", reviewer).data("csrf", csrf).render())
                : service.labelTrace(found.get(), name).map(t -> label.data("viewer", Viewer.of(identity)).data("name", name).data("trace", t).data("choices", choices(name))
                .data("saved", saved).data("error", error).data("back", "/meta-evaluation?name=" + Urls.encode(name)).data("reviewer", reviewer)
                .data("csrf", csrf).render()));
    }

    /**
     * A reviewer's label: HUMAN feedback in the signed-in key's name, optionally overriding a judge's verdict. A
     * browser signed in with the session cookie must send the form's CSRF token. A form sent without a label is shown
     * again, saying so: nothing is recorded by accident.
     */
    @POST
    @RolesAllowed(Roles.ANNOTATE)
    @Path("/label")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    public Uni<Response> saveLabel(byte[] body) {
        dev.tribunal.system.FormBody form = Csrf.form(identity, body);
        String name = form.get("name");
        String traceId = form.get("trace_id");
        String value = form.get("value");
        String rationale = form.get("rationale");
        String overrides = form.get("overrides");
        InvalidRequestException.require(name != null && !name.isBlank(), "name is required");
        InvalidRequestException.require(traceId != null && !traceId.isBlank(), "trace_id is required");
        Caller caller = Caller.of(identity);
        if (value == null || value.isBlank()) {
            return labelPage(name, traceId, null, "Pick a label before saving: nothing was saved.")
                    .map(html -> Response.status(400).type(MediaType.TEXT_HTML_TYPE).entity(html).build());
        }
        return assessments.label(traceId, name, dev.tribunal.judge.HumanLabels.typed(judges.find(name).orElse(null), value.trim()), rationale,
                        overrides, caller)
                .map(created -> Redirects.seeOther("/meta-evaluation/label?name=" + Urls.encode(name) + "&saved=" + Urls.encode(traceId)).build());
    }

    /** The labels a judge of this name chooses from, when a loaded judge has the name. */
    private List<String> choices(String name) {
        return dev.tribunal.judge.HumanLabels.choices(judges.find(name).orElse(null));
    }
}
