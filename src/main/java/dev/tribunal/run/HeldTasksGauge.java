package dev.tribunal.run;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.ArrayList;
import java.util.List;

/** {@code tribunal_worker_held}: the tasks this process holds (claimed, not yet written), by judge and model, every second. */
@ApplicationScoped
class HeldTasksGauge {

    private final HeldTasks held;
    private final MultiGauge gauge;

    HeldTasksGauge(HeldTasks held, MeterRegistry metrics) {
        this.held = held;
        this.gauge = MultiGauge.builder("tribunal.worker.held")
                .description("Tasks this process holds (claimed, not yet written), by judge and model").register(metrics);
    }

    @Scheduled(every = "1s", skipExecutionIf = Scheduled.ApplicationNotRunning.class)
    void count() {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        held.countByJudgeAndModel().forEach((key, n) -> rows.add(MultiGauge.Row.of(Tags.of("judge", key.get(0), "model", key.get(1)), n)));
        gauge.register(rows, true);
    }
}
