package dev.tribunal.system;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;

/**
 * A small LLM application traced with the OpenTelemetry API only: run under the OpenTelemetry Java agent, its
 * spans go wherever the agent's environment sends them. Prints the trace id of the request it handles.
 */
public final class InstrumentedApp {

    private InstrumentedApp() {
    }

    public static void main(String[] args) {
        Tracer tracer = GlobalOpenTelemetry.getTracer("support-bot");
        String question = args.length > 0 ? args[0] : "How do I reset my password?";
        Span request = tracer.spanBuilder("answer-question")
                .setAttribute("openinference.span.kind", "CHAIN")
                .setAttribute("input.value", "{\"question\": \"" + question + "\"}")
                .setAttribute("input.mime_type", "application/json")
                .startSpan();
        try (Scope ignored = request.makeCurrent()) {
            Span llm = tracer.spanBuilder("chat gpt-4o-mini")
                    .setAttribute("gen_ai.operation.name", "chat")
                    .setAttribute("gen_ai.request.model", "gpt-4o-mini")
                    .setAttribute("gen_ai.usage.input_tokens", 31L)
                    .setAttribute("gen_ai.usage.output_tokens", 18L)
                    .startSpan();
            llm.end();
            request.setAttribute("output.value", "Open Settings, then Security, then Reset password.");
        } finally {
            request.end();
        }
        System.out.println("trace " + request.getSpanContext().getTraceId());
        // the agent exports what is left when the JVM shuts down
    }
}
